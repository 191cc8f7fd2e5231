package io.occlusion4j.graph;

/** Concat's axis attribute, required, decoded once. */
public record ConcatSpec(long axis) {

    public static ConcatSpec of(Node node) {
        if (!node.has("axis")) {
            throw node.error("attribute 'axis' is required");
        }
        return new ConcatSpec(node.intAttr("axis", 0));
    }

    /** The axis for inputs of {@code rank} axes. */
    public int axis(Node node, int rank) {
        return Axes.axis(node, axis, rank);
    }
}
