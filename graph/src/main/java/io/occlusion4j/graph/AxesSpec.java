package io.occlusion4j.graph;

/** The axes of Squeeze and Unsqueeze, decoded once: an attribute before opset 13, input 1 after. */
public final class AxesSpec {
    private AxesSpec() {
    }

    /** The listed axes; null when none are given (Unsqueeze: an error the caller reports; Squeeze: every axis of size 1). */
    public static long[] of(Node node, long opset, ConstantInputs in) {
        return opset >= 13 ? in.longs(1) : node.intsAttr("axes");
    }
}
