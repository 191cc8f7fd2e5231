// The fp16 half of the plan lowering: steps on fp16 NHWC operands, and the conversions between the storages.
package io.occlusion4j.backend.cuda;

import static io.occlusion4j.backend.cuda.LoweringOperands.*;

import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.ConcatSpec;
import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.TransposeSpec;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The lowering of the steps {@link HalfRegions} stores as fp16 NHWC: their fp16 kernels (the fp32 launch
 * re-addressed for channels-last storage where the arithmetic is the same), cuDNN in HALF with NHWC descriptors
 * for convolutions, the spatial reductions that read fp16 directly, and the conversion launches between the two
 * storages.
 */
final class HalfLowering {
    private HalfLowering() {
    }

    /**
     * The copy of {@code s} in the other storage (fp16 NHWC when {@code toHalf}, else fp32 NCHW), in a buffer
     * of its own past the plan's arena; the conversion launch is added to {@code launches} the first time.
     */
    static BufferSlot convertedCopy(BufferSlot s, boolean toHalf, PlanStep reader, Map<String, BufferSlot> done,
                                            long[] arenaEnd, List<PlanLaunch> launches) {
        String key = s.value() + (toHalf ? "|half" : "|float");
        BufferSlot have = done.get(key);
        if (have != null) {
            return have;
        }
        long[] x = s.shape();
        long n = count(x);
        long bytes = (toHalf ? 2 : 4) * n;
        long offset = align(arenaEnd[0]);
        arenaEnd[0] = offset + bytes;
        BufferSlot copy = new BufferSlot(s.value(), s.type(), x, offset, bytes, reader.index(), reader.index(), null);
        if (toHalf) {
            launches.add(toHalfChannelsLast(Pointer.arena(s.offset()), Pointer.arena(offset), x));
        } else {
            launches.add(convertLaunch("occ_plan_copy_to_float", Pointer.arena(s.offset()), Pointer.arena(offset), x,
                    channelsLastStrides(x), contiguousStrides(x)));
        }
        done.put(key, copy);
        return copy;
    }

    /** The conversion of an fp32 NCHW tensor of shape {@code x} at {@code src} to fp16 NHWC at {@code dst}. */
    static PlanLaunch toHalfChannelsLast(Pointer src, Pointer dst, long[] x) {
        long[] dims = toChannelsLast(x);
        return convertLaunch("occ_plan_copy_to_half", src, dst, dims, toChannelsLast(contiguousStrides(x)),
                contiguousStrides(dims));
    }

    private static PlanLaunch convertLaunch(String kernel, Pointer src, Pointer dst, long[] dims, long[] srcStrides,
                                            long[] dstStrides) {
        long n = count(dims);
        long[] meta = join(dims, srcStrides, dstStrides, new long[] {0, 0});
        return new PlanLaunch(kernel, n, List.of(src, dst, new Arg.I64(n), new Arg.I32(dims.length), new Arg.Meta()), meta);
    }

    /** The step (one {@link HalfRegions#capable} says runs in fp16) on fp16 NHWC operands. */
    static Lowered lowerHalf(PlanStep step, long opset, Map<String, HalfWeight> halfWeights, long[] scratch) {
        Node node = step.node();
        if (step.conv() != null) {
            return halfConvolution(step, halfWeights, scratch);
        }
        List<PlanLaunch> l = new ArrayList<>();
        switch (node.opType()) {
            case "Relu" -> l.add(halfUnary(Fp32Lowering.unary(step, 0, 0f, 0f)));
            case "LeakyRelu" -> l.add(halfUnary(Fp32Lowering.unary(step, 1, node.floatAttr("alpha", 0.01f), 0f)));
            case "Clip" -> l.add(halfUnary(Fp32Lowering.clip(step, opset)));
            case "Sigmoid" -> l.add(halfUnary(Fp32Lowering.unary(step, 3, 0f, 0f)));
            case "HardSigmoid" -> l.add(halfUnary(Fp32Lowering.unary(step, 4, node.floatAttr("alpha", 0.2f), node.floatAttr("beta", 0.5f))));
            case "HardSwish" -> l.add(halfUnary(Fp32Lowering.unary(step, 5, 0f, 0f)));
            case "Tanh" -> l.add(halfUnary(Fp32Lowering.unary(step, 6, 0f, 0f)));
            case "Identity", "Dropout" -> l.add(halfUnary(Fp32Lowering.copy(step)));
            case "Add" -> l.add(halfBinary(step, 0));
            case "Sub" -> l.add(halfBinary(step, 1));
            case "Mul" -> l.add(halfBinary(step, 2));
            case "Div" -> l.add(halfBinary(step, 3));
            case "PRelu" -> l.add(halfBinary(step, 4));
            case "MaxPool", "AveragePool" -> l.add(halfPool(Fp32Lowering.pool(step), shape(step.inputs().get(0))[1]));
            case "Pad" -> l.add(halfPad(Fp32Lowering.pad(step, opset)));
            case "Concat" -> halfConcat(step, halfWeights, l);
            default -> throw new IllegalStateException("no fp16 lowering of " + node.opType() + " (HalfRegions admitted it)");
        }
        return new Lowered.Launches(step, l);
    }

    /** The fp32 Pad launch (metadata outDims, inDims, padsBegin in NCHW order) in storage order on fp16. */
    private static PlanLaunch halfPad(PlanLaunch fp32) {
        long[] m = fp32.meta();
        long[] meta = join(toChannelsLast(Arrays.copyOfRange(m, 0, 4)), toChannelsLast(Arrays.copyOfRange(m, 4, 8)),
                toChannelsLast(Arrays.copyOfRange(m, 8, 12)));
        return new PlanLaunch("occ_plan_pad_h", fp32.work(), fp32.args(), meta);
    }

