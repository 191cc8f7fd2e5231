package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * A reduction's operands (ReduceMean and its kin), decoded once: the axes (attribute before opset 18, optional
 * constant input 1 after; none means all), keepdims, and opset 18's {@code noop_with_empty_axes}.
 *
 * @param axes     the listed axes, null when none are given
 * @param keepDims reduced axes stay as size 1
 * @param noop     no axes given and noop_with_empty_axes set: the node is the identity
 */
public record ReduceSpec(long[] axes, boolean keepDims, boolean noop) {

    public static ReduceSpec of(Node node, long opset, ConstantInputs in) {
        long[] axes = opset >= 18 ? in.longs(1) : node.intsAttr("axes");
        boolean noop = axes == null && opset >= 18 && node.intAttr("noop_with_empty_axes", 0) != 0;
        return new ReduceSpec(axes, node.intAttr("keepdims", 1) != 0, noop);
    }

    /** Per axis of a rank-{@code rank} input, whether it is reduced (all when no axes are listed). */
    public boolean[] reduced(Node node, int rank) {
        boolean[] red = new boolean[rank];
        if (axes == null || axes.length == 0) {
            Arrays.fill(red, true);
        } else {
            for (long a : axes) {
                red[Axes.axis(node, a, rank)] = true;
            }
        }
        return red;
    }
}
