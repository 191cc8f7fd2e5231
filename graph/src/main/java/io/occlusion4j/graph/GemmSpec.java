package io.occlusion4j.graph;

/** Gemm's attributes, decoded once: {@code Y = alpha * op(A) op(B) + beta * C}. */
public record GemmSpec(boolean transA, boolean transB, float alpha, float beta) {

    public static GemmSpec of(Node node) {
        return new GemmSpec(node.intAttr("transA", 0) != 0, node.intAttr("transB", 0) != 0,
                node.floatAttr("alpha", 1f), node.floatAttr("beta", 1f));
    }
}
