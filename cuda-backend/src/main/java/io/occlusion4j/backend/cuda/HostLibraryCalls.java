// What cuDNN and cuBLAS compute for a lowered plan, done in Java on host memory, and the fp16 NHWC storage both use.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.ConvDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The host device's library calls: a convolution reads its input, filter, bias and residual in the storage the
 * lowering chose for it, accumulates in fp32 and rounds its output to the output's storage; a matrix product is
 * fp32. What this checks is the lowering's bookkeeping (storages, layouts, strides, offsets) and the device loop
 * around it; what cuDNN and cuBLAS do with the same descriptions is checked on a GPU only.
 */
final class HostLibraryCalls {

    private HostLibraryCalls() {
    }

    // ------------------------------------------------------------------------------------------ storage

    /** Reads an NCHW-indexed tensor of {@code shape} stored as fp32 NCHW, or as fp16 NHWC when {@code half}. */
    static float[] read(MemorySegment at, long[] shape, boolean half) {
        int n = (int) LoweringOperands.count(shape);
        if (!half) {
            return at.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT);
        }
        short[] h = at.asSlice(0, 2L * n).toArray(ValueLayout.JAVA_SHORT);
        long[] st = LoweringOperands.channelsLastStrides(shape);
        float[] out = new float[n];
        int c = (int) shape[1];
        int hh = (int) shape[2];
        int w = (int) shape[3];
        int i = 0;
        for (int b = 0; b < shape[0]; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < hh; y++) {
                    for (int x = 0; x < w; x++) {
                        out[i++] = Float.float16ToFloat(h[(int) (b * st[0] + ch * st[1] + y * st[2] + x * st[3])]);
                    }
                }
            }
        }
        return out;
    }

    /** Writes NCHW-indexed {@code v} as fp32 NCHW, or as fp16 NHWC (rounded to nearest even) when {@code half}. */
    static void write(MemorySegment at, float[] v, long[] shape, boolean half) {
        if (!half) {
            MemorySegment.copy(v, 0, at, ValueLayout.JAVA_FLOAT, 0, v.length);
            return;
        }
        long[] st = LoweringOperands.channelsLastStrides(shape);
        int c = (int) shape[1];
        int hh = (int) shape[2];
        int w = (int) shape[3];
        int i = 0;
        for (int b = 0; b < shape[0]; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < hh; y++) {
                    for (int x = 0; x < w; x++) {
                        at.setAtIndex(ValueLayout.JAVA_SHORT, b * st[0] + ch * st[1] + y * st[2] + x * st[3],
                                Float.floatToFloat16(v[i++]));
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ cuDNN's part

    /**
     * {@code y = act(conv(x, w) + bias + residual)} as cuDNN is asked for it: operands in the convolution's storage
     * (fp16 NHWC with a {@code [K, R, S, C]} filter, or fp32 NCHW), accumulation in fp32, the output rounded to its
     * storage. {@code bias} and {@code residual} may be null.
     */
    static void convolve(Lowered.Convolution c, MemorySegment xAt, MemorySegment wAt, MemorySegment biasAt,
                         MemorySegment residualAt, MemorySegment yAt) {
        ConvDescriptor d = c.conv();
        boolean half = c.half();
        long[] xs = c.inputShape();
        long[] ys = c.outputShape();
        float[] x = read(xAt, xs, half);
        int k = (int) d.outChannels();
        int cg = (int) (d.inChannels() / d.groups());
        int r = d.spatialRank();
        int taps = (int) LoweringOperands.count(d.kernel());
        float[] w;
        if (half) {
            // [K, R, S, C/g] fp16, as CudaPlan.halfWeight lays it out for CUDNN_TENSOR_NHWC.
            short[] h = wAt.asSlice(0, 2L * k * cg * taps).toArray(ValueLayout.JAVA_SHORT);
            w = new float[h.length];
            for (int o = 0; o < k; o++) {
                for (int ch = 0; ch < cg; ch++) {
                    for (int t = 0; t < taps; t++) {
                        w[(o * cg + ch) * taps + t] = Float.float16ToFloat(h[(o * taps + t) * cg + ch]);
                    }
                }
            }
        } else {
            w = wAt.asSlice(0, 4L * k * cg * taps).toArray(ValueLayout.JAVA_FLOAT);
        }
        float[] bias = new float[k];
        if (biasAt != null) {
            MemorySegment b = biasAt;
            for (int o = 0; o < k; o++) {
                bias[o] = half ? Float.float16ToFloat(b.getAtIndex(ValueLayout.JAVA_SHORT, o))
                        : b.getAtIndex(ValueLayout.JAVA_FLOAT, o);
            }
        }
        float[] z = residualAt == null ? null : read(residualAt, ys, half);
        // Spatial axes padded to three (leading ones of size 1) so one loop nest covers 1-D to 3-D.
        long[] in3 = spatial3(xs, r, 1);
        long[] out3 = spatial3(ys, r, 1);
        long[] ker3 = pad3(d.kernel(), r, 1);
        long[] str3 = pad3(d.strides(), r, 1);
        long[] dil3 = pad3(d.dilations(), r, 1);
        long[] pad3 = pad3(c.padsBegin(), r, 0);
        int batch = (int) xs[0];
        int cin = (int) xs[1];
        int inSize = (int) (in3[0] * in3[1] * in3[2]);
        int outSize = (int) (out3[0] * out3[1] * out3[2]);
        int perGroup = (int) (k / d.groups());
        float[] y = new float[batch * k * outSize];
        float[] acc = new float[outSize];
        Geometry geo = new Geometry(in3, out3, ker3, str3, dil3, pad3);
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < k; o++) {
                int g = o / perGroup;
                java.util.Arrays.fill(acc, 0f);
                // Each output element sums its taps in the order channel, depth, row, column, as cuDNN is asked to.
                for (int ch = 0; ch < cg; ch++) {
                    accumulate(geo, x, (b * cin + g * cg + ch) * inSize, w, (o * cg + ch) * taps, acc);
                }
                int yBase = (b * k + o) * outSize;
                for (int i = 0; i < outSize; i++) {
                    float v = acc[i] + bias[o];
                    if (z != null) {
                        v += z[yBase + i];
                    }
                    y[yBase + i] = d.relu() && v < 0f ? 0f : v;
                }
            }
        }
        write(yAt, y, ys, half);
    }

    /** A convolution's spatial arithmetic, padded to three axes. */
    private record Geometry(long[] in, long[] out, long[] kernel, long[] stride, long[] dilation, long[] pad) {}

    /**
     * Adds one input channel's contribution to every output element of one output channel: for each tap, the
     * output columns whose input column falls inside the row (computed once per row, so the inner loop has no
     * branch).
     */
    private static void accumulate(Geometry geo, float[] x, int xBase, float[] w, int wBase, float[] acc) {
        long[] in = geo.in();
        long[] out = geo.out();
        for (int kd = 0; kd < geo.kernel()[0]; kd++) {
            for (int kh = 0; kh < geo.kernel()[1]; kh++) {
                for (int kw = 0; kw < geo.kernel()[2]; kw++) {
                    float wv = w[(int) (wBase + (kd * geo.kernel()[1] + kh) * geo.kernel()[2] + kw)];
                    long offW = kw * geo.dilation()[2] - geo.pad()[2];
                    long sw = geo.stride()[2];
                    // Output columns ow with 0 <= ow * sw + offW < in[2].
                    int owLo = (int) Math.max(0, Math.ceilDiv(-offW, sw));
                    int owHi = (int) Math.min(out[2], Math.ceilDiv(in[2] - offW, sw));
                    for (int od = 0; od < out[0]; od++) {
                        long id = od * geo.stride()[0] - geo.pad()[0] + kd * geo.dilation()[0];
                        if (id < 0 || id >= in[0]) {
                            continue;
                        }
                        for (int oh = 0; oh < out[1]; oh++) {
                            long ih = oh * geo.stride()[1] - geo.pad()[1] + kh * geo.dilation()[1];
                            if (ih < 0 || ih >= in[1]) {
                                continue;
                            }
                            int row = (int) (xBase + (id * in[1] + ih) * in[2] + offW);
                            int a = (int) ((od * out[1] + oh) * out[2]);
                            if (sw == 1) {
                                // Unit stride: a loop the JIT vectorises.
                                for (int ow = owLo; ow < owHi; ow++) {
                                    acc[a + ow] += x[row + ow] * wv;
                                }
                            } else {
                                int step = (int) sw;
                                for (int ow = owLo; ow < owHi; ow++) {
                                    acc[a + ow] += x[row + ow * step] * wv;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static long[] spatial3(long[] shape, int r, long fill) {
        long[] s = new long[r];
        System.arraycopy(shape, 2, s, 0, r);
        return pad3(s, r, fill);
    }

    private static long[] pad3(long[] v, int r, long fill) {
        long[] out = {fill, fill, fill};
        System.arraycopy(v, 0, out, 3 - r, r);
        return out;
    }

    // ------------------------------------------------------------------------------------------ cuBLAS's part

    /** The row-major products {@code p} describes to cuBLAS, in fp32. */
    static void multiply(Lowered.MatrixProduct p, MemorySegment a, MemorySegment b, MemorySegment y) {
        for (int t = 0; t < p.batch(); t++) {
            long ao = t * p.strideA();
            long bo = t * p.strideB();
            long yo = t * p.strideY();
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    float acc = 0f;
                    for (int q = 0; q < p.k(); q++) {
                        long ai = p.transA() ? (long) q * p.m() + i : (long) i * p.k() + q;
                        long bi = p.transB() ? (long) j * p.k() + q : (long) q * p.n() + j;
                        acc += a.getAtIndex(ValueLayout.JAVA_FLOAT, ao + ai) * b.getAtIndex(ValueLayout.JAVA_FLOAT, bo + bi);
                    }
                    long yi = yo + (long) i * p.n() + j;
                    float prior = p.beta() == 0f ? 0f : p.beta() * y.getAtIndex(ValueLayout.JAVA_FLOAT, yi);
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, yi, p.alpha() * acc + prior);
                }
            }
        }
    }
}
