package io.occlusion4j.cpu.incremental;

import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A feasible {@link IncrementalPlan} as plain geometry, for a back end that runs the same plan on its own operators
 * (the CUDA back end: its gather and stitch kernels and one lowered sub-plan per step): per step the operators, what
 * it reads and where each variant's read-in context lies; per activation where each variant's patch lies; the values
 * the suffix reads at the switch point and those the unoccluded run must keep. Every box is given on three axes (a
 * 2-D map gets a leading axis of size 1), every table as {@code int[positions * 3]} indexed by window position.
 */
public final class PlanGeometry {
    /**
     * Where the variants' patches of one activation lie.
     *
     * @param value    the activation
     * @param channels C
     * @param dims     the map, three axes
     * @param size     the patch, three axes
     * @param starts   per position its first element per axis, {@code [positions * 3]}
     */
    public record Patches(String value, int channels, int[] dims, int[] size, int[] starts) {
        /** Elements of one channel of the map. */
        public long mapVolume() {
            return (long) dims[0] * dims[1] * dims[2];
        }

        /** Elements of one channel of a patch. */
        public long patchVolume() {
            return (long) size[0] * size[1] * size[2];
        }
    }

    /**
     * One activation a step reads, per variant a box of it: the head's read-in context (padded with {@code pad} where
     * it leaves the map), or a side input read over the step's output patch.
     *
     * @param value  the activation (the model's input for the first steps)
     * @param side   whether it is a side input of the step's chain (a residual Add's other operand)
     * @param size   the box, three axes
     * @param starts per position the box's first element per axis (may lie outside the map), {@code [positions * 3]}
     * @param pad    what the box holds outside the map
     */
    public record Read(String value, boolean side, int[] size, int[] starts, float pad) {
    }

    /**
     * One step of the prefix.
     *
     * @param head     its first operator (a windowed head still carries its pads: the contexts replace them)
     * @param chain    the point-wise operators after it
     * @param windowed whether the head is a Conv or pool reading a context around its output patch
     * @param reads    its head's inputs (each once, in order), then its side inputs
     * @param output   the activation it produces, one patch per variant
     */
    public record StepGeometry(Node head, List<Node> chain, boolean windowed, List<Read> reads, String output) {
    }

    private final IncrementalPlan plan;
    private final List<StepGeometry> steps;

    private PlanGeometry(IncrementalPlan plan) {
        this.plan = plan;
        List<StepGeometry> s = new ArrayList<>();
        for (int j = 0; j < plan.prefix; j++) {
            s.add(step(plan.analysis.steps().get(j)));
        }
        this.steps = List.copyOf(s);
    }

    /** The geometry of {@code plan}, which must be feasible (no ONNX Runtime session is opened). */
    public static PlanGeometry of(IncrementalPlan plan) {
        if (!plan.decision().feasible()) {
            throw new IllegalArgumentException("plan is not feasible: " + plan.decision().reason());
        }
        return new PlanGeometry(plan);
    }

    private StepGeometry step(Step step) {
        Field out = plan.analysis.fields().get(step.output());
        int k = out.rank();
        List<String> heads = new ArrayList<>(new java.util.LinkedHashSet<>(step.inputs()));
        List<Read> reads = new ArrayList<>();
        for (int i = 0; i < heads.size() + step.sideInputs().size(); i++) {
            boolean side = i >= heads.size();
            String value = side ? step.sideInputs().get(i - heads.size()) : heads.get(i);
            int[] size = new int[k];
            for (int d = 0; d < k; d++) {
                size[d] = side ? out.size()[d] : step.context(d, out.size()[d]);
            }
            int positions = out.lo().length;
            int[] starts = new int[3 * positions];
            for (int p = 0; p < positions; p++) {
                for (int d = 0; d < k; d++) {
                    int start = out.start(p, d);
                    starts[3 * p + 3 - k + d] = side ? start : step.contextStart(d, start);
                }
            }
            reads.add(new Read(value, side, to3(size, 1), starts, step.padValue()));
        }
        return new StepGeometry(step.head(), step.chain(), step.kind() == Step.Kind.WINDOWED, reads, step.output());
    }

    /** The patches of {@code value}, the model's input (then the whole window region is the patch) or a step's output. */
    public Patches patches(String value) {
        Field f = plan.analysis.fields().get(value);
        if (f == null) {
            throw new IllegalArgumentException(value + " is no activation of the prefix");
        }
        int k = f.rank();
        int positions = f.lo().length;
        int[] starts = new int[3 * positions];
        for (int p = 0; p < positions; p++) {
            for (int d = 0; d < k; d++) {
                starts[3 * p + 3 - k + d] = f.start(p, d);
            }
        }
        return new Patches(value, f.channels(), to3(f.dims(), 1), to3(f.size(), 1), starts);
    }

    /** {@code v} on three axes, leading axes set to {@code fill}. */
    private static int[] to3(int[] v, int fill) {
        int[] r = {fill, fill, fill};
        System.arraycopy(v, 0, r, 3 - v.length, v.length);
        return r;
    }

    /** The model as read. */
    public Graph graph() {
        return plan.graph;
    }

    /** The model's input. */
    public String input() {
        return plan.input;
    }

    /** What the first steps read the variants from: the input, or a channels-last model's transposed input. */
    public String alias() {
        return plan.alias;
    }

    public boolean channelsLast() {
        return plan.channelsLast;
    }

    /** The sample shape the plan was made for (the model's layout, no batch axis). */
    public long[] sampleShape() {
        return plan.sampleShape.clone();
    }

    /** The prefix, in order. */
    public List<StepGeometry> steps() {
        return steps;
    }

    /** The activations (or the input) the nodes after the prefix read: what is stitched at the switch point. */
    public List<String> cut() {
        return List.copyOf(plan.cut);
    }

    /** The activations the unoccluded run must keep: what the steps read and the cut, the input excluded. */
    public List<String> baseValues() {
        List<String> v = new ArrayList<>(plan.baseValues());
        v.remove(plan.alias);
        return List.copyOf(v);
    }

    /** The names of the nodes the prefix runs (the layout transpose included). */
    public Set<String> prefixNodes() {
        return Set.copyOf(IncrementalPlan.prefixNodes(plan.analysis, plan.prefix, plan.layoutNode));
    }

    /** The outputs the plan scores. */
    public List<String> outputs() {
        return List.copyOf(plan.outputs);
    }
}
