package io.occlusion4j.graph;

import java.util.Arrays;

/** Transpose's permutation, decoded once: the {@code perm} attribute, or the reversed axes when it is absent. */
public record TransposeSpec(long[] perm) {

    public static TransposeSpec of(Node node) {
        return new TransposeSpec(node.intsAttr("perm"));
    }

    /** The full permutation for an input of {@code rank} axes, each a valid axis. */
    public int[] perm(Node node, int rank) {
        if (perm != null && perm.length != rank) {
            throw node.error("perm " + Arrays.toString(perm) + " does not match rank " + rank);
        }
        int[] p = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = perm == null ? rank - 1 - i : Axes.axis(node, perm[i], rank);
            if (seen[p[i]]) {
                throw node.error("perm " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[p[i]] = true;
        }
        return p;
    }
}
