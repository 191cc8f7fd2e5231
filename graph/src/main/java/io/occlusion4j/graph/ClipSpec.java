package io.occlusion4j.graph;

/**
 * Clip's bounds, decoded once: attributes {@code min}/{@code max} before opset 11 (default the float range),
 * optional constant inputs 1 and 2 after (default unbounded).
 */
public record ClipSpec(float lo, float hi) {

    public static ClipSpec of(Node node, long opset, ConstantInputs in) {
        if (opset < 11) {
            return new ClipSpec(node.floatAttr("min", -Float.MAX_VALUE), node.floatAttr("max", Float.MAX_VALUE));
        }
        return new ClipSpec(bound(node, in, 1, Float.NEGATIVE_INFINITY), bound(node, in, 2, Float.POSITIVE_INFINITY));
    }

    private static float bound(Node node, ConstantInputs in, int i, float absent) {
        TensorValue t = in.get(i);
        if (t == null) {
            return absent;
        }
        if (t.type() != DataType.FLOAT) {
            throw new UnsupportedOperatorException(node, "input " + i + " has type " + t.type()
                    + "; only FLOAT is supported");
        }
        return t.floats()[0];
    }

    /** The clipped value; NaN stays NaN. */
    public float apply(float v) {
        return v != v ? v : Math.min(Math.max(v, lo), hi);
    }
}