    /** A step that reads an fp16 NHWC input and writes fp32 ({@link HalfRegions#spatialReducer}). */
    static PlanLaunch halfReader(PlanStep step) {
        long[] x = shape(step.inputs().get(0));
        if (step.node().opType().equals("Transpose")) {
            // The fp32 Transpose's strided copy with the source strides of the channels-last input.
            PlanLaunch t = Fp32Lowering.transpose(step);
            long[] m = t.meta();
            int[] perm = TransposeSpec.of(step.node()).perm(step.node(), 4);
            long[] inStrides = channelsLastStrides(x);
            for (int i = 0; i < 4; i++) {
                m[4 + i] = inStrides[perm[i]];
            }
            return new PlanLaunch("occ_plan_copy_to_float", t.work(), t.args(), m);
        }
        boolean max = step.node().opType().equals("GlobalMaxPool");
        return new PlanLaunch("occ_plan_reduce_h", x[0] * x[1], List.of(pointer(step.inputs().get(0)),
                pointer(step.outputs().get(0)), new Arg.I64(x[0]), new Arg.I64(x[2] * x[3]), new Arg.I64(x[1]),
                new Arg.I32(max ? 1 : 0)), new long[0]);
    }

    /** Concat of fp16 NHWC tensors: one 16-bit strided copy per input (constants uploaded as fp16 NHWC). */
    private static void halfConcat(PlanStep step, Map<String, HalfWeight> halfWeights, List<PlanLaunch> l) {
        long[] out = shape(step.outputs().get(0));
        int axis = ConcatSpec.of(step.node()).axis(step.node(), 4);
        long[] outStrides = channelsLastStrides(out);
        long at = 0;
        for (Operand in : step.inputs()) {
            long[] s = shape(in);
            Pointer src = pointer(in);
            if (in instanceof Operand.Weight(String name, TensorValue v)) {
                String key = "__occlusion4j_half_nhwc:" + name;
                halfWeights.put(key, new HalfWeight(name, true));
                src = Pointer.weight(key);
            }
            if (count(s) > 0) {
                long[] dims = toChannelsLast(s);
                long n = count(dims);
                long[] meta = join(dims, contiguousStrides(dims), toChannelsLast(outStrides), new long[] {0,
                        at * outStrides[axis]});
                l.add(new PlanLaunch("occ_plan_strided_copy_h", n, List.of(src, pointer(step.outputs().get(0)),
                        new Arg.I64(n), new Arg.I32(4), new Arg.Meta()), meta));
            }
            at += s[axis];
        }
    }

    private static PlanLaunch halfUnary(PlanLaunch fp32) {
        return new PlanLaunch("occ_plan_unary_h", fp32.work(), fp32.args(), fp32.meta());
    }

    /** The fp32 pool launch re-addressed for channels-last fp16: one more argument, the channel count. */
    private static PlanLaunch halfPool(PlanLaunch fp32, long channels) {
        List<Arg> args = new ArrayList<>(fp32.args());
        args.add(args.size() - 1, new Arg.I64(channels));
        return new PlanLaunch("occ_plan_pool_nhwc_h", fp32.work(), args, fp32.meta());
    }

    private static PlanLaunch halfBinary(PlanStep step, int op) {
        Operand a = step.inputs().get(0);
        Operand b = step.inputs().get(1);
        long[] out = shape(step.outputs().get(0));
        long[] sa = operandStrides(a, out);
        long[] sb = operandStrides(b, out);
        String kernel = a instanceof Operand.Weight ? "occ_plan_binary_fh"
                : b instanceof Operand.Weight ? "occ_plan_binary_hf" : "occ_plan_binary_hh";
        long n = count(out);
        long[] meta = join(toChannelsLast(out), toChannelsLast(sa), toChannelsLast(sb));
        return new PlanLaunch(kernel, n, List.of(pointer(a), pointer(b), pointer(step.outputs().get(0)), new Arg.I64(n),
                new Arg.I32(op), new Arg.I32(4), new Arg.Meta()), meta);
    }

    /** Per output (NCHW) axis, the element stride of an operand: fp16 NHWC for activations, fp32 NCHW for weights. */
    private static long[] operandStrides(Operand op, long[] out) {
        long[] s = shape(op);
        if (op instanceof Operand.Weight) {
            return broadcastStrides(s, out);
        }
        long[] own = channelsLastStrides(s);
        for (int d = 0; d < 4; d++) {
            if (s[d] == 1 && out[d] != 1) {
                own[d] = 0;
            }
        }
        return own;
    }

    private static Lowered halfConvolution(PlanStep step, Map<String, HalfWeight> halfWeights, long[] scratch) {
        ConvDescriptor c = step.conv();
        ProductLowering.PrePad in = ProductLowering.prePad(c, step.inputs().get(0), scratch, true);
        String w = ((Operand.Weight) step.inputs().get(1)).name();
        String wHalf = "__occlusion4j_half_krsc:" + w;
        halfWeights.put(wHalf, new HalfWeight(w, true));
        Pointer bias = null;
        if (present(step, 2)) {
            String b = ((Operand.Weight) step.inputs().get(2)).name();
            String bHalf = "__occlusion4j_half:" + b;
            halfWeights.put(bHalf, new HalfWeight(b, false));
            bias = Pointer.weight(bHalf);
        }
        Pointer residual = present(step, 3) ? pointer(step.inputs().get(3)) : null;
        return new Lowered.Convolution(step, c, in.launch(), in.input(), in.shape(), in.padsBegin(), Pointer.weight(wHalf), bias, residual,
                pointer(step.outputs().get(0)), shape(step.outputs().get(0)), true);
    }
}
