package io.occlusion4j.cpu.incremental;

import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.TensorValue;
import java.util.List;
import java.util.function.BiConsumer;

/** The projective field of the windowed operators: Conv, MaxPool, AveragePool. */
final class Windowed {
    private Windowed() {
    }

    /**
     * Hands {@code sink} the step for {@code n} reading activation {@code in} (whose field is {@code f}) and the field
     * of its output; returns null, or why it cannot.
     */
    static String add(Graph g, Field f, double tau, Node n, String in, BiConsumer<Step, Field> sink) {
        int k = f.rank();
        long[] outShape = g.info(n.output(0)).shape().sizes();
        int[] kernel;
        float padValue = 0f;
        if (n.opType().equals("Conv")) {
            if (!g.isConstant(n.input(1)) || n.hasInput(2) && !g.isConstant(n.input(2))) {
                return "weights computed at run time";
            }
            TensorValue w = g.constants().get(n.input(1));
            if (w.rank() != k + 2) {
                return "weights of rank " + w.rank();
            }
            kernel = new int[k];
            for (int d = 0; d < k; d++) {
                kernel[d] = (int) w.shape()[2 + d];
            }
        } else {
            long[] ks = n.intsAttr("kernel_shape");
            if (ks == null || ks.length != k) {
                return "kernel_shape missing or of the wrong rank";
            }
            kernel = toInts(ks);
            if (n.opType().equals("MaxPool")) {
                if (n.intAttr("storage_order", 0) != 0) {
                    return "storage_order 1";
                }
                padValue = Float.NEGATIVE_INFINITY;
            }
        }
        int[] strides = orOnes(n.intsAttr("strides"), k);
        int[] dilations = orOnes(n.intsAttr("dilations"), k);
        int[] dimsOut = new int[k];
        for (int d = 0; d < k; d++) {
            dimsOut[d] = (int) outShape[2 + d];
        }
        int[] padsBegin = padsBegin(n, f.dims(), kernel, strides, dilations, dimsOut);
        if (padsBegin == null) {
            return "auto_pad " + n.stringAttr("auto_pad", "") + " not understood";
        }
        boolean padded = false;
        for (int d = 0; d < k; d++) {
            padded |= padsBegin[d] != 0;
            // The output must be what the floor formula gives with the resolved pads (no ceil_mode tail past the pads).
            int padsEnd = endPad(n, d, k, padsBegin[d], f.dims()[d], kernel[d], strides[d], dilations[d], dimsOut[d]);
            if (padsEnd < 0) {
                return "output size " + dimsOut[d] + " on axis " + d + " needs windows past the pads (ceil_mode)";
            }
        }
        if (n.opType().equals("AveragePool") && padded && n.intAttr("count_include_pad", 0) == 0) {
            return "averages over padded windows without counting the pads";
        }
        int positions = f.lo().length;
        int[][] lo = new int[positions][k];
        int[][] hi = new int[positions][k];
        for (int p = 0; p < positions; p++) {
            for (int d = 0; d < k; d++) {
                int a = f.effectiveLo(p, d);
                int b = f.effectiveHi(p, d);
                int first = Math.ceilDiv(a + padsBegin[d] - (kernel[d] - 1) * dilations[d], strides[d]);
                int last = Math.floorDiv(b + padsBegin[d], strides[d]);
                lo[p][d] = Math.max(0, Math.min(first, dimsOut[d] - 1));
                hi[p][d] = Math.max(lo[p][d], Math.min(last, dimsOut[d] - 1));
            }
        }
        Step step = new Step(n, List.of(), List.of(in), n.output(0), Step.Kind.WINDOWED, kernel, strides, dilations,
                padsBegin, padValue, Flops.of(g, n), List.of());
        sink.accept(step, Field.of(n.output(0), (int) outShape[1], dimsOut, lo, hi, tau));
        return null;
    }

    /** Begin pads after auto_pad, or null for an auto_pad value ONNX does not define. */
    private static int[] padsBegin(Node n, int[] dimsIn, int[] kernel, int[] strides, int[] dilations, int[] dimsOut) {
        int k = kernel.length;
        String auto = n.stringAttr("auto_pad", "NOTSET");
        int[] begin = new int[k];
        switch (auto) {
            case "NOTSET", "" -> {
                long[] pads = n.intsAttr("pads");
                if (pads != null) {
                    if (pads.length != 2 * k) {
                        return null;
                    }
                    for (int d = 0; d < k; d++) {
                        begin[d] = (int) pads[d];
                    }
                }
            }
            case "VALID" -> {
                // no pads
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int d = 0; d < k; d++) {
                    int total = Math.max(0, (dimsOut[d] - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - dimsIn[d]);
                    begin[d] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                }
            }
            default -> {
                return null;
            }
        }
        return begin;
    }

    /** The end pad the output size implies, or -1 when the last window would read past the declared end pad. */
    private static int endPad(Node n, int d, int k, int begin, int in, int kernel, int stride, int dilation, int out) {
        int needed = (out - 1) * stride + (kernel - 1) * dilation + 1 - in - begin;
        long[] pads = n.intsAttr("pads");
        String auto = n.stringAttr("auto_pad", "NOTSET");
        int declared;
        if (auto.startsWith("SAME")) {
            declared = Math.max(0, needed);
        } else if (pads != null && pads.length == 2 * k && (auto.equals("NOTSET") || auto.isEmpty())) {
            declared = (int) pads[k + d];
        } else {
            declared = 0;
        }
        return needed <= declared ? Math.max(0, needed) : -1;
    }

    private static int[] orOnes(long[] v, int k) {
        int[] r = new int[k];
        for (int d = 0; d < k; d++) {
            r[d] = v == null ? 1 : (int) v[d];
        }
        return r;
    }

    private static int[] toInts(long[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (int) v[i];
        }
        return r;
    }
}
