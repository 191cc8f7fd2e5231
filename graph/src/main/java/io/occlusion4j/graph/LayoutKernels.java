package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * Reference operators that move elements without arithmetic (transpose, concat, slice, gather, pad) plus
 * the two that reduce along an axis with a fixed formula (softmax, mean). All work on float and integral
 * tensors alike where ONNX allows both.
 */
final class LayoutKernels {
    private LayoutKernels() {
    }

    static int[] strides(long[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= (int) shape[i];
        }
        return s;
    }

    /** Copies element {@code from} of {@code x} to slot {@code to} of the float or long output. */
    private static void copy(TensorValue x, int from, float[] yf, long[] yl, int to) {
        if (yf != null) {
            yf[to] = x.floats()[from];
        } else {
            yl[to] = x.longs()[from];
        }
    }

    private static TensorValue make(DataType type, long[] shape, float[] yf, long[] yl) {
        return type == DataType.FLOAT ? TensorValue.ofFloats(shape, yf) : TensorValue.ofLongs(type, shape, yl);
    }

    static TensorValue transpose(TensorValue x, int[] perm) {
        int r = x.rank();
        long[] out = new long[r];
        int[] xs = strides(x.shape());
        int[] step = new int[r];
        for (int i = 0; i < r; i++) {
            out[i] = x.shape()[perm[i]];
            step[i] = xs[perm[i]];
        }
        return gather(x, out, step, 0);
    }

    /** Reads {@code x} at offset {@code base} with per-output-axis input steps {@code step} into shape {@code out}. */
    private static TensorValue gather(TensorValue x, long[] out, int[] step, int base) {
        int n = (int) TensorValue.count(out);
        boolean f = x.type() == DataType.FLOAT;
        float[] yf = f ? new float[n] : null;
        long[] yl = f ? null : new long[n];
        int r = out.length;
        int[] idx = new int[r];
        int off = base;
        for (int i = 0; i < n; i++) {
            copy(x, off, yf, yl, i);
            for (int d = r - 1; d >= 0; d--) {
                off += step[d];
                if (++idx[d] < out[d]) {
                    break;
                }
                off -= step[d] * (int) out[d];
                idx[d] = 0;
            }
        }
        return make(x.type(), out, yf, yl);
    }

    static TensorValue concat(Node node, TensorValue[] xs, long axisAttr) {
        int r = xs[0].rank();
        int ax = Axes.axis(node, axisAttr, r);
        long[] out = xs[0].shape().clone();
        out[ax] = 0;
        for (TensorValue x : xs) {
            if (x.rank() != r || x.type().isIntegral() != xs[0].type().isIntegral()) {
                throw node.error("inputs differ in rank or type: " + x + " vs " + xs[0]);
            }
            for (int d = 0; d < r; d++) {
                if (d != ax && x.shape()[d] != xs[0].shape()[d]) {
                    throw node.error("input shapes " + Arrays.toString(x.shape()) + " and "
                            + Arrays.toString(xs[0].shape()) + " differ outside axis " + ax);
                }
            }
            out[ax] += x.shape()[ax];
        }
        int outer = (int) TensorValue.count(Arrays.copyOfRange(out, 0, ax));
        int inner = (int) TensorValue.count(Arrays.copyOfRange(out, ax + 1, r));
        int n = (int) TensorValue.count(out);
        boolean f = xs[0].type() == DataType.FLOAT;
        float[] yf = f ? new float[n] : null;
        long[] yl = f ? null : new long[n];
        int rowLen = (int) out[ax] * inner;
        int at = 0;
        for (TensorValue x : xs) {
            int chunk = (int) x.shape()[ax] * inner;
            for (int o = 0; o < outer; o++) {
                if (f) {
                    System.arraycopy(x.floats(), o * chunk, yf, o * rowLen + at, chunk);
                } else {
                    System.arraycopy(x.longs(), o * chunk, yl, o * rowLen + at, chunk);
                }
            }
            at += chunk;
        }
        return make(xs[0].type(), out, yf, yl);
    }

    /**
     * ONNX Slice: per listed axis, start and end (negative counts from the end, clamped) and step
     * (non-zero, may be negative).
     */
    static TensorValue slice(Node node, TensorValue x, SliceSpec spec) {
        int r = x.rank();
        long[] begin = new long[r];
        long[] step = new long[r];
        long[] out = x.shape().clone();
        Arrays.fill(step, 1);
        boolean[] seen = new boolean[r];
        for (int i = 0; i < spec.size(); i++) {
            int a = spec.axis(node, i, r);
            if (seen[a]) {
                throw node.error("axis " + a + " is sliced twice");
            }
            seen[a] = true;
            SliceSpec.Extent e = spec.extent(node, i, x.shape()[a]);
            begin[a] = e.start();
            step[a] = e.step();
            out[a] = e.count();
        }
        int[] xs = strides(x.shape());
        int base = 0;
        int[] stepOff = new int[r];
        for (int a = 0; a < r; a++) {
            if (out[a] > 0) {
                base += (int) begin[a] * xs[a];
            }
            stepOff[a] = (int) step[a] * xs[a];
        }
        return gather(x, out, stepOff, base);
    }

