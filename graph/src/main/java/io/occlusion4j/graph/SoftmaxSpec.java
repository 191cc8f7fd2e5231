package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * Softmax's axis, decoded once, and what it means for a shape: from opset 13 one axis (default -1) is
 * normalised; before, the input is read as a matrix [outer, rest] split at the axis (default 1).
 */
public record SoftmaxSpec(long axis, boolean flattens) {

    /** The shape of one softmax: {@code outer} groups of {@code len} values {@code inner} apart. */
    public record Extent(long outer, long len, long inner) {
    }

    public static SoftmaxSpec of(Node node, long opset) {
        return new SoftmaxSpec(node.intAttr("axis", opset >= 13 ? -1 : 1), opset < 13);
    }

    public Extent extent(Node node, long[] shape) {
        int r = shape.length;
        if (r == 0) {
            return new Extent(1, 1, 1);
        }
        int a = Axes.axis(node, axis, r);
        long outer = TensorValue.count(Arrays.copyOfRange(shape, 0, a));
        if (flattens) {
            return new Extent(outer, TensorValue.count(Arrays.copyOfRange(shape, a, r)), 1);
        }
        return new Extent(outer, shape[a], TensorValue.count(Arrays.copyOfRange(shape, a + 1, r)));
    }
}
