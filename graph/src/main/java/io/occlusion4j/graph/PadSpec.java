package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * Pad's operands, decoded once: the pads of every axis (begins then ends; from opset 18 an {@code axes} input
 * names the padded axes), the mode and the constant value (attributes before opset 11, inputs after).
 */
public record PadSpec(long[] pads, String mode, double value) {

    /** Decodes a Pad node whose input has {@code rank} axes. */
    public static PadSpec of(Node node, long opset, int rank, ConstantInputs in) {
        double value;
        if (opset < 11) {
            value = node.floatAttr("value", 0f);
        } else {
            TensorValue v = in.get(2);
            value = v == null || v.size() == 0 ? 0 : v.get(0);
        }
        return new PadSpec(pads(node, opset, rank, in), node.stringAttr("mode", "constant"), value);
    }

    /** The pads alone (what the output shape needs; the value may be computed at run time). */
    public static long[] pads(Node node, long opset, int rank, ConstantInputs in) {
        long[] pads;
        if (opset < 11) {
            pads = node.intsAttr(opset < 2 ? "paddings" : "pads");
            if (pads == null) {
                throw node.error("attribute 'pads' is required");
            }
        } else {
            pads = in.longs(1);
            if (pads == null) {
                throw node.error("input 'pads' is required");
            }
            long[] axes = in.longs(3);
            if (axes != null) {
                long[] full = new long[2 * rank];
                for (int i = 0; i < axes.length; i++) {
                    int a = Axes.axis(node, axes[i], rank);
                    full[a] = pads[i];
                    full[a + rank] = pads[i + axes.length];
                }
                pads = full;
            }
        }
        if (pads.length != 2 * rank) {
            throw node.error("pads " + Arrays.toString(pads) + " needs " + 2 * rank + " values");
        }
        return pads;
    }

    /** The mode as the kernels number it (constant 0, edge 1, reflect 2); another mode is unsupported. */
    public int modeCode(Node node) {
        return switch (mode) {
            case "constant" -> 0;
            case "edge" -> 1;
            case "reflect" -> 2;
            default -> throw new UnsupportedOperatorException(node, "mode '" + mode + "'");
        };
    }
}