    static TensorValue gatherAxis(Node node, TensorValue data, TensorValue indices, long axisAttr) {
        int r = data.rank();
        int ax = Axes.axis(node, axisAttr, r);
        long dim = data.shape()[ax];
        long[] out = new long[r - 1 + indices.rank()];
        System.arraycopy(data.shape(), 0, out, 0, ax);
        System.arraycopy(indices.shape(), 0, out, ax, indices.rank());
        System.arraycopy(data.shape(), ax + 1, out, ax + indices.rank(), r - ax - 1);
        int outer = (int) TensorValue.count(Arrays.copyOfRange(data.shape(), 0, ax));
        int inner = (int) TensorValue.count(Arrays.copyOfRange(data.shape(), ax + 1, r));
        int k = indices.size();
        int n = (int) TensorValue.count(out);
        boolean f = data.type() == DataType.FLOAT;
        float[] yf = f ? new float[n] : null;
        long[] yl = f ? null : new long[n];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < k; j++) {
                long i = indices.getLong(j);
                if (i < -dim || i >= dim) {
                    throw node.error("index " + i + " is out of range for axis " + ax + " of size " + dim);
                }
                if (i < 0) {
                    i += dim;
                }
                int src = (int) ((o * dim + i) * inner);
                int dst = (o * k + j) * inner;
                if (f) {
                    System.arraycopy(data.floats(), src, yf, dst, inner);
                } else {
                    System.arraycopy(data.longs(), src, yl, dst, inner);
                }
            }
        }
        return make(data.type(), out, yf, yl);
    }

    /** ONNX Pad: pads (begins then ends, may be negative), mode constant, reflect or edge. */
    static TensorValue pad(Node node, TensorValue x, PadSpec spec) {
        int r = x.rank();
        long[] pads = spec.pads();
        String mode = spec.mode();
        double value = spec.value();
        spec.modeCode(node);
        long[] out = new long[r];
        for (int a = 0; a < r; a++) {
            out[a] = x.shape()[a] + pads[a] + pads[a + r];
            if (out[a] < 0) {
                throw node.error("pads " + Arrays.toString(pads) + " remove more than axis " + a + " holds");
            }
            if (!mode.equals("constant") && x.shape()[a] == 0 && out[a] > 0) {
                throw node.error("mode " + mode + " cannot pad an empty axis");
            }
        }
        // Per axis, the source index of every output index (-1: the constant).
        int[][] src = new int[r][];
        for (int a = 0; a < r; a++) {
            int in = (int) x.shape()[a];
            src[a] = new int[(int) out[a]];
            for (int o = 0; o < out[a]; o++) {
                long i = o - pads[a];
                if (i < 0 || i >= in) {
                    i = switch (mode) {
                        case "edge" -> Math.clamp(i, 0, in - 1);
                        case "reflect" -> reflect(i, in);
                        default -> -1;
                    };
                }
                src[a][o] = (int) i;
            }
        }
        int[] xs = strides(x.shape());
        int n = (int) TensorValue.count(out);
        boolean f = x.type() == DataType.FLOAT;
        float[] yf = f ? new float[n] : null;
        long[] yl = f ? null : new long[n];
        int[] idx = new int[r];
        for (int i = 0; i < n; i++) {
            int off = 0;
            boolean inside = true;
            for (int a = 0; a < r; a++) {
                int s = src[a][idx[a]];
                if (s < 0) {
                    inside = false;
                    break;
                }
                off += s * xs[a];
            }
            if (inside) {
                copy(x, off, yf, yl, i);
            } else if (f) {
                yf[i] = (float) value;
            } else {
                yl[i] = (long) value;
            }
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < out[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return make(x.type(), out, yf, yl);
    }

    private static long reflect(long i, long n) {
        if (n == 1) {
            return 0;
        }
        long period = 2 * (n - 1);
        long m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }

    /** Softmax over {@code len} elements spaced {@code inner} apart, {@code outer} times. */
    static TensorValue softmax(TensorValue x, int outer, int len, int inner) {
        float[] xf = x.floats();
        float[] y = new float[xf.length];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * len * inner + in;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < len; i++) {
                    max = Math.max(max, xf[base + i * inner]);
                }
                double sum = 0;
                for (int i = 0; i < len; i++) {
                    double e = Math.exp(xf[base + i * inner] - max);
                    y[base + i * inner] = (float) e;
                    sum += e;
                }
                for (int i = 0; i < len; i++) {
                    y[base + i * inner] = (float) (y[base + i * inner] / sum);
                }
            }
        }
        return TensorValue.ofFloats(x.shape(), y);
    }

    /** Mean over {@code axes} (all when empty); reduced axes kept as 1 when {@code keepDims}. */
    static TensorValue reduceMean(Node node, TensorValue x, ReduceSpec spec) {
        int r = x.rank();
        boolean[] reduce = spec.reduced(node, r);
        boolean keepDims = spec.keepDims();
        long[] kept = x.shape().clone();
        int count = 1;
        for (int a = 0; a < r; a++) {
            if (reduce[a]) {
                count *= (int) kept[a];
                kept[a] = 1;
            }
        }
        int[] ks = strides(kept);
        int n = (int) TensorValue.count(kept);
        double[] acc = new double[n];
        int[] idx = new int[r];
        int size = x.size();
        for (int i = 0; i < size; i++) {
            int o = 0;
            for (int a = 0; a < r; a++) {
                if (!reduce[a]) {
                    o += idx[a] * ks[a];
                }
            }
            acc[o] += x.get(i);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < x.shape()[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        long[] out = kept;
        if (!keepDims) {
            long[] tmp = new long[r];
            int m = 0;
            for (int a = 0; a < r; a++) {
                if (!reduce[a]) {
                    tmp[m++] = kept[a];
                }
            }
            out = Arrays.copyOf(tmp, m);
        }
        if (x.type() != DataType.FLOAT) {
            long[] y = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = (long) (acc[i] / count);
            }
            return TensorValue.ofLongs(x.type(), out, y);
        }
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (acc[i] / count);
        }
        return TensorValue.ofFloats(out, y);
    }
}
