package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reference operators for transformers and modern CNNs, and for the shape sub-graphs their exports carry:
 * comparisons and {@code Not} (BOOL results), {@code Where}, {@code Expand}, {@code Range}, {@code Mod},
 * {@code Pow}, {@code Erf} and {@code LayerNormalization}. Broadcasting follows numpy, as the other element-wise
 * operators do.
 */
final class MoreKernels {
    private MoreKernels() {
    }

    /** For each element of {@code out}, the flat index of {@code shape} broadcast to it. */
    static int[] broadcastIndex(Node node, long[] shape, long[] out) {
        if (shape.length > out.length) {
            throw node.error("shape " + Arrays.toString(shape) + " does not broadcast to " + Arrays.toString(out));
        }
        for (int i = 0; i < shape.length; i++) {
            long o = out[out.length - shape.length + i];
            if (shape[i] != 1 && shape[i] != o) {
                throw node.error("shape " + Arrays.toString(shape) + " does not broadcast to " + Arrays.toString(out));
            }
        }
        int[] st = ElementwiseKernels.broadcastStrides(shape, out);
        int n = (int) TensorValue.count(out);
        int[] index = new int[n];
        int[] idx = new int[out.length];
        int at = 0;
        for (int i = 0; i < n; i++) {
            index[i] = at;
            for (int d = out.length - 1; d >= 0; d--) {
                at += st[d];
                if (++idx[d] < out[d]) {
                    break;
                }
                at -= st[d] * (int) out[d];
                idx[d] = 0;
            }
        }
        return index;
    }

    static long[] broadcastShapes(Node node, long[]... shapes) {
        long[] out = new long[0];
        for (long[] s : shapes) {
            long[] b = ElementwiseKernels.broadcast(out, s);
            if (b == null) {
                throw node.error("shapes " + Arrays.toString(out) + " and " + Arrays.toString(s) + " do not broadcast");
            }
            out = b;
        }
        return out;
    }

    /** Equal, Less, Greater, LessOrEqual, GreaterOrEqual: BOOL. */
    static TensorValue compare(Node node, TensorValue a, TensorValue b) {
        long[] out = broadcastShapes(node, a.shape(), b.shape());
        int[] ia = broadcastIndex(node, a.shape(), out);
        int[] ib = broadcastIndex(node, b.shape(), out);
        long[] y = new long[ia.length];
        boolean floats = a.type() == DataType.FLOAT || b.type() == DataType.FLOAT;
        for (int i = 0; i < y.length; i++) {
            int c = floats ? Double.compare(a.get(ia[i]) + 0.0, b.get(ib[i]) + 0.0)
                    : Long.compare(a.getLong(ia[i]), b.getLong(ib[i]));
            boolean nan = floats && (Double.isNaN(a.get(ia[i])) || Double.isNaN(b.get(ib[i])));
            boolean r = switch (node.opType()) {
                case "Equal" -> c == 0;
                case "Less" -> c < 0;
                case "Greater" -> c > 0;
                case "LessOrEqual" -> c <= 0;
                case "GreaterOrEqual" -> c >= 0;
                default -> throw new UnsupportedOperatorException(node, "");
            };
            y[i] = r && !nan ? 1 : 0;
        }
        return TensorValue.ofLongs(DataType.BOOL, out, y);
    }

    static TensorValue not(Node node, TensorValue x) {
        if (x.type() != DataType.BOOL) {
            throw node.error("input type " + x.type() + "; Not takes BOOL");
        }
        long[] y = new long[x.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = x.getLong(i) != 0 ? 0 : 1;
        }
        return TensorValue.ofLongs(DataType.BOOL, x.shape(), y);
    }

