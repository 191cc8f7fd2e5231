package io.occlusion4j.cpu.incremental;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.graph.ConstantFolding;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.GraphException;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.ShapeInference;
import io.occlusion4j.graph.ValueInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Incremental inference for one model, input shape, window grid and set of outputs: the projective-field analysis,
 * the switch point the cost model chose, and (once {@link #open} is called) the ONNX Runtime sessions that run it: one
 * per prefix step, the suffix from the switch point to the outputs, and the whole model with the activations the
 * variants read as extra outputs. Immutable once open; the sessions are closed with the plan.
 */
public final class IncrementalPlan implements AutoCloseable {
    /** What the analysis and the cost model decided, whether or not the plan runs. */
    public record Decision(boolean feasible, String switchLayer, int steps, int prefixSteps, double predictedSpeedup,
                           double flopRatio, String reason) {
    }

    /**
     * System property fixing the number of prefix steps ({@code N} or {@code all}) instead of the cost model's choice:
     * for the exactness tests (every switch point) and the benchmarks, not for users.
     */
    public static final String STEPS_PROPERTY = "occlusion4j.incremental.steps";

    final Graph graph;
    final String input;
    /** The value the first steps read the variants from: the input, or a channels-last model's transposed input. */
    final String alias;
    final String layoutNode;
    final boolean channelsLast;
    final long[] sampleShape;
    final ProjectiveField.Analysis analysis;
    final int prefix;
    final List<String> cut;
    final Dim batchDim;
    final List<String> outputs;
    private final Decision decision;
    OrtSession base;
    OrtSession suffix;
    OrtSession[] steps;
    /** Threads the prefix runs on, each over its own slots (the step sessions are single-threaded). */
    int stepWorkers = 1;

    private IncrementalPlan(Graph graph, String input, String alias, String layoutNode, boolean channelsLast,
                            long[] sampleShape, ProjectiveField.Analysis analysis, int prefix, List<String> cut,
                            Dim batchDim, List<String> outputs, Decision decision) {
        this.graph = graph;
        this.input = input;
        this.alias = alias;
        this.layoutNode = layoutNode;
        this.channelsLast = channelsLast;
        this.sampleShape = sampleShape;
        this.analysis = analysis;
        this.prefix = prefix;
        this.cut = cut;
        this.batchDim = batchDim;
        this.outputs = outputs;
        this.decision = decision;
    }

    /**
     * Analyses {@code model} for windows of {@code grid} over inputs of {@code sampleShape} (the model's layout, no
     * batch axis) scoring {@code outputs}; never throws for a model it cannot handle (the decision says why).
     *
     * @param channelsLast whether the model takes channels-last input (then it must transpose it first, alone)
     * @param tau          1 for exact maps, below 1 Krypton's projective-field threshold
     * @param batch        variants per forward (the cost model counts per-call overheads per batch)
     */
    public static IncrementalPlan analyse(Path model, long[] sampleShape, boolean channelsLast, WindowGrid grid,
                                          List<String> outputs, double tau, int batch) {
        Graph graph;
        ProjectiveField.Analysis a;
        String input;
        String alias;
        String layoutNode = null;
        Dim batchDim;
        try {
            // Nodes that only compute constants (PyTorch's exporter writes Identity nodes over shared initializers,
            // e.g. torchvision's VGG16 at opset 13) fold away first: the analysis walks activations only. The batch
            // stays symbolic here, so nothing that depends on it is folded.
            graph = ConstantFolding.apply(OnnxModelReader.read(model));
            if (graph.inputs().size() != 1) {
                return infeasible("the model has " + graph.inputs().size() + " inputs");
            }
            ValueInfo in = graph.inputs().get(0);
            input = in.name();
            alias = input;
            if (in.shape().rank() != sampleShape.length + 1) {
                return infeasible("the model's input " + in.shape() + " is not [N, C, spatial]");
            }
            batchDim = in.shape().dim(0);
            if (batchDim instanceof Dim.Fixed(long f) && f != 1) {
                return infeasible("the model's batch is fixed at " + f);
            }
            if (channelsLast) {
                Node t = layoutTranspose(graph, input, sampleShape.length - 1);
                if (t == null) {
                    return infeasible("the model takes channels-last input and does not only transpose it to channels"
                            + " first (the analysis covers that layout alone)");
                }
                layoutNode = t.name();
                alias = t.output(0);
            }
            long[] one = new long[sampleShape.length + 1];
            one[0] = 1;
            System.arraycopy(sampleShape, 0, one, 1, sampleShape.length);
            Graph inferred = ShapeInference.infer(graph, Map.of(input, one));
            a = ProjectiveField.analyse(inferred, alias, grid, tau, layoutNode);
        } catch (GraphException | UnsupportedOperationException | ArithmeticException e) {
            return infeasible("the graph cannot be analysed: " + e.getMessage());
        }
        if (a.steps().isEmpty()) {
            return infeasible("the first operator is not covered (" + a.stop() + ")");
        }
        List<List<String>> cuts = new ArrayList<>();
        for (int j = 1; j <= a.steps().size(); j++) {
            cuts.add(cutAfter(graph, a, j, input, alias, layoutNode));
        }
        List<CostModel.Choice> choices = CostModel.evaluate(a, batch, cuts);
        CostModel.Choice c = null;
        String forced = System.getProperty(STEPS_PROPERTY, "").strip();
        for (CostModel.Choice x : choices) {
            boolean valid = !cuts.get(x.steps() - 1).contains(alias) || alias.equals(input);
            boolean better = c == null || (forced.isEmpty() ? x.incrementalCost() < c.incrementalCost()
                    : forced.equals("all") || x.steps() <= Integer.parseInt(forced));
            if (valid && better) {
                c = x;
            }
        }
        if (c == null) {
            return infeasible("every switch point needs the transposed input whole");
        }
        Step last = a.steps().get(c.steps() - 1);
        String layer = last.output() + " (after " + last.head().opType() + " '" + last.head().name() + "'"
                + (last.chain().isEmpty() ? "" : " + " + last.chain().size() + " point-wise") + ")";
        String why = "the prefix could grow to " + a.steps().size() + " steps"
                + (a.stop().isEmpty() ? "" : "; it ends at " + a.stop());
        Decision d = new Decision(true, layer, a.steps().size(), c.steps(), c.predictedSpeedup(), c.flopRatio(), why);
        return new IncrementalPlan(graph, input, alias, layoutNode, channelsLast, sampleShape, a, c.steps(),
                cuts.get(c.steps() - 1), batchDim, outputs, d);
    }

    /** The one node reading {@code input} if it is a Transpose from {@code [N, D1..Dk, C]} to {@code [N, C, D1..Dk]}. */
    private static Node layoutTranspose(Graph g, String input, int k) {
        List<Node> readers = g.consumers().getOrDefault(input, List.of());
        if (readers.size() != 1 || !readers.get(0).opType().equals("Transpose") || !readers.get(0).domain().isEmpty()) {
            return null;
        }
        long[] perm = readers.get(0).intsAttr("perm");
        long[] expected = new long[k + 2];
        expected[1] = k + 1;
        for (int d = 0; d < k; d++) {
            expected[2 + d] = 1 + d;
        }
        return java.util.Arrays.equals(perm, expected) ? readers.get(0) : null;
    }

    private static IncrementalPlan infeasible(String why) {
        return new IncrementalPlan(null, null, null, null, false, null, null, 0, List.of(), null, List.of(),
                new Decision(false, "", 0, 0, 1.0, 1.0, why));
    }

    /** The activations the nodes after the first {@code j} steps read from the prefix (or the input). */
    static List<String> cutAfter(Graph g, ProjectiveField.Analysis a, int j, String input, String alias,
                                 String layoutNode) {
        Set<String> prefixNodes = prefixNodes(a, j, layoutNode);
        Set<String> produced = new HashSet<>();
        produced.add(input);
        produced.add(alias);
        for (Node n : g.nodes()) {
            if (prefixNodes.contains(n.name())) {
                produced.addAll(n.outputs());
            }
        }
        LinkedHashSet<String> cut = new LinkedHashSet<>();
        for (Node n : g.nodes()) {
            if (!prefixNodes.contains(n.name())) {
                for (String in : n.inputs()) {
                    if (produced.contains(in)) {
                        cut.add(in);
                    }
                }
            }
        }
        return new ArrayList<>(cut);
    }

    static Set<String> prefixNodes(ProjectiveField.Analysis a, int j, String layoutNode) {
        Set<String> names = new HashSet<>();
        if (layoutNode != null) {
            names.add(layoutNode);
        }
        for (int i = 0; i < j; i++) {
            Step s = a.steps().get(i);
            names.add(s.head().name());
            for (Node n : s.chain()) {
                names.add(n.name());
            }
        }
        return names;
    }

    public Decision decision() {
        return decision;
    }

    /** Builds the sessions unless they are built; the plan must be feasible. */
    public void openIfNeeded(OrtEnvironment env, int threads) throws OrtException {
        if (base == null) {
            open(env, threads);
        }
    }

    private IncrementalPlan open(OrtEnvironment env, int threads) throws OrtException {
        if (!decision.feasible()) {
            throw new IllegalStateException("plan is not feasible: " + decision.reason());
        }
        List<String> extra = baseValues();
        try (OrtSession.SessionOptions o = options(threads)) {
            base = env.createSession(SubModels.withOutputs(graph, outputs, extra), o);
            suffix = env.createSession(SubModels.suffix(graph, prefixNodes(analysis, prefix, layoutNode), cut, analysis.fields(),
                    input, batchDim, outputs), o);
            steps = new OrtSession[prefix];
            // Dozens of small step sessions: each with an intra-op pool of its own, threads left spinning after one
            // step's run competed with the next step's on the cores, and small operators paid the pool's
            // synchronisation. The steps run single-threaded instead, the prefix on one thread per slot range.
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            o.setIntraOpNumThreads(1);
            stepWorkers = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
            for (int j = 0; j < prefix; j++) {
                Step s = analysis.steps().get(j);
                steps[j] = env.createSession(SubModels.step(graph, s, j, analysis.fields(),
                        analysis.fields().get(s.output()).size()), o);
            }
        } catch (OrtException | RuntimeException e) {
            close();
            base = null;
            throw e;
        }
        return this;
    }

    private static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return o;
    }

    /** The activations the base run returns beyond the outputs, in order. */
    List<String> baseValues() {
        List<String> v = new ArrayList<>();
        for (int j = 0; j < prefix; j++) {
            List<String> read = new ArrayList<>(analysis.steps().get(j).inputs());
            read.addAll(analysis.steps().get(j).sideInputs());
            for (String in : read) {
                if (!in.equals(alias) && !v.contains(in)) {
                    v.add(in);
                }
            }
        }
        for (String c : cut) {
            if (!c.equals(input) && !v.contains(c)) {
                v.add(c);
            }
        }
        return v;
    }

    @Override
    public void close() {
        closeQuietly(base);
        closeQuietly(suffix);
        if (steps != null) {
            for (OrtSession s : steps) {
                closeQuietly(s);
            }
        }
    }

    private static void closeQuietly(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // nothing more to release
            }
        }
    }
}
