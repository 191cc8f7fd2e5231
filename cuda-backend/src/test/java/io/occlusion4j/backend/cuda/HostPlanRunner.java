// Runs a whole lowered CUDA plan on the host: plan_ops.cu launches through the host build, convolutions and
// matrix products in plain Java with the storage (fp32 NCHW or fp16 NHWC) the lowering gave each operand.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.backend.cuda.PlanLowering.Lowered;
import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.HostKernels;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host stand-in for {@link CudaPlan}: one native arena of {@link PlanLowering.Lowering#arenaBytes()}, the
 * weights (fp16 ones made by {@link CudaPlan#halfWeight}, as the device upload makes them), every
 * {@link PlanLaunch} run on the host build of the kernels, and the cuDNN / cuBLAS steps computed here the way
 * the plan describes them to those libraries: a convolution reads its input, filter, bias and residual in the
 * storage the lowering chose (fp16 NHWC with a [K, R, S, C] filter, or fp32 NCHW), accumulates in fp32 and
 * rounds its output to the output's storage; a matrix product is fp32. What this checks is the lowering's
 * bookkeeping (storages, layouts, conversions, strides, offsets) against the reference executor; what cuDNN
 * and cuBLAS do with those descriptions is checked on a GPU only ({@code GpuPlanTest}).
 */
final class HostPlanRunner {

    private HostPlanRunner() {
    }

    /** Runs {@code lowering} of {@code plan} on {@code inputs} (fp32 NCHW); returns every graph output as fp32. */
    static Map<String, float[]> run(HostKernels host, Plan plan, PlanLowering.Lowering lowering,
                                    Map<String, TensorValue> inputs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arena = a.allocate(Math.max(256, lowering.arenaBytes()), 256);
            arena.fill((byte) 0x7f); // NaN-like poison: a slot the plan forgets to write shows
            MemorySegment scratch = a.allocate(Math.max(256, lowering.scratchBytes()), 256);
            Map<String, MemorySegment> weights = new HashMap<>();
            Map<String, TensorValue> all = new LinkedHashMap<>(plan.weights());
            all.putAll(lowering.extraWeights());
            all.forEach((name, t) -> {
                if (t.type() == DataType.FLOAT && t.size() > 0) {
                    weights.put(name, a.allocateFrom(ValueLayout.JAVA_FLOAT, t.floats()));
                }
            });
            lowering.halfWeights().forEach((name, hw) -> weights.put(name,
                    a.allocateFrom(ValueLayout.JAVA_SHORT, CudaPlan.halfWeight(all.get(hw.source()), hw.channelsLast()))));
            Memory m = new Memory(arena, scratch, weights);
            for (Map.Entry<String, TensorValue> in : inputs.entrySet()) {
                var slot = plan.slot(in.getKey());
                write(arena.asSlice(slot.offset()), in.getValue().floats(), slot.shape(), lowering.isHalf(in.getKey()));
            }
            for (Lowered l : lowering.steps()) {
                switch (l) {
                    case Lowered.Launches ls -> ls.launches().forEach(launch -> launch(host, a, m, launch));
                    case Lowered.Convolution c -> {
                        if (c.prePad() != null) {
                            launch(host, a, m, c.prePad());
                        }
                        convolve(m, c);
                    }
                    case Lowered.MatrixProduct p -> {
                        if (p.fillY() != null) {
                            launch(host, a, m, p.fillY());
                        }
                        multiply(m, p);
                    }
                    case Lowered.Nothing n -> {
                    }
                }
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : plan.graph().outputs()) {
                var slot = plan.slot(name);
                out.put(name, read(arena.asSlice(slot.offset()), slot.shape(), lowering.isHalf(name)));
            }
            return out;
        }
    }

    private record Memory(MemorySegment arena, MemorySegment scratch, Map<String, MemorySegment> weights) {
        MemorySegment at(Arg.Pointer p) {
            return switch (p.region()) {
                case ARENA -> arena.asSlice(p.offset());
                case SCRATCH -> scratch.asSlice(p.offset());
                case WEIGHT -> {
                    MemorySegment w = weights.get(p.weight());
                    if (w == null) {
                        throw new IllegalStateException("weight '" + p.weight() + "' was not uploaded");
                    }
                    yield w.asSlice(p.offset());
                }
            };
        }
    }

    private static void launch(HostKernels host, Arena a, Memory m, PlanLaunch launch) {
        if (launch.work() == 0) {
            return;
        }
        MemorySegment meta = a.allocateFrom(ValueLayout.JAVA_LONG, launch.meta().length == 0 ? new long[1] : launch.meta());
        Object[] args = new Object[launch.args().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = switch (launch.args().get(i)) {
                case Arg.Pointer p -> m.at(p);
                case Arg.Meta x -> meta;
                case Arg.I32(int v) -> v;
                case Arg.I64(long v) -> v;
                case Arg.F32(float v) -> v;
            };
        }
        host.launch(launch.kernel(), 3, 32, args);
    }

    // ------------------------------------------------------------------------------------------ storage

    /** Reads an NCHW-indexed tensor of {@code shape} stored as fp32 NCHW, or as fp16 NHWC when {@code half}. */
    static float[] read(MemorySegment at, long[] shape, boolean half) {
        int n = (int) PlanLowering.count(shape);
        if (!half) {
            return at.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT);
        }
        short[] h = at.asSlice(0, 2L * n).toArray(ValueLayout.JAVA_SHORT);
        long[] st = PlanLowering.channelsLastStrides(shape);
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
        long[] st = PlanLowering.channelsLastStrides(shape);
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

    private static void convolve(Memory m, Lowered.Convolution c) {
        ConvDescriptor d = c.conv();
        boolean half = c.half();
        long[] xs = c.inputShape();
        long[] ys = c.outputShape();
        float[] x = read(m.at(c.input()), xs, half);
        int k = (int) d.outChannels();
        int cg = (int) (d.inChannels() / d.groups());
        int r = d.spatialRank();
        int taps = (int) PlanLowering.count(d.kernel());
        float[] w;
        if (half) {
            // [K, R, S, C/g] fp16, as CudaPlan.halfWeight lays it out for CUDNN_TENSOR_NHWC.
            short[] h = m.at(c.weight()).asSlice(0, 2L * k * cg * taps).toArray(ValueLayout.JAVA_SHORT);
            w = new float[h.length];
            for (int o = 0; o < k; o++) {
                for (int ch = 0; ch < cg; ch++) {
                    for (int t = 0; t < taps; t++) {
                        w[(o * cg + ch) * taps + t] = Float.float16ToFloat(h[(o * taps + t) * cg + ch]);
                    }
                }
            }
        } else {
            w = m.at(c.weight()).asSlice(0, 4L * k * cg * taps).toArray(ValueLayout.JAVA_FLOAT);
        }
        float[] bias = new float[k];
        if (c.bias() != null) {
            MemorySegment b = m.at(c.bias());
            for (int o = 0; o < k; o++) {
                bias[o] = half ? Float.float16ToFloat(b.getAtIndex(ValueLayout.JAVA_SHORT, o))
                        : b.getAtIndex(ValueLayout.JAVA_FLOAT, o);
            }
        }
        float[] z = c.residual() == null ? null : read(m.at(c.residual()), ys, half);
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
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < k; o++) {
                int g = o / perGroup;
                for (int od = 0; od < out3[0]; od++) {
                    for (int oh = 0; oh < out3[1]; oh++) {
                        for (int ow = 0; ow < out3[2]; ow++) {
                            float acc = 0f;
                            for (int ch = 0; ch < cg; ch++) {
                                int xBase = (b * cin + g * cg + ch) * inSize;
                                int wBase = (o * cg + ch) * taps;
                                for (int kd = 0; kd < ker3[0]; kd++) {
                                    long id = od * str3[0] - pad3[0] + kd * dil3[0];
                                    if (id < 0 || id >= in3[0]) {
                                        continue;
                                    }
                                    for (int kh = 0; kh < ker3[1]; kh++) {
                                        long ih = oh * str3[1] - pad3[1] + kh * dil3[1];
                                        if (ih < 0 || ih >= in3[1]) {
                                            continue;
                                        }
                                        for (int kw = 0; kw < ker3[2]; kw++) {
                                            long iw = ow * str3[2] - pad3[2] + kw * dil3[2];
                                            if (iw < 0 || iw >= in3[2]) {
                                                continue;
                                            }
                                            acc += x[(int) (xBase + (id * in3[1] + ih) * in3[2] + iw)]
                                                    * w[(int) (wBase + (kd * ker3[1] + kh) * ker3[2] + kw)];
                                        }
                                    }
                                }
                            }
                            int yi = (b * k + o) * outSize + (int) ((od * out3[1] + oh) * out3[2] + ow);
                            float v = acc + bias[o];
                            if (z != null) {
                                v += z[yi];
                            }
                            y[yi] = d.relu() && v < 0f ? 0f : v;
                        }
                    }
                }
            }
        }
        write(m.at(c.output()), y, ys, half);
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

    private static void multiply(Memory m, Lowered.MatrixProduct p) {
        MemorySegment a = m.at(p.a());
        MemorySegment b = m.at(p.b());
        MemorySegment y = m.at(p.y());
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
