package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * Reference convolution over 1 to 3 (any) spatial dimensions with groups, dilations and asymmetric pads:
 * im2col per sample and group, then {@link Gemm}. Bias, a residual input and ReLU are applied in the same
 * pass when the node is the plan's FusedConv, so the fused and unfused graphs share one code path up to
 * the epilogue.
 */
final class ConvolutionKernel {
    private ConvolutionKernel() {
    }

    /** The output shape for input {@code x}, weights {@code w}: {@code [N, M, out...]}. */
    static long[] outputShape(Node node, long[] x, long[] w, Window win) {
        int r = x.length - 2;
        long[] in = Arrays.copyOfRange(x, 2, x.length);
        long[] pads = win.resolvedPads(in);
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[0];
        for (int i = 0; i < r; i++) {
            out[i + 2] = win.outSize(i, in[i], pads);
            if (out[i + 2] < 1) {
                throw node.error("the window does not fit the input " + Arrays.toString(x)
                        + " along spatial axis " + i);
            }
        }
        return out;
    }

    /**
     * {@code y = act(conv(x, w) + b + z)}; {@code b} and {@code z} may be null; {@code relu} applies
     * max(0, .) last.
     */
    static TensorValue run(Node node, TensorValue x, TensorValue w, TensorValue b, TensorValue z, boolean relu) {
        long[] xs = x.shape();
        long[] ws = w.shape();
        if (xs.length < 3 || ws.length != xs.length) {
            throw node.error("input " + Arrays.toString(xs) + " and weights " + Arrays.toString(ws)
                    + " must both be [N, C, spatial...] / [M, C/group, kernel...] of equal rank >= 3");
        }
        int r = xs.length - 2;
        int group = Math.toIntExact(node.intAttr("group", 1));
        Window win = Window.of(node, r, Arrays.copyOfRange(ws, 2, ws.length));
        int n = (int) xs[0];
        int c = (int) xs[1];
        int m = (int) ws[0];
        int cg = (int) ws[1];
        if (group < 1 || c != cg * group || m % group != 0) {
            throw node.error("input channels " + c + ", weight shape " + Arrays.toString(ws)
                    + " and group " + group + " do not agree");
        }
        for (int i = 0; i < r; i++) {
            if (ws[i + 2] != win.kernel()[i]) {
                throw node.error("kernel_shape " + Arrays.toString(win.kernel())
                        + " does not match the weights " + Arrays.toString(ws));
            }
        }
        long[] ys = outputShape(node, xs, ws, win);
        long[] in = Arrays.copyOfRange(xs, 2, xs.length);
        long[] pads = win.resolvedPads(in);
        int inSize = (int) TensorValue.count(in);
        int outSize = (int) TensorValue.count(Arrays.copyOfRange(ys, 2, ys.length));
        int kprod = (int) TensorValue.count(win.kernel());
        int depth = cg * kprod;
        int mg = m / group;
        float[] y = new float[Math.toIntExact(TensorValue.count(ys))];
        boolean direct = kprod == 1 && allOnes(win.strides()) && allZero(pads);
        float[] col = direct ? null : new float[Math.multiplyExact(depth, outSize)];
        float[] xf = x.floats();
        for (int s = 0; s < n; s++) {
            for (int g = 0; g < group; g++) {
                int xBase = (s * c + g * cg) * inSize;
                float[] bm;
                int bOff;
                if (direct) {
                    bm = xf;
                    bOff = xBase;
                } else {
                    im2col(xf, xBase, cg, in, win, pads, ys, col);
                    bm = col;
                    bOff = 0;
                }
                Gemm.multiplyAdd(mg, outSize, depth, w.floats(), g * mg * depth, depth, bm, bOff, outSize,
                        y, (s * m + g * mg) * outSize, outSize);
            }
        }
        epilogue(node, y, n, m, outSize, b, z, ys, relu);
        return TensorValue.ofFloats(ys, y);
    }

    private static void epilogue(Node node, float[] y, int n, int m, int outSize, TensorValue b, TensorValue z,
                                 long[] ys, boolean relu) {
        if (b != null && b.size() != m) {
            throw node.error("bias has " + b.size() + " values for " + m + " output channels");
        }
        if (z != null && !Arrays.equals(z.shape(), ys)) {
            throw node.error("residual input " + Arrays.toString(z.shape()) + " must have the output shape "
                    + Arrays.toString(ys));
        }
        if (b == null && z == null && !relu) {
            return;
        }
        float[] zf = z == null ? null : z.floats();
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < m; o++) {
                float bias = b == null ? 0f : b.floats()[o];
                int base = (s * m + o) * outSize;
                for (int i = base; i < base + outSize; i++) {
                    float v = y[i] + bias;
                    if (zf != null) {
                        v += zf[i];
                    }
                    y[i] = relu ? (v > 0f ? v : (v == v ? 0f : v)) : v;
                }
            }
        }
    }

    /** Lays out the receptive fields of {@code channels} input planes as a {@code [channels*kprod, P]} matrix. */
    private static void im2col(float[] x, int xBase, int channels, long[] in, Window win, long[] pads, long[] ys,
                               float[] col) {
        int r = in.length;
        int[] inDim = new int[r];
        int[] outDim = new int[r];
        int[] inStride = new int[r];
        int stride = 1;
        for (int a = r - 1; a >= 0; a--) {
            inDim[a] = (int) in[a];
            outDim[a] = (int) ys[a + 2];
            inStride[a] = stride;
            stride *= inDim[a];
        }
        int inSize = stride;
        int kprod = (int) TensorValue.count(win.kernel());
        int outSize = (int) TensorValue.count(Arrays.copyOfRange(ys, 2, ys.length));
        int last = r - 1;
        int outLast = outDim[last];
        int outer = outSize / outLast;
        int sL = (int) win.strides()[last];
        int dL = (int) win.dilations()[last];
        int pL = (int) pads[last];
        int inL = inDim[last];
        int[] kidx = new int[r];
        int[] o = new int[r];
        for (int ch = 0; ch < channels; ch++) {
            int planeBase = xBase + ch * inSize;
            for (int kk = 0; kk < kprod; kk++) {
                int rem = kk;
                for (int a = last; a >= 0; a--) {
                    int kd = (int) win.kernel()[a];
                    kidx[a] = rem % kd;
                    rem /= kd;
                }
                int rowBase = (ch * kprod + kk) * outSize;
                int kOffL = kidx[last] * dL - pL;
                Arrays.fill(o, 0);
                for (int q = 0; q < outer; q++) {
                    boolean inside = true;
                    int off = planeBase;
                    for (int a = 0; a < last; a++) {
                        int ia = o[a] * (int) win.strides()[a] - (int) pads[a] + kidx[a] * (int) win.dilations()[a];
                        if (ia < 0 || ia >= inDim[a]) {
                            inside = false;
                            break;
                        }
                        off += ia * inStride[a];
                    }
                    int dst = rowBase + q * outLast;
                    if (!inside) {
                        Arrays.fill(col, dst, dst + outLast, 0f);
                    } else {
                        for (int ol = 0; ol < outLast; ol++) {
                            int il = ol * sL + kOffL;
                            col[dst + ol] = il >= 0 && il < inL ? x[off + il] : 0f;
                        }
                    }
                    for (int a = last - 1; a >= 0; a--) {
                        if (++o[a] < outDim[a]) {
                            break;
                        }
                        o[a] = 0;
                    }
                }
            }
        }
    }

    private static boolean allOnes(long[] v) {
        for (long x : v) {
            if (x != 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(long[] v) {
        for (long x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
