package io.occlusion4j.graph;

import java.util.Arrays;

/** Reference MaxPool, AveragePool and the global pools over any number of spatial dimensions. */
final class PoolingKernel {
    private PoolingKernel() {
    }

    static long[] outputShape(Node node, long[] x, Window win) {
        long[] in = Arrays.copyOfRange(x, 2, x.length);
        long[] pads = win.resolvedPads(in);
        long[] out = x.clone();
        for (int i = 0; i < in.length; i++) {
            out[i + 2] = win.outSize(i, in[i], pads);
            if (out[i + 2] < 1) {
                throw node.error("the window does not fit the input " + Arrays.toString(x)
                        + " along spatial axis " + i);
            }
        }
        return out;
    }

    /** MaxPool ({@code max}) or AveragePool; {@code countPads} is AveragePool's count_include_pad. */
    static TensorValue pool(Node node, TensorValue x, boolean max, boolean countPads) {
        long[] xs = x.shape();
        if (xs.length < 3) {
            throw node.error("input " + Arrays.toString(xs) + " must be [N, C, spatial...]");
        }
        int r = xs.length - 2;
        Window win = Window.of(node, r, null);
        long[] ys = outputShape(node, xs, win);
        long[] in = Arrays.copyOfRange(xs, 2, xs.length);
        long[] pads = win.resolvedPads(in);
        int planes = (int) (xs[0] * xs[1]);
        int inSize = (int) TensorValue.count(in);
        int outSize = (int) TensorValue.count(Arrays.copyOfRange(ys, 2, ys.length));
        int kprod = (int) TensorValue.count(win.kernel());
        int[] inStride = new int[r];
        int s = 1;
        for (int a = r - 1; a >= 0; a--) {
            inStride[a] = s;
            s *= (int) in[a];
        }
        // Precompute, per output position, the input offsets of its taps (-1 for a padded tap) and the
        // divisor; every plane then reuses them.
        int[] taps = new int[outSize * kprod];
        int[] divisor = new int[outSize];
        int[] o = new int[r];
        int[] k = new int[r];
        for (int p = 0; p < outSize; p++) {
            int rem = p;
            for (int a = r - 1; a >= 0; a--) {
                o[a] = (int) (rem % ys[a + 2]);
                rem /= (int) ys[a + 2];
            }
            int inside = 0;
            int padded = 0;
            for (int t = 0; t < kprod; t++) {
                int kr = t;
                for (int a = r - 1; a >= 0; a--) {
                    k[a] = (int) (kr % win.kernel()[a]);
                    kr /= (int) win.kernel()[a];
                }
                int off = 0;
                boolean ok = true;
                boolean inPadded = true;
                for (int a = 0; a < r; a++) {
                    long i = o[a] * win.strides()[a] - pads[a] + k[a] * win.dilations()[a];
                    if (i < 0 || i >= in[a]) {
                        ok = false;
                        if (i < -pads[a] || i >= in[a] + pads[a + r]) {
                            inPadded = false;
                        }
                    } else {
                        off += (int) i * inStride[a];
                    }
                }
                taps[p * kprod + t] = ok ? off : -1;
                if (ok) {
                    inside++;
                }
                if (inPadded) {
                    padded++;
                }
            }
            divisor[p] = countPads ? padded : inside;
        }
        float[] xf = x.floats();
        float[] y = new float[planes * outSize];
        for (int pl = 0; pl < planes; pl++) {
            int xb = pl * inSize;
            int yb = pl * outSize;
            for (int p = 0; p < outSize; p++) {
                int tb = p * kprod;
                if (max) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int t = 0; t < kprod; t++) {
                        int off = taps[tb + t];
                        if (off >= 0) {
                            float v = xf[xb + off];
                            if (v > m || v != v) {
                                m = v;
                            }
                        }
                    }
                    y[yb + p] = m;
                } else {
                    float sum = 0f;
                    for (int t = 0; t < kprod; t++) {
                        int off = taps[tb + t];
                        if (off >= 0) {
                            sum += xf[xb + off];
                        }
                    }
                    y[yb + p] = divisor[p] == 0 ? Float.NaN : sum / divisor[p];
                }
            }
        }
        return TensorValue.ofFloats(ys, y);
    }

    /** GlobalAveragePool or GlobalMaxPool: one value per (sample, channel), spatial dims kept as 1. */
    static TensorValue global(Node node, TensorValue x, boolean max) {
        long[] xs = x.shape();
        if (xs.length < 3) {
            throw node.error("input " + Arrays.toString(xs) + " must be [N, C, spatial...]");
        }
        long[] ys = xs.clone();
        Arrays.fill(ys, 2, ys.length, 1);
        int planes = (int) (xs[0] * xs[1]);
        int size = (int) TensorValue.count(Arrays.copyOfRange(xs, 2, xs.length));
        float[] xf = x.floats();
        float[] y = new float[planes];
        for (int p = 0; p < planes; p++) {
            int b = p * size;
            if (max) {
                float m = Float.NEGATIVE_INFINITY;
                for (int i = b; i < b + size; i++) {
                    m = Math.max(m, xf[i]);
                }
                y[p] = m;
            } else {
                double sum = 0;
                for (int i = b; i < b + size; i++) {
                    sum += xf[i];
                }
                y[p] = (float) (sum / size);
            }
        }
        return TensorValue.ofFloats(ys, y);
    }
}
