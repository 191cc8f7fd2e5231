package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * The sliding-window attributes shared by Conv, FusedConv, MaxPool and AveragePool (kernel, strides,
 * dilations, pads or auto_pad, ceil_mode), and the output sizes they give.
 *
 * @param kernel    window size per spatial axis
 * @param strides   step per spatial axis
 * @param dilations gap between taps per spatial axis
 * @param pads      explicit pads, begins then ends (ignored unless autoPad is NOTSET)
 * @param autoPad   NOTSET, VALID, SAME_UPPER or SAME_LOWER
 * @param ceilMode  pools only: round the output size up
 */
public record Window(long[] kernel, long[] strides, long[] dilations, long[] pads, String autoPad, boolean ceilMode) {

    /** Reads a node's window attributes; {@code kernelFromWeights} stands in for a missing kernel_shape. */
    public static Window of(Node node, int spatialRank, long[] kernelFromWeights) {
        long[] kernel = node.intsAttr("kernel_shape");
        if (kernel == null) {
            if (kernelFromWeights == null) {
                throw node.error("attribute 'kernel_shape' is required");
            }
            kernel = kernelFromWeights;
        }
        if (kernel.length != spatialRank) {
            throw node.error("kernel_shape " + Arrays.toString(kernel) + " does not match "
                    + spatialRank + " spatial dimensions");
        }
        long[] strides = orOnes(node.intsAttr("strides"), spatialRank, node, "strides");
        long[] dilations = orOnes(node.intsAttr("dilations"), spatialRank, node, "dilations");
        long[] pads = node.intsAttr("pads");
        if (pads == null) {
            pads = new long[2 * spatialRank];
        } else if (pads.length != 2 * spatialRank) {
            throw node.error("pads " + Arrays.toString(pads) + " needs " + 2 * spatialRank + " values");
        }
        String autoPad = node.stringAttr("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID") && !autoPad.equals("SAME_UPPER")
                && !autoPad.equals("SAME_LOWER")) {
            throw node.error("auto_pad '" + autoPad + "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }
        for (int i = 0; i < spatialRank; i++) {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + spatialRank] < 0) {
                throw node.error("window attributes must be positive (kernel " + Arrays.toString(kernel)
                        + ", strides " + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations)
                        + ", pads " + Arrays.toString(pads) + ")");
            }
        }
        boolean ceil = node.intAttr("ceil_mode", 0) != 0;
        return new Window(kernel, strides, dilations, pads, autoPad, ceil);
    }

    private static long[] orOnes(long[] v, int rank, Node node, String what) {
        if (v == null) {
            long[] r = new long[rank];
            Arrays.fill(r, 1);
            return r;
        }
        if (v.length != rank) {
            throw node.error(what + " " + Arrays.toString(v) + " needs " + rank + " values");
        }
        return v;
    }

    public int rank() {
        return kernel.length;
    }

    /** Extent of the dilated kernel along an axis. */
    public long span(int axis) {
        return dilations[axis] * (kernel[axis] - 1) + 1;
    }

    /** The begin and end pads for known input sizes (auto_pad resolved), begins then ends. */
    public long[] resolvedPads(long[] in) {
        int r = rank();
        long[] p = new long[2 * r];
        switch (autoPad) {
            case "NOTSET" -> System.arraycopy(pads, 0, p, 0, 2 * r);
            case "VALID" -> {
            }
            default -> {
                for (int i = 0; i < r; i++) {
                    long out = (in[i] + strides[i] - 1) / strides[i];
                    long total = Math.max(0, (out - 1) * strides[i] + span(i) - in[i]);
                    long small = total / 2;
                    long large = total - small;
                    p[i] = autoPad.equals("SAME_UPPER") ? small : large;
                    p[i + r] = autoPad.equals("SAME_UPPER") ? large : small;
                }
            }
        }
        return p;
    }

    /** Output size along an axis for input size {@code in} and resolved pads. */
    public long outSize(int axis, long in, long[] resolvedPads) {
        if (autoPad.startsWith("SAME")) {
            return (in + strides[axis] - 1) / strides[axis];
        }
        long padded = in + resolvedPads[axis] + resolvedPads[axis + rank()];
        long room = padded - span(axis);
        if (room < 0) {
            return -1;
        }
        long out = ceilMode ? Math.ceilDiv(room, strides[axis]) + 1 : room / strides[axis] + 1;
        // A window that would start in the end padding only is dropped (ceil mode), as ONNX and PyTorch do.
        if (ceilMode && (out - 1) * strides[axis] >= in + resolvedPads[axis]) {
            out--;
        }
        return out;
    }
}
