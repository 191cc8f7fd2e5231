package io.occlusion4j.cpu.incremental;

import io.occlusion4j.WindowGrid;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The projective-field analysis (Krypton, Nakandala et al., SIGMOD 2019) over the graph IR: walking the nodes in
 * order from the model's input, the region each window can change in every activation, as long as every operator is
 * one whose change stays local: convolutions (any stride, padding, dilation, groups), max and average pools,
 * point-wise operators (activations, BatchNormalization, arithmetic with per-channel constants, residual adds of two
 * activations) and channel concatenation. The first operator that is none of these (Flatten, Gemm, a global pool,
 * Resize, attention, anything unknown) ends the prefix; it and everything after it run whole.
 */
final class ProjectiveField {
    /** Point-wise operators of one input (plus constants), applied element by element. */
    static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish",
            "Elu", "Selu", "Softplus", "Softsign", "Exp", "Abs", "Neg", "Sqrt", "Identity", "Dropout",
            "BatchNormalization", "PRelu", "Erf", "Relu6", "Mish", "Gelu");
    /** Point-wise operators that may combine two activations of the same shape. */
    static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Pow");

    /** The result: the steps in order, the field of the input and of each step's output, and why the walk stopped. */
    record Analysis(List<Step> steps, Map<String, Field> fields, String stop, Map<String, Double> nodeFlops,
                    double totalFlops) {
    }

    private final Graph graph;
    private final String input;
    private final double tau;
    private final Map<String, List<Node>> consumers;
    private final Map<String, Field> fields = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, Integer> stepOf = new HashMap<>();
    private final String layoutNode;

    private ProjectiveField(Graph inferred, String input, double tau, String layoutNode) {
        this.graph = inferred;
        this.input = input;
        this.tau = tau;
        this.consumers = inferred.consumers();
        this.layoutNode = layoutNode;
    }

    /**
     * Analyses {@code inferred} (shapes inferred for one sample, channels first) for windows of {@code grid} over its
     * input {@code input} ({@code [1, C, D1..Dk]}).
     *
     * @param tau        1 for exact patches; below 1 caps each patch at that fraction of its map per axis
     * @param layoutNode the Transpose that makes a channels-last model's input {@code input} (skipped), or null
     */
    static Analysis analyse(Graph inferred, String input, WindowGrid grid, double tau, String layoutNode) {
        ProjectiveField pf = new ProjectiveField(inferred, input, tau, layoutNode);
        pf.fields.put(input, inputField(inferred.info(input), grid));
        String stop = pf.walk();
        Map<String, Double> flops = new HashMap<>();
        double total = 0;
        for (Node n : inferred.nodes()) {
            double f = Flops.of(inferred, n);
            flops.put(n.name(), f);
            total += f;
        }
        return new Analysis(List.copyOf(pf.steps), Map.copyOf(pf.fields), stop, flops, total);
    }

    private static Field inputField(ValueInfo info, WindowGrid grid) {
        long[] shape = info.shape().sizes();
        int k = grid.rank();
        int[] dims = grid.spatialShape();
        int positions = grid.count();
        int[][] lo = new int[positions][k];
        int[][] hi = new int[positions][k];
        int[] start = new int[k];
        int[] extent = new int[k];
        for (int p = 0; p < positions; p++) {
            grid.region(p, start, extent);
            for (int d = 0; d < k; d++) {
                lo[p][d] = start[d];
                hi[p][d] = start[d] + extent[d] - 1;
            }
        }
        return Field.of(info.name(), (int) shape[1], dims, lo, hi, 1.0);
    }

    /** Walks the nodes; returns why it stopped ("" when every node is covered, which a model with a head never is). */
    private String walk() {
        for (Node n : graph.nodes()) {
            if (n.name().equals(layoutNode)) {
                continue;
            }
            String why = add(n);
            if (why != null) {
                return n.opType() + " '" + n.name() + "': " + why;
            }
        }
        return "";
    }

    /** Adds {@code n} to the prefix; returns null, or why it cannot be. */
    private String add(Node n) {
        if (!n.domain().isEmpty()) {
            return "operator of domain " + n.domain();
        }
        for (String o : n.outputs()) {
            if (graph.isOutput(o)) {
                return "produces the model output " + o;
            }
        }
        if (n.outputs().size() != 1 || n.output(0).isEmpty()) {
            return "more than one output";
        }
        List<String> acts = new ArrayList<>();
        for (String in : n.inputs()) {
            if (in.isEmpty() || graph.isConstant(in)) {
                continue;
            }
            if (!fields.containsKey(in)) {
                return "reads " + in + ", which the analysis does not cover";
            }
            acts.add(in);
        }
        if (acts.isEmpty()) {
            return "reads no activation";
        }
        ValueInfo out = graph.values().get(n.output(0));
        if (out == null || !out.shape().isStatic() || out.shape().rank() != fields.get(input).rank() + 2) {
            return "output shape " + (out == null ? "unknown" : out.shape()) + " is not [N, C, spatial]";
        }
        return switch (n.opType()) {
            case "Conv", "MaxPool", "AveragePool" -> acts.size() == 1 ? Windowed.add(graph, field(acts.get(0)), tau, n, acts.get(0), this::addStep) : "reads "
                    + acts.size() + " activations";
            case "Concat" -> concat(n, acts);
            default -> UNARY.contains(n.opType()) || BINARY.contains(n.opType()) ? pointwise(n, acts)
                    : "not covered by the projective-field analysis";
        };
    }

    private String concat(Node n, List<String> acts) {
        long axis = n.intAttr("axis", 1);
        int rank = fields.get(input).rank() + 2;
        if (axis != 1 && axis != 1 - rank) {
            return "concatenates along axis " + axis + ", not the channel axis";
        }
        if (acts.size() != n.inputs().size()) {
            return "concatenates a constant";
        }
        return union(n, acts, true);
    }

    private String pointwise(Node n, List<String> acts) {
        Field first = fields.get(acts.get(0));
        for (String in : n.inputs()) {
            boolean broadcasts = BINARY.contains(n.opType()) || n.opType().equals("PRelu");
            if (broadcasts && !in.isEmpty() && graph.isConstant(in)
                    && !perChannel(graph.constants().get(in), first.rank() + 2)) {
                return "constant operand " + in + " varies over the spatial axes";
            }
        }
        if (acts.size() == 1 && UNARY.contains(n.opType()) || acts.size() == 1 && BINARY.contains(n.opType())) {
            Integer s = stepOf.get(acts.get(0));
            if (s != null && consumers.getOrDefault(acts.get(0), List.of()).size() == 1) {
                Step step = steps.get(s).then(n, Flops.of(graph, n));
                steps.set(s, step);
                stepOf.remove(acts.get(0));
                stepOf.put(step.output(), s);
                Field f = fields.get(acts.get(0));
                fields.put(step.output(), new Field(step.output(), f.channels(), f.dims(), f.size(), f.lo(), f.hi()));
                return null;
            }
        }
        return union(n, acts, false);
    }

    /** A point-wise step over the union of its inputs' regions. */
    private String union(Node n, List<String> acts, boolean sumChannels) {
        Field first = fields.get(acts.get(0));
        int k = first.rank();
        int positions = first.lo().length;
        int[][] lo = new int[positions][k];
        int[][] hi = new int[positions][k];
        int channels = 0;
        for (int i = 0; i < acts.size(); i++) {
            Field f = fields.get(acts.get(i));
            if (!java.util.Arrays.equals(f.dims(), first.dims())) {
                return "inputs of different spatial shapes " + java.util.Arrays.toString(f.dims()) + " and "
                        + java.util.Arrays.toString(first.dims());
            }
            if (!sumChannels && f.channels() != first.channels()) {
                return "broadcasts between activations of " + f.channels() + " and " + first.channels() + " channels";
            }
            channels += f.channels();
            for (int p = 0; p < positions; p++) {
                for (int d = 0; d < k; d++) {
                    int a = f.effectiveLo(p, d);
                    int b = f.effectiveHi(p, d);
                    lo[p][d] = i == 0 ? a : Math.min(lo[p][d], a);
                    hi[p][d] = i == 0 ? b : Math.max(hi[p][d], b);
                }
            }
        }
        long[] outShape = graph.info(n.output(0)).shape().sizes();
        int c = sumChannels ? channels : first.channels();
        if (outShape[1] != c) {
            return "output has " + outShape[1] + " channels, expected " + c;
        }
        Field field = Field.of(n.output(0), c, first.dims(), lo, hi, tau);
        if (!sumChannels && acts.size() == 2 && fuse(n, acts, field)) {
            return null;
        }
        Step step = new Step(n, List.of(), acts, n.output(0), Step.Kind.POINTWISE, null, null, null, null, 0f,
                Flops.of(graph, n), List.of());
        addStep(step, field);
        return null;
    }

    /**
     * Appends a two-activation point-wise node (a residual Add) to the step producing one operand when that operand
     * has no other reader and its patches already are the node's (the other operand's region lies inside them): the
     * other operand is then read over the step's patch, and no step of its own is needed.
     */
    private boolean fuse(Node n, List<String> acts, Field union) {
        for (int i = 0; i < 2; i++) {
            String own = acts.get(i);
            String side = acts.get(1 - i);
            Integer s = stepOf.get(own);
            Integer sideStep = stepOf.get(side);
            if (s == null || own.equals(side) || consumers.getOrDefault(own, List.of()).size() != 1
                    || steps.get(s).inputs().contains(side) || sideStep != null && sideStep > s) {
                // (a side computed by a later step would be read before it is computed: steps run in order)
                continue;
            }
            Field f = fields.get(own);
            boolean same = java.util.Arrays.equals(f.size(), union.size());
            for (int p = 0; same && p < f.lo().length; p++) {
                for (int d = 0; d < f.rank(); d++) {
                    same &= f.start(p, d) == union.start(p, d);
                }
            }
            if (!same) {
                continue;
            }
            Step step = steps.get(s).then(n, Flops.of(graph, n), side);
            steps.set(s, step);
            stepOf.remove(own);
            stepOf.put(step.output(), s);
            fields.put(step.output(), new Field(step.output(), f.channels(), f.dims(), f.size(), f.lo(), f.hi()));
            return true;
        }
        return false;
    }

    void addStep(Step step, Field field) {
        stepOf.put(step.output(), steps.size());
        steps.add(step);
        fields.put(step.output(), field);
    }

    Graph graph() {
        return graph;
    }

    Field field(String value) {
        return fields.get(value);
    }

    double tau() {
        return tau;
    }

    /** A constant that broadcasts against {@code [N, C, spatial]} varying at most over the channel axis. */
    static boolean perChannel(TensorValue t, int rank) {
        long[] s = t.shape();
        if (s.length > rank) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            int axis = rank - s.length + i;
            if (axis != 1 && s[i] != 1) {
                return false;
            }
        }
        return true;
    }
}
