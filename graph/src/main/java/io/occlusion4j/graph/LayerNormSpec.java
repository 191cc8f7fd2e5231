package io.occlusion4j.graph;

/**
 * LayerNormalization's attributes, decoded once: the first normalised axis (default -1) and epsilon (default
 * 1e-5). The reference computes the optional Mean and InvStdDev outputs; the CUDA plan does not
 * ({@link #requireOneOutput}).
 */
public record LayerNormSpec(long axis, float epsilon) {

    public static LayerNormSpec of(Node node) {
        return new LayerNormSpec(node.intAttr("axis", -1), node.floatAttr("epsilon", 1e-5f));
    }

    /** Fails when the node asks for the Mean or InvStdDev output. */
    public static void requireOneOutput(Node node) {
        for (int i = 1; i < node.outputs().size(); i++) {
            if (!node.output(i).isEmpty()) {
                throw new UnsupportedOperatorException(node, "the Mean and InvStdDev outputs");
            }
        }
    }

    /** The first normalised axis for an input of {@code rank} axes. */
    public int axis(Node node, int rank) {
        return Axes.axis(node, axis, rank);
    }
}
