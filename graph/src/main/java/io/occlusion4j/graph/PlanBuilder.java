package io.occlusion4j.graph;

import io.occlusion4j.graph.Dim;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole CPU-side pipeline from a read model to a plan: check every operator, bind the input shapes,
 * infer shapes, then the rewrites ({@link ConstantFolding}, {@link BatchNormFolding}, {@link NormFusion},
 * {@link ConvFusion})
 * and the buffer assignment ({@link BufferPlanner}). Each rewrite is a pure function of the graph, so
 * any prefix of the pipeline can be checked against the original with {@link ReferenceExecutor}.
 */
public final class PlanBuilder {

    /** Which rewrites to apply. */
    public record Options(boolean foldConstants, boolean foldBatchNorm, boolean fuse) {
        /** Every rewrite: what a device plan runs. */
        public static Options all() {
            return new Options(true, true, true);
        }

        /** No rewrite: the graph as read (shapes inferred). */
        public static Options none() {
            return new Options(false, false, false);
        }
    }

    private PlanBuilder() {
    }

    /**
     * Fails with {@link UnsupportedOperatorException} at the first node whose operator the plan cannot
     * run, naming it and the node; the message says how many other nodes are unsupported.
     */
    public static void requireSupported(Graph graph) {
        Node firstBad = null;
        Map<String, Integer> others = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!Operators.isSupported(n)) {
                if (firstBad == null) {
                    firstBad = n;
                } else {
                    others.merge(n.qualifiedOpType(), 1, Integer::sum);
                }
            }
        }
        if (firstBad != null) {
            throw new UnsupportedOperatorException(firstBad, others.isEmpty() ? ""
                    : "other unsupported nodes: " + others);
        }
    }

    /** The rewritten graph for the inputs' current shapes (symbols allowed). */
    public static Graph rewrite(Graph graph, Options options) {
        requireSupported(graph);
        Graph g = ShapeInference.infer(graph);
        if (options.foldConstants()) {
            g = ConstantFolding.apply(g);
        }
        if (options.foldBatchNorm()) {
            g = BatchNormFolding.apply(g);
        }
        if (options.fuse()) {
            g = ConvFusion.apply(NormFusion.apply(g));
        }
        return g;
    }

    /** A plan for fixed input shapes. */
    public static Plan build(Graph graph, Map<String, long[]> inputShapes, Options options) {
        return BufferPlanner.plan(rewrite(ShapeInference.bindInputs(graph, inputShapes), options));
    }

    /**
     * A plan for {@code batch} samples: the first dimension of every input is set to {@code batch}; every
     * other input dimension must be declared as a size.
     */
    public static Plan build(Graph graph, long batch, Options options) {
        return build(graph, batchShapes(graph, batch), options);
    }

    /** Input shapes with the leading dimension set to {@code batch}. */
    public static Map<String, long[]> batchShapes(Graph graph, long batch) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (ValueInfo in : graph.inputs()) {
            long[] s = new long[in.shape().rank()];
            for (int i = 0; i < s.length; i++) {
                if (i == 0) {
                    s[i] = batch;
                } else if (in.shape().dim(i) instanceof Dim.Fixed(long size)) {
                    s[i] = size;
                } else {
                    throw new GraphException("graph '" + graph.name() + "': input '" + in.name() + "' dimension " + i
                            + " is " + in.shape().dim(i) + "; give the input shapes explicitly");
                }
            }
            shapes.put(in.name(), s);
        }
        return shapes;
    }

    /**
     * The largest batch, at most {@code maxBatch}, whose arena plus weights plus {@code reserveBytes}
     * (workspace, the occlusion map, the runtime's own needs) fits in {@code freeBytes}; 0 when not even
     * one sample fits. Arena size grows monotonically with the batch, so a binary search over plans
     * finds it; the device executor halves it again on an out-of-memory error. The batch is also capped so
     * that every tensor of the plan stays below 2^31 elements ({@link #ELEMENT_LIMIT}: cuDNN refuses larger
     * tensor descriptors).
     */
    public static int largestBatch(Graph graph, long freeBytes, long reserveBytes, int maxBatch) {
        int lo = 0;
        int hi = Math.min(maxBatch, batchBelowElementLimit(graph));
        while (lo < hi) {
            int mid = (int) ((lo + (long) hi + 1) / 2);
            Plan p = build(graph, mid, Options.all());
            if (p.arenaBytes() + p.weightBytes() + reserveBytes <= freeBytes) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Elements a tensor may hold at most: cuDNN refuses descriptors of 2^31 elements or more. */
    public static final long ELEMENT_LIMIT = (1L << 31) - 1;

    /** The largest batch whose every tensor stays within {@link #ELEMENT_LIMIT} (activations grow with the batch). */
    static int batchBelowElementLimit(Graph graph) {
        long perSample = 1;
        for (BufferSlot s : build(graph, 1, Options.all()).slots().values()) {
            perSample = Math.max(perSample, s.elementCount());
        }
        return (int) Math.min(Integer.MAX_VALUE, ELEMENT_LIMIT / perSample);
    }
}
