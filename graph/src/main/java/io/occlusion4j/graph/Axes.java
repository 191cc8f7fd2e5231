package io.occlusion4j.graph;

/** Axis arguments of ONNX operators: a possibly negative axis normalised against a rank. */
final class Axes {
    private Axes() {
    }

    /** Normalises a possibly negative axis against {@code rank}. */
    static int axis(Node node, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw node.error("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }
}
