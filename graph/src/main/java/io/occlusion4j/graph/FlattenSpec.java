package io.occlusion4j.graph;

/** Flatten's axis (default 1), decoded once: the output is [product of the axes before, product of the rest]. */
public record FlattenSpec(long axis) {

    public static FlattenSpec of(Node node) {
        return new FlattenSpec(node.intAttr("axis", 1));
    }

    /** The split point for an input of {@code rank} axes, 0 to rank. */
    public int axis(Node node, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a > rank) {
            throw node.error("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }
}
