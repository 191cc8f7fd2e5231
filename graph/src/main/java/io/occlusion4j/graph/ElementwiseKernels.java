package io.occlusion4j.graph;

import java.util.Arrays;

/** Reference element-wise operators: multidirectional broadcasting binaries and unary activations. */
final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    interface FloatOp {
        float apply(float a, float b);
    }

    interface LongOp {
        long apply(long a, long b);
    }

    interface UnaryOp {
        float apply(float x);
    }

    /** Numpy-style broadcast of two shapes, or null when they do not broadcast. */
    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                return null;
            }
        }
        return out;
    }

    /** Strides of {@code shape} read as if broadcast to {@code out}: 0 along broadcast axes. */
    static int[] broadcastStrides(long[] shape, long[] out) {
        int r = out.length;
        int[] st = new int[r];
        int s = 1;
        for (int i = r - 1; i >= 0; i--) {
            int j = i - (r - shape.length);
            if (j >= 0) {
                st[i] = shape[j] == 1 ? 0 : s;
                s *= (int) shape[j];
            }
        }
        return st;
    }

    static TensorValue binary(Node node, TensorValue a, TensorValue b, FloatOp f, LongOp l) {
        long[] out = broadcast(a.shape(), b.shape());
        if (out == null) {
            throw node.error("shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape())
                    + " do not broadcast");
        }
        if (a.type().isIntegral() != b.type().isIntegral()) {
            throw node.error("operand types " + a.type() + " and " + b.type() + " differ");
        }
        int n = (int) TensorValue.count(out);
        int[] sa = broadcastStrides(a.shape(), out);
        int[] sb = broadcastStrides(b.shape(), out);
        boolean floats = a.type() == DataType.FLOAT;
        float[] yf = floats ? new float[n] : null;
        long[] yl = floats ? null : new long[n];
        if (Arrays.equals(a.shape(), out) && Arrays.equals(b.shape(), out)) {
            for (int i = 0; i < n; i++) {
                if (floats) {
                    yf[i] = f.apply(a.floats()[i], b.floats()[i]);
                } else {
                    yl[i] = l.apply(a.longs()[i], b.longs()[i]);
                }
            }
        } else if (n > 0) {
            int r = out.length;
            int[] idx = new int[r];
            int ia = 0;
            int ib = 0;
            for (int i = 0; i < n; i++) {
                if (floats) {
                    yf[i] = f.apply(a.floats()[ia], b.floats()[ib]);
                } else {
                    yl[i] = l.apply(a.longs()[ia], b.longs()[ib]);
                }
                for (int d = r - 1; d >= 0; d--) {
                    ia += sa[d];
                    ib += sb[d];
                    if (++idx[d] < out[d]) {
                        break;
                    }
                    ia -= sa[d] * (int) out[d];
                    ib -= sb[d] * (int) out[d];
                    idx[d] = 0;
                }
            }
        }
        return floats ? TensorValue.ofFloats(out, yf) : TensorValue.ofLongs(a.type(), out, yl);
    }

    static TensorValue unary(Node node, TensorValue x, UnaryOp op) {
        if (x.type() != DataType.FLOAT) {
            throw new UnsupportedOperatorException(node, "input type " + x.type() + "; only FLOAT is supported");
        }
        float[] xf = x.floats();
        float[] y = new float[xf.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = op.apply(xf[i]);
        }
        return TensorValue.ofFloats(x.shape(), y);
    }

    static float relu(float v) {
        return v < 0f ? 0f : v;
    }

    static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }

    static float hardSigmoid(float v, float alpha, float beta) {
        return Math.max(0f, Math.min(1f, alpha * v + beta));
    }

    static float hardSwish(float v) {
        return v * Math.max(0f, Math.min(1f, v / 6f + 0.5f));
    }

    /** Integer division as ONNX Runtime does it: truncation toward zero. */
    static long divide(Node node, long a, long b) {
        if (b == 0) {
            throw node.error("integer division by zero");
        }
        return a / b;
    }
}