    static TensorValue where(Node node, TensorValue c, TensorValue a, TensorValue b) {
        if (a.type() != b.type()) {
            throw node.error("operand types " + a.type() + " and " + b.type() + " differ");
        }
        long[] out = broadcastShapes(node, c.shape(), a.shape(), b.shape());
        int[] ic = broadcastIndex(node, c.shape(), out);
        int[] ia = broadcastIndex(node, a.shape(), out);
        int[] ib = broadcastIndex(node, b.shape(), out);
        int n = ic.length;
        if (a.type() == DataType.FLOAT) {
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = c.getLong(ic[i]) != 0 ? a.floats()[ia[i]] : b.floats()[ib[i]];
            }
            return TensorValue.ofFloats(out, y);
        }
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = c.getLong(ic[i]) != 0 ? a.longs()[ia[i]] : b.longs()[ib[i]];
        }
        return TensorValue.ofLongs(a.type(), out, y);
    }

    /** Expand: {@code x} broadcast with {@code shape} (numpy rules both ways). */
    static TensorValue expand(Node node, TensorValue x, long[] shape) {
        long[] out = broadcastShapes(node, x.shape(), shape);
        int[] ix = broadcastIndex(node, x.shape(), out);
        if (x.type() == DataType.FLOAT) {
            float[] y = new float[ix.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = x.floats()[ix[i]];
            }
            return TensorValue.ofFloats(out, y);
        }
        long[] y = new long[ix.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = x.longs()[ix[i]];
        }
        return TensorValue.ofLongs(x.type(), out, y);
    }

    /** Range(start, limit, delta) of scalars: max(ceil((limit - start) / delta), 0) elements. */
    static TensorValue range(Node node, TensorValue start, TensorValue limit, TensorValue delta) {
        if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) {
            throw node.error("start, limit and delta must be scalars");
        }
        if (start.type() == DataType.FLOAT) {
            float s = (float) start.get(0);
            float d = (float) delta.get(0);
            int n = (int) Math.max(Math.ceil((limit.get(0) - s) / d), 0);
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = s + i * d;
            }
            return TensorValue.ofFloats(new long[] {n}, y);
        }
        long s = start.getLong(0);
        long d = delta.getLong(0);
        if (d == 0) {
            throw node.error("delta must not be 0");
        }
        int n = (int) Math.max(Math.ceilDiv(limit.getLong(0) - s, d), 0);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = s + i * d;
        }
        return TensorValue.ofLongs(start.type(), new long[] {n}, y);
    }

    /** Mod: integer remainder with the divisor's sign (fmod = 0), or C's fmod (fmod = 1, floats). */
    static TensorValue mod(Node node, TensorValue a, TensorValue b) {
        boolean fmod = node.intAttr("fmod", 0) != 0;
        if (a.type() == DataType.FLOAT && !fmod) {
            throw node.error("Mod of floats needs fmod = 1");
        }
        return ElementwiseKernels.binary(node, a, b, (x, y) -> (float) (x % (double) y), (x, y) -> {
            if (y == 0) {
                throw node.error("integer modulo by zero");
            }
            return fmod ? x % y : Math.floorMod(x, y);
        });
    }

    /**
     * ScatterND without reduction: {@code data} with the slices {@code indices} (shape {@code [..., k]}, each row a
     * prefix of k coordinates, negative from the end) replaced by {@code updates}.
     */
    static TensorValue scatterNd(Node node, TensorValue data, TensorValue indices, TensorValue updates) {
        String reduction = node.stringAttr("reduction", "none");
        if (!reduction.equals("none")) {
            throw new UnsupportedOperatorException(node, "reduction '" + reduction + "'");
        }
        if (data.type() != updates.type()) {
            throw node.error("data " + data.type() + " and updates " + updates.type() + " differ");
        }
        int k = (int) indices.shape()[indices.rank() - 1];
        if (k > data.rank()) {
            throw node.error("index rows of " + k + " coordinates for data of rank " + data.rank());
        }
        int slice = (int) TensorValue.count(Arrays.copyOfRange(data.shape(), k, data.rank()));
        int rows = k == 0 ? 1 : indices.size() / k;
        if ((long) rows * slice != updates.size()) {
            throw node.error("updates " + Arrays.toString(updates.shape()) + " do not match " + rows + " slices of "
                    + slice);
        }
        int[] strides = LayoutKernels.strides(data.shape());
        float[] yf = data.type() == DataType.FLOAT ? data.floats().clone() : null;
        long[] yl = yf == null ? data.longs().clone() : null;
        for (int row = 0; row < rows; row++) {
            int at = 0;
            for (int j = 0; j < k; j++) {
                long dim = data.shape()[j];
                long c = indices.getLong(row * k + j);
                c = c < 0 ? c + dim : c;
                if (c < 0 || c >= dim) {
                    throw node.error("index " + indices.getLong(row * k + j) + " out of range for axis " + j);
                }
                at += (int) c * strides[j];
            }
            if (yf != null) {
                System.arraycopy(updates.floats(), row * slice, yf, at, slice);
            } else {
                System.arraycopy(updates.longs(), row * slice, yl, at, slice);
            }
        }
        return yf != null ? TensorValue.ofFloats(data.shape(), yf) : TensorValue.ofLongs(data.type(), data.shape(), yl);
    }

    static TensorValue pow(Node node, TensorValue a, TensorValue b) {
        if (a.type() != DataType.FLOAT) {
            // Integer bases: the power in double, truncated to the base's type (as ONNX Runtime computes it).
            TensorValue bl = b.type() == DataType.FLOAT ? null : b;
            long[] out = broadcastShapes(node, a.shape(), b.shape());
            int[] ia = broadcastIndex(node, a.shape(), out);
            int[] ib = broadcastIndex(node, b.shape(), out);
            long[] y = new long[ia.length];
            for (int i = 0; i < y.length; i++) {
                double e = bl == null ? b.get(ib[i]) : (double) b.getLong(ib[i]);
                double v = Math.pow(a.getLong(ia[i]), e);
                y[i] = a.type() == DataType.INT32 ? (int) (long) v : (long) v;
            }
            return TensorValue.ofLongs(a.type(), out, y);
        }
        return ElementwiseKernels.binary(node, a, b.type() == DataType.FLOAT ? b : TensorValue.ofFloats(b.shape(),
                b.toFloats()), (x, y) -> pow(x, y), (x, y) -> 0);
    }

    /** Pow in double, rounded to float. */
    static float pow(float x, float y) {
        return (float) Math.pow(x, y);
    }

    /** The error function in double: its Taylor series below 3, the Laplace continued fraction of erfc above. */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (Double.isNaN(x)) {
            return x;
        }
        double r;
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else if (ax < 10) {
            double f = ax;
            for (int k = 60; k >= 1; k--) {
                f = ax + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }

    /** The exact GELU, {@code x * 0.5 * (1 + erf(x / sqrt 2))}, in double rounded to float. */
    static float gelu(float x) {
        return (float) (x * 0.5 * (1 + erf(x / Math.sqrt(2))));
    }

    /** The tanh GELU, {@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}, in double rounded to float. */
    static float geluTanh(float x) {
        double v = x;
        return (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
    }

    /**
     * LayerNormalization over the axes from {@code axis} on: per row, the mean and the (biased) variance in double,
     * then {@code (x - mean) / sqrt(var + eps) * scale + bias} in double, rounded to float.
     */
    static List<TensorValue> layerNorm(Node node, TensorValue x, TensorValue scale, TensorValue bias, long axisAttr,
                                       float eps) {
        int r = x.rank();
        int axis = Axes.axis(node, axisAttr, r);
        long[] normShape = Arrays.copyOfRange(x.shape(), axis, r);
        int len = (int) TensorValue.count(normShape);
        int rows = len == 0 ? 0 : x.size() / len;
        int[] is = broadcastIndex(node, scale.shape(), normShape);
        int[] ib = bias == null ? null : broadcastIndex(node, bias.shape(), normShape);
        float[] xf = x.floats();
        float[] y = new float[xf.length];
        float[] means = new float[rows];
        float[] invs = new float[rows];
        for (int row = 0; row < rows; row++) {
            int base = row * len;
            double sum = 0;
            for (int i = 0; i < len; i++) {
                sum += xf[base + i];
            }
            double mean = sum / len;
            double sq = 0;
            for (int i = 0; i < len; i++) {
                double d = xf[base + i] - mean;
                sq += d * d;
            }
            double inv = 1 / Math.sqrt(sq / len + eps);
            means[row] = (float) mean;
            invs[row] = (float) inv;
            for (int i = 0; i < len; i++) {
                double v = (xf[base + i] - mean) * inv * scale.floats()[is[i]];
                y[base + i] = (float) (ib == null ? v : v + bias.floats()[ib[i]]);
            }
        }
        long[] stats = x.shape().clone();
        Arrays.fill(stats, axis, r, 1);
        List<TensorValue> out = new ArrayList<>(List.of(TensorValue.ofFloats(x.shape(), y)));
        out.add(node.outputs().size() > 1 && !node.output(1).isEmpty() ? TensorValue.ofFloats(stats, means) : null);
        out.add(node.outputs().size() > 2 && !node.output(2).isEmpty() ? TensorValue.ofFloats(stats, invs) : null);
        return out.subList(0, Math.max(1, node.outputs().size()));
    }
}
