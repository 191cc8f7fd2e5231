// Turns the engine's Plan into device work: kernel launches for the element-wise and layout steps, and
// descriptions of the cuDNN convolutions and cuBLAS products, with no device needed (the host tests run it).
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.Operators;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lowering of a {@link Plan} for the CUDA executor. Every step becomes one {@link Lowered}: launches
 * of {@code plan_ops.cu} (activations, broadcast arithmetic, Concat, Transpose, Slice, Pad, Softmax,
 * pooling, reductions, BatchNormalization left unfolded), a {@link Lowered.Convolution} (cuDNN, with a
 * pre-pad launch into the scratch buffer when the pads are asymmetric), a {@link Lowered.MatrixProduct}
 * (cuBLAS: Gemm and MatMul), or nothing (a view). A step the CUDA plan cannot run raises
 * {@link UnsupportedOperatorException} naming the operator and the node (and pointing to {@code --backend cpu}).
 * The arithmetic of each launch mirrors the reference executor's, which the host tests check.
 */
public final class PlanLowering {

    private PlanLowering() {
    }

    /** What one plan step becomes on the device. */
    public sealed interface Lowered {
        PlanStep step();

        /** Kernel launches, in order. */
        record Launches(PlanStep step, List<PlanLaunch> launches) implements Lowered {
            public Launches {
                launches = List.copyOf(launches);
            }
        }

        /**
         * A cuDNN convolution. {@code input} is the operand cuDNN reads: the step's input, or the scratch
         * buffer after {@code prePad} (then {@code inputShape} is the padded shape and the pads are zero).
         */
        record Convolution(PlanStep step, ConvDescriptor conv, PlanLaunch prePad, Pointer input, long[] inputShape,
                           long[] padsBegin, Pointer weight, Pointer bias, Pointer residual, Pointer output,
                           long[] outputShape, boolean half) implements Lowered {
        }

        /**
         * {@code batch} row-major products {@code Y[m, n] = alpha * op(A)[m, k] op(B)[k, n] + beta * Y}, the
         * operands {@code stride*} elements apart (0: shared); {@code fillY} first writes C broadcast into Y.
         */
        record MatrixProduct(PlanStep step, Pointer a, boolean transA, Pointer b, boolean transB, Pointer y, int m,
                             int n, int k, float alpha, float beta, int batch, long strideA, long strideB,
                             long strideY, PlanLaunch fillY) implements Lowered {
        }

        /** A view: the output is the input's bytes. */
        record Nothing(PlanStep step) implements Lowered {
        }
    }

    /**
     * A weight the device holds as fp16: {@code source} (a plan weight or an extra weight) rounded to fp16,
     * and for a convolution filter {@code [K, C, R, S]} reordered to channels-last {@code [K, R, S, C]}.
     */
    public record HalfWeight(String source, boolean channelsLast) {
    }

    /**
     * The lowered plan: one entry per step (conversion launches are entries of their own, before the step
     * that needs them), weights the lowering made (BatchNormalization's folded scale and shift), weights held
     * as fp16, the values stored as fp16 NHWC ({@link HalfRegions}; empty unless FP16 storage was asked for),
     * the scratch bytes the pre-pads need, the arena bytes (the plan's own plus one buffer per conversion), and
     * the number of conversions between the two storages.
     */
    public record Lowering(List<Lowered> steps, Map<String, TensorValue> extraWeights, Map<String, HalfWeight> halfWeights,
                           Set<String> halfValues, long scratchBytes, long arenaBytes, int conversions) {
        public Lowering {
            steps = List.copyOf(steps);
            halfWeights = Map.copyOf(halfWeights);
            halfValues = Set.copyOf(halfValues);
        }

        /** True when activation {@code value} is stored as fp16 NHWC. */
        public boolean isHalf(String value) {
            return halfValues.contains(value);
        }
    }

    /** Lowers every step with fp32 storage throughout. */
    public static Lowering lower(Plan plan) {
        return lower(plan, false);
    }

    /**
     * Lowers every step; the first the CUDA plan cannot run raises {@link UnsupportedOperatorException}. With
     * {@code halfStorage} the values {@link HalfRegions#assign} picks are stored as fp16 NHWC: the steps that
     * produce them run their fp16 kernels (cuDNN in HALF with NHWC descriptors for convolutions), spatial
     * reductions read them directly, and every other read across the two storages goes through a converted
     * copy made once, just before its first reader.
     */
    public static Lowering lower(Plan plan, boolean halfStorage) {
        return lower(plan, halfStorage, Set.of());
    }

    /** {@link #lower(Plan, boolean)} with the steps of index {@code fp32Steps} kept in fp32 storage. */
    public static Lowering lower(Plan plan, boolean halfStorage, Set<Integer> fp32Steps) {
        Map<String, TensorValue> extra = new LinkedHashMap<>();
        Map<String, HalfWeight> halfWeights = new LinkedHashMap<>();
        Set<String> half = halfStorage ? HalfRegions.assign(plan, fp32Steps) : Set.of();
        long[] scratch = {0};
        List<Lowered> out = new ArrayList<>();
        long opset = plan.graph().opset();
        Map<String, BufferSlot> converted = new HashMap<>();
        long[] arenaEnd = {plan.arenaBytes()};
        for (PlanStep step : plan.steps()) {
            if (half.isEmpty() || step.isView()) {
                out.add(lower(step, opset, extra, scratch));
                continue;
            }
            boolean runsHalf = HalfRegions.capable(step, opset)
                    && half.contains(((Operand.Activation) step.outputs().get(0)).slot().value());
            boolean readsHalf = !runsHalf && HalfRegions.spatialReducer(step, opset)
                    && half.contains(((Operand.Activation) step.inputs().get(0)).slot().value());
            List<PlanLaunch> conversions = new ArrayList<>();
            List<Operand> inputs = new ArrayList<>();
            for (int i = 0; i < step.inputs().size(); i++) {
                Operand op = step.inputs().get(i);
                if (op instanceof Operand.Activation(BufferSlot s) && s.type() == DataType.FLOAT) {
                    boolean want = runsHalf || (readsHalf && i == 0);
                    if (want != half.contains(s.value())) {
                        op = new Operand.Activation(convertedCopy(s, want, step, converted, arenaEnd, conversions));
                    }
                }
                inputs.add(op);
            }
            PlanStep s2 = new PlanStep(step.index(), step.node(), inputs, step.outputs(), step.conv());
            if (!conversions.isEmpty()) {
                out.add(new Lowered.Launches(step, conversions));
            }
            if (runsHalf) {
                out.add(lowerHalf(s2, opset, halfWeights, scratch));
            } else if (readsHalf) {
                out.add(new Lowered.Launches(step, List.of(halfReader(s2))));
            } else {
                out.add(lower(s2, opset, extra, scratch));
            }
        }
        return new Lowering(out, extra, halfWeights, half, scratch[0], align(arenaEnd[0]), converted.size());
    }

    private static long align(long bytes) {
        return (bytes + 255) / 256 * 256;
    }

    /**
     * The copy of {@code s} in the other storage (fp16 NHWC when {@code toHalf}, else fp32 NCHW), in a buffer
     * of its own past the plan's arena; the conversion launch is added to {@code launches} the first time.
     */
    private static BufferSlot convertedCopy(BufferSlot s, boolean toHalf, PlanStep reader, Map<String, BufferSlot> done,
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

    /** {N, C, H, W}-indexed values in storage order {N, H, W, C}. */
    static long[] toChannelsLast(long[] v) {
        return new long[] {v[0], v[2], v[3], v[1]};
    }

    /** Element strides, per NCHW axis, of a tensor of NCHW shape {@code x} stored channels-last. */
    static long[] channelsLastStrides(long[] x) {
        return new long[] {x[1] * x[2] * x[3], 1, x[3] * x[1], x[1]};
    }

    /** The step (one {@link HalfRegions#capable} says runs in fp16) on fp16 NHWC operands. */
    private static Lowered lowerHalf(PlanStep step, long opset, Map<String, HalfWeight> halfWeights, long[] scratch) {
        Node node = step.node();
        if (step.conv() != null) {
            return halfConvolution(step, halfWeights, scratch);
        }
        List<PlanLaunch> l = new ArrayList<>();
        switch (node.opType()) {
            case "Relu" -> l.add(halfUnary(unary(step, 0, 0f, 0f)));
            case "LeakyRelu" -> l.add(halfUnary(unary(step, 1, node.floatAttr("alpha", 0.01f), 0f)));
            case "Clip" -> l.add(halfUnary(clip(step, opset)));
            case "Sigmoid" -> l.add(halfUnary(unary(step, 3, 0f, 0f)));
            case "HardSigmoid" -> l.add(halfUnary(unary(step, 4, node.floatAttr("alpha", 0.2f), node.floatAttr("beta", 0.5f))));
            case "HardSwish" -> l.add(halfUnary(unary(step, 5, 0f, 0f)));
            case "Tanh" -> l.add(halfUnary(unary(step, 6, 0f, 0f)));
            case "Identity", "Dropout" -> l.add(halfUnary(copy(step)));
            case "Add" -> l.add(halfBinary(step, 0));
            case "Sub" -> l.add(halfBinary(step, 1));
            case "Mul" -> l.add(halfBinary(step, 2));
            case "Div" -> l.add(halfBinary(step, 3));
            case "PRelu" -> l.add(halfBinary(step, 4));
            case "MaxPool", "AveragePool" -> l.add(halfPool(pool(step), shape(step.inputs().get(0))[1]));
            case "Pad" -> l.add(halfPad(pad(step, opset)));
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
    private static PlanLaunch halfReader(PlanStep step) {
        long[] x = shape(step.inputs().get(0));
        if (step.node().opType().equals("Transpose")) {
            // The fp32 Transpose's strided copy with the source strides of the channels-last input.
            PlanLaunch t = transpose(step);
            long[] m = t.meta();
            long[] perm = step.node().intsAttr("perm");
            long[] inStrides = channelsLastStrides(x);
            for (int i = 0; i < 4; i++) {
                m[4 + i] = inStrides[perm == null ? 3 - i : (int) perm[i]];
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
        int axis = axis(step.node(), step.node().intAttr("axis", 0), 4);
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
        Operand xOp = step.inputs().get(0);
        long[] x = shape(xOp);
        Pointer input = pointer(xOp);
        long[] padsBegin = c.padsBegin().clone();
        PlanLaunch prePad = null;
        if (!c.symmetric()) {
            long[] padded = x.clone();
            long[] begin = new long[4];
            for (int i = 0; i < 2; i++) {
                padded[2 + i] = x[2 + i] + c.padsBegin()[i] + c.padsEnd()[i];
                begin[2 + i] = c.padsBegin()[i];
            }
            PlanLaunch p = padLaunch(input, Pointer.scratch(0), toChannelsLast(x), toChannelsLast(padded),
                    toChannelsLast(begin), 0, 0f);
            prePad = new PlanLaunch("occ_plan_pad_h", p.work(), p.args(), p.meta());
            scratch[0] = Math.max(scratch[0], 2 * count(padded));
            x = padded;
            input = Pointer.scratch(0);
            padsBegin = new long[2];
        }
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
        return new Lowered.Convolution(step, c, prePad, input, x, padsBegin, Pointer.weight(wHalf), bias, residual,
                pointer(step.outputs().get(0)), shape(step.outputs().get(0)), true);
    }

    static Lowered lower(PlanStep step, long opset, Map<String, TensorValue> extra, long[] scratch) {
        Node node = step.node();
        if (step.isView()) {
            return new Lowered.Nothing(step);
        }
        if (node.domain().equals(Node.OCCLUSION4J_DOMAIN) && node.opType().equals(Operators.FUSED_CONV)) {
            String act = node.stringAttr("activation", "");
            if (!act.isEmpty() && !act.equals("Relu")) {
                throw new UnsupportedOperatorException(node, "activation '" + act + "'");
            }
            return convolution(step, scratch);
        }
        if (!node.domain().isEmpty()) {
            throw new UnsupportedOperatorException(node, "");
        }
        List<PlanLaunch> l = new ArrayList<>();
        switch (node.opType()) {
            case "Conv" -> {
                return convolution(step, scratch);
            }
            case "Gemm" -> {
                return gemm(step);
            }
            case "MatMul" -> {
                return matMul(step);
            }
            case "Relu" -> l.add(unary(step, 0, 0f, 0f));
            case "LeakyRelu" -> l.add(unary(step, 1, node.floatAttr("alpha", 0.01f), 0f));
            case "Clip" -> l.add(clip(step, opset));
            case "Sigmoid" -> l.add(unary(step, 3, 0f, 0f));
            case "HardSigmoid" -> l.add(unary(step, 4, node.floatAttr("alpha", 0.2f), node.floatAttr("beta", 0.5f)));
            case "HardSwish" -> l.add(unary(step, 5, 0f, 0f));
            case "Tanh" -> l.add(unary(step, 6, 0f, 0f));
            case "Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze" -> l.add(copy(step));
            case "Dropout" -> {
                if (step.outputs().size() > 1 && !(step.outputs().get(1) instanceof Operand.Absent)) {
                    throw new UnsupportedOperatorException(node, "the mask output");
                }
                l.add(copy(step));
            }
            case "Cast" -> {
                if (node.intAttr("to", -1) != DataType.FLOAT.onnxCode()) {
                    throw runtimeIntegers(node);
                }
                l.add(copy(step));
            }
            case "Add" -> l.add(binary(step, 0));
            case "Sub" -> l.add(binary(step, 1));
            case "Mul" -> l.add(binary(step, 2));
            case "Div" -> l.add(binary(step, 3));
            case "PRelu" -> l.add(binary(step, 4));
            case "BatchNormalization" -> batchNorm(step, extra, l);
            case "Concat" -> concat(step, l);
            case "Transpose" -> l.add(transpose(step));
            case "Slice" -> l.add(slice(step, opset));
            case "Pad" -> l.add(pad(step, opset));
            case "Softmax" -> l.add(softmax(step, opset));
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                long[] x = shape(step.inputs().get(0));
                requireFloat(step);
                long spatial = count(Arrays.copyOfRange(x, 2, x.length));
                l.add(reduce(step, x[0] * x[1], spatial, 1, node.opType().equals("GlobalMaxPool")));
            }
            case "ReduceMean" -> l.add(reduceMean(step, opset));
            case "MaxPool", "AveragePool" -> l.add(pool(step));
            default -> throw runtimeIntegers(node);
        }
        return new Lowered.Launches(step, l);
    }

    private static PlanLaunch clip(PlanStep step, long opset) {
        Node node = step.node();
        float lo;
        float hi;
        if (opset < 11) {
            lo = node.floatAttr("min", -Float.MAX_VALUE);
            hi = node.floatAttr("max", Float.MAX_VALUE);
        } else {
            lo = present(step, 1) ? constant(step, 1).floats()[0] : Float.NEGATIVE_INFINITY;
            hi = present(step, 2) ? constant(step, 2).floats()[0] : Float.POSITIVE_INFINITY;
        }
        return unary(step, 2, lo, hi);
    }

    private static UnsupportedOperatorException runtimeIntegers(Node node) {
        return new UnsupportedOperatorException(node, "the CUDA plan runs float tensors only; this node is left"
                + " after constant folding and computes on integer or shape values at run time");
    }

    // ------------------------------------------------------------------------------------------ operands

    static Pointer pointer(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> Pointer.arena(s.offset());
            case Operand.Weight(String name, TensorValue v) -> Pointer.weight(name);
            case Operand.Absent() -> throw new IllegalArgumentException("an absent operand has no pointer");
        };
    }

    static long[] shape(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> s.shape();
            case Operand.Weight(String name, TensorValue v) -> v.shape();
            case Operand.Absent() -> throw new IllegalArgumentException("an absent operand has no shape");
        };
    }

    static DataType type(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> s.type();
            case Operand.Weight(String name, TensorValue v) -> v.type();
            case Operand.Absent() -> DataType.FLOAT;
        };
    }

    private static TensorValue constant(PlanStep step, int i) {
        if (i < step.inputs().size() && step.inputs().get(i) instanceof Operand.Weight(String name, TensorValue v)) {
            return v;
        }
        throw new UnsupportedOperatorException(step.node(), "input " + i + " must be a constant for the CUDA plan");
    }

    private static boolean present(PlanStep step, int i) {
        return i < step.inputs().size() && !(step.inputs().get(i) instanceof Operand.Absent);
    }

    private static void requireFloat(PlanStep step) {
        for (Operand op : step.inputs()) {
            if (op instanceof Operand.Activation && type(op) != DataType.FLOAT) {
                throw runtimeIntegers(step.node());
            }
        }
        for (Operand op : step.outputs()) {
            if (!(op instanceof Operand.Absent) && type(op) != DataType.FLOAT) {
                throw runtimeIntegers(step.node());
            }
        }
    }

    /** Elements of a shape (1 for a scalar). */
    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static long[] contiguousStrides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Element strides of {@code shape} read as broadcast to {@code out} (right-aligned, 0 on broadcast axes). */
    static long[] broadcastStrides(long[] shape, long[] out) {
        long[] own = contiguousStrides(shape);
        long[] s = new long[out.length];
        int shift = out.length - shape.length;
        for (int d = 0; d < out.length; d++) {
            int a = d - shift;
            s[d] = a < 0 || shape[a] == 1 ? 0 : own[a];
        }
        return s;
    }

    private static long[] join(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] r = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------ launches

    static PlanLaunch unary(PlanStep step, int op, float a, float b) {
        requireFloat(step);
        long n = count(shape(step.outputs().get(0)));
        return new PlanLaunch("occ_plan_unary", n, List.of(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)),
                new Arg.I64(n), new Arg.I32(op), new Arg.F32(a), new Arg.F32(b)), new long[0]);
    }

    private static PlanLaunch copy(PlanStep step) {
        return unary(step, 7, 0f, 0f);
    }

    static PlanLaunch binary(PlanStep step, int op) {
        requireFloat(step);
        Operand a = step.inputs().get(0);
        Operand b = step.inputs().get(1);
        Operand y = step.outputs().get(0);
        long[] out = shape(y);
        long n = count(out);
        long[] meta = join(out, broadcastStrides(shape(a), out), broadcastStrides(shape(b), out));
        return binaryLaunch(pointer(a), pointer(b), pointer(y), n, op, out.length, meta);
    }

    private static PlanLaunch binaryLaunch(Pointer a, Pointer b, Pointer y, long n, int op, int rank, long[] meta) {
        return new PlanLaunch("occ_plan_binary", n, List.of(a, b, y, new Arg.I64(n), new Arg.I32(op), new Arg.I32(rank),
                new Arg.Meta()), meta);
    }

    /** A strided copy of every index of {@code dims}. */
    static PlanLaunch stridedCopy(Pointer src, Pointer dst, long[] dims, long[] srcStrides, long[] dstStrides,
                                  long srcBase, long dstBase) {
        long n = count(dims);
        long[] meta = join(dims, srcStrides, dstStrides, new long[] {srcBase, dstBase});
        return new PlanLaunch("occ_plan_strided_copy", n, List.of(src, dst, new Arg.I64(n), new Arg.I32(dims.length),
                new Arg.Meta()), meta);
    }

    private static void batchNorm(PlanStep step, Map<String, TensorValue> extra, List<PlanLaunch> l) {
        Node node = step.node();
        requireFloat(step);
        for (int i = 1; i < node.outputs().size(); i++) {
            if (!node.output(i).isEmpty()) {
                throw new UnsupportedOperatorException(node, "training-mode outputs (running mean/var)");
            }
        }
        float eps = node.floatAttr("epsilon", 1e-5f);
        float[] scale = constant(step, 1).floats();
        float[] bias = constant(step, 2).floats();
        float[] mean = constant(step, 3).floats();
        float[] var = constant(step, 4).floats();
        long[] x = shape(step.inputs().get(0));
        int c = scale.length;
        float[] a = new float[c];
        float[] b = new float[c];
        for (int ch = 0; ch < c; ch++) {
            a[ch] = (float) (scale[ch] / Math.sqrt(var[ch] + (double) eps));
            b[ch] = bias[ch] - mean[ch] * a[ch];
        }
        String an = "__occlusion4j_bn_scale:" + node.name();
        String bn = "__occlusion4j_bn_shift:" + node.name();
        extra.put(an, TensorValue.ofFloats(new long[] {c}, a));
        extra.put(bn, TensorValue.ofFloats(new long[] {c}, b));
        long[] perChannel = new long[x.length];
        if (x.length > 1) {
            perChannel[1] = 1;
        }
        long n = count(x);
        long[] meta = join(x, contiguousStrides(x), perChannel);
        Pointer xp = pointer(step.inputs().get(0));
        Pointer yp = pointer(step.outputs().get(0));
        // y = x * a, then y = y + b: the reference's two roundings, element by element in place.
        l.add(binaryLaunch(xp, Pointer.weight(an), yp, n, 2, x.length, meta));
        l.add(binaryLaunch(yp, Pointer.weight(bn), yp, n, 0, x.length, meta));
    }

    private static void concat(PlanStep step, List<PlanLaunch> l) {
        requireFloat(step);
        long[] out = shape(step.outputs().get(0));
        int axis = axis(step.node(), step.node().intAttr("axis", 0), out.length);
        long[] outStrides = contiguousStrides(out);
        long at = 0;
        for (Operand in : step.inputs()) {
            long[] s = shape(in);
            if (count(s) > 0) {
                l.add(stridedCopy(pointer(in), pointer(step.outputs().get(0)), s, contiguousStrides(s), outStrides, 0,
                        at * outStrides[axis]));
            }
            at += s[axis];
        }
    }

    private static PlanLaunch transpose(PlanStep step) {
        requireFloat(step);
        long[] in = shape(step.inputs().get(0));
        long[] perm = step.node().intsAttr("perm");
        if (perm == null) {
            perm = new long[in.length];
            for (int i = 0; i < in.length; i++) {
                perm[i] = in.length - 1 - i;
            }
        }
        long[] out = shape(step.outputs().get(0));
        long[] inStrides = contiguousStrides(in);
        long[] src = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            src[i] = inStrides[(int) perm[i]];
        }
        return stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), out, src,
                contiguousStrides(out), 0, 0);
    }

    private static PlanLaunch slice(PlanStep step, long opset) {
        requireFloat(step);
        Node node = step.node();
        long[] in = shape(step.inputs().get(0));
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset < 10) {
            starts = node.intsAttr("starts");
            ends = node.intsAttr("ends");
            axes = node.intsAttr("axes");
        } else {
            starts = constant(step, 1).toLongs();
            ends = constant(step, 2).toLongs();
            axes = present(step, 3) ? constant(step, 3).toLongs() : null;
            steps = present(step, 4) ? constant(step, 4).toLongs() : null;
        }
        long[] inStrides = contiguousStrides(in);
        long[] src = inStrides.clone();
        long base = 0;
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : axis(node, axes[i], in.length);
            long dim = in[a];
            long st = steps == null ? 1 : steps[i];
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            s = st > 0 ? Math.clamp(s, 0, dim) : Math.clamp(s, 0, dim - 1);
            base += s * inStrides[a];
            src[a] = st * inStrides[a];
        }
        long[] out = shape(step.outputs().get(0));
        return stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), out, src,
                contiguousStrides(out), base, 0);
    }

    private static PlanLaunch pad(PlanStep step, long opset) {
        requireFloat(step);
        Node node = step.node();
        long[] in = shape(step.inputs().get(0));
        int r = in.length;
        String mode = node.stringAttr("mode", "constant");
        int m = switch (mode) {
            case "constant" -> 0;
            case "edge" -> 1;
            case "reflect" -> 2;
            default -> throw new UnsupportedOperatorException(node, "mode '" + mode + "'");
        };
        long[] pads;
        float value;
        if (opset < 11) {
            pads = node.intsAttr(opset < 2 ? "paddings" : "pads");
            value = node.floatAttr("value", 0f);
        } else {
            long[] given = constant(step, 1).toLongs();
            value = present(step, 2) && constant(step, 2).size() > 0 ? (float) constant(step, 2).get(0) : 0f;
            if (present(step, 3)) {
                long[] ax = constant(step, 3).toLongs();
                pads = new long[2 * r];
                for (int i = 0; i < ax.length; i++) {
                    int a = axis(node, ax[i], r);
                    pads[a] = given[i];
                    pads[a + r] = given[i + ax.length];
                }
            } else {
                pads = given;
            }
        }
        long[] out = shape(step.outputs().get(0));
        return padLaunch(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), in, out,
                Arrays.copyOf(pads, r), m, value);
    }

    static PlanLaunch padLaunch(Pointer x, Pointer y, long[] in, long[] out, long[] padsBegin, int mode, float value) {
        long n = count(out);
        return new PlanLaunch("occ_plan_pad", n, List.of(x, y, new Arg.I64(n), new Arg.I32(in.length), new Arg.I32(mode),
                new Arg.F32(value), new Arg.Meta()), join(out, in, padsBegin));
    }

    private static PlanLaunch softmax(PlanStep step, long opset) {
        requireFloat(step);
        long[] x = shape(step.inputs().get(0));
        int r = x.length;
        if (r == 0) {
            return softmaxLaunch(step, 1, 1, 1);
        }
        int axis = axis(step.node(), step.node().intAttr("axis", opset >= 13 ? -1 : 1), r);
        long outer = count(Arrays.copyOfRange(x, 0, axis));
        if (opset < 13) {
            return softmaxLaunch(step, outer, count(Arrays.copyOfRange(x, axis, r)), 1);
        }
        return softmaxLaunch(step, outer, x[axis], count(Arrays.copyOfRange(x, axis + 1, r)));
    }

    private static PlanLaunch softmaxLaunch(PlanStep step, long outer, long len, long inner) {
        return new PlanLaunch("occ_plan_softmax", outer * inner, List.of(pointer(step.inputs().get(0)),
                pointer(step.outputs().get(0)), new Arg.I64(outer), new Arg.I64(len), new Arg.I64(inner)), new long[0]);
    }

    private static PlanLaunch reduce(PlanStep step, long outer, long len, long inner, boolean max) {
        return new PlanLaunch("occ_plan_reduce", outer * inner, List.of(pointer(step.inputs().get(0)),
                pointer(step.outputs().get(0)), new Arg.I64(outer), new Arg.I64(len), new Arg.I64(inner),
                new Arg.I32(max ? 1 : 0)), new long[0]);
    }

    private static PlanLaunch reduceMean(PlanStep step, long opset) {
        requireFloat(step);
        Node node = step.node();
        long[] x = shape(step.inputs().get(0));
        long[] axes = opset >= 18 ? (present(step, 1) ? constant(step, 1).toLongs() : null) : node.intsAttr("axes");
        if (axes == null && opset >= 18 && node.intAttr("noop_with_empty_axes", 0) != 0) {
            return copy(step);
        }
        boolean[] reduced = new boolean[x.length];
        if (axes == null || axes.length == 0) {
            Arrays.fill(reduced, true);
        } else {
            for (long a : axes) {
                reduced[axis(node, a, x.length)] = true;
            }
        }
        int first = -1;
        int last = -1;
        for (int a = 0; a < x.length; a++) {
            if (reduced[a] && x[a] != 1) {
                first = first < 0 ? a : first;
                last = a;
            }
        }
        if (first < 0) {
            return copy(step);
        }
        for (int a = first; a <= last; a++) {
            if (!reduced[a] && x[a] != 1) {
                // Axes that are not adjacent: the general kernel walks the kept and the reduced axes.
                if (x.length > 8) {
                    throw new UnsupportedOperatorException(node, "ReduceMean over " + x.length + " axes (at most 8)");
                }
                long[] mask = new long[x.length];
                long len = 1;
                for (int d = 0; d < x.length; d++) {
                    mask[d] = reduced[d] ? 1 : 0;
                    len *= reduced[d] ? x[d] : 1;
                }
                long rows = count(x) / Math.max(1, len);
                return new PlanLaunch("occ_plan_reduce_axes", rows, List.of(pointer(step.inputs().get(0)),
                        pointer(step.outputs().get(0)), new Arg.I64(rows), new Arg.I64(len), new Arg.I32(x.length),
                        new Arg.I32(0), new Arg.Meta()), join(x, mask));
            }
        }
        return reduce(step, count(Arrays.copyOfRange(x, 0, first)),
                count(Arrays.copyOfRange(x, first, last + 1)),
                count(Arrays.copyOfRange(x, last + 1, x.length)), false);
    }

    private static PlanLaunch pool(PlanStep step) {
        requireFloat(step);
        Node node = step.node();
        boolean max = node.opType().equals("MaxPool");
        if (max && node.outputs().size() > 1 && !node.output(1).isEmpty()) {
            throw new UnsupportedOperatorException(node, "the Indices output");
        }
        long[] x = shape(step.inputs().get(0));
        long[] y = shape(step.outputs().get(0));
        int r = x.length - 2;
        if (r < 1 || r > 8) {
            throw new UnsupportedOperatorException(node, "pooling over " + r + " spatial axes");
        }
        long[] in = Arrays.copyOfRange(x, 2, x.length);
        long[] out = Arrays.copyOfRange(y, 2, y.length);
        long[] kernel = node.intsAttr("kernel_shape");
        long[] strides = orOnes(node.intsAttr("strides"), r);
        long[] dilations = orOnes(node.intsAttr("dilations"), r);
        long[] pads = resolvedPads(node, in, kernel, strides, dilations);
        long n = x[0] * x[1] * count(out);
        boolean countPads = !max && node.intAttr("count_include_pad", 0) != 0;
        return new PlanLaunch("occ_plan_pool", n, List.of(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)),
                new Arg.I64(n), new Arg.I32(r), new Arg.I32(max ? 1 : 0), new Arg.I32(countPads ? 1 : 0), new Arg.Meta()),
                join(in, out, kernel, strides, dilations, Arrays.copyOfRange(pads, 0, r), Arrays.copyOfRange(pads, r, 2 * r)));
    }

    private static long[] orOnes(long[] v, int r) {
        if (v != null) {
            return v;
        }
        long[] ones = new long[r];
        Arrays.fill(ones, 1);
        return ones;
    }

    /** Begin then end pads with auto_pad resolved, as the reference resolves them. */
    static long[] resolvedPads(Node node, long[] in, long[] kernel, long[] strides, long[] dilations) {
        int r = in.length;
        long[] p = new long[2 * r];
        String autoPad = node.stringAttr("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] pads = node.intsAttr("pads");
                if (pads != null) {
                    System.arraycopy(pads, 0, p, 0, 2 * r);
                }
            }
            case "VALID" -> {
            }
            default -> {
                for (int i = 0; i < r; i++) {
                    long out = (in[i] + strides[i] - 1) / strides[i];
                    long span = dilations[i] * (kernel[i] - 1) + 1;
                    long total = Math.max(0, (out - 1) * strides[i] + span - in[i]);
                    long small = total / 2;
                    long large = total - small;
                    p[i] = autoPad.equals("SAME_UPPER") ? small : large;
                    p[i + r] = autoPad.equals("SAME_UPPER") ? large : small;
                }
            }
        }
        return p;
    }

    static int axis(Node node, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new UnsupportedOperatorException(node, "axis " + axis + " for rank " + rank);
        }
        return (int) a;
    }

    // ------------------------------------------------------------------------------ convolution and GEMM

    private static Lowered convolution(PlanStep step, long[] scratch) {
        requireFloat(step);
        ConvDescriptor c = step.conv();
        if (c == null) {
            throw new UnsupportedOperatorException(step.node(), "no convolution descriptor in the plan");
        }
        if (c.spatialRank() < 1 || c.spatialRank() > 3) {
            throw new UnsupportedOperatorException(step.node(), c.spatialRank() + "-d convolution");
        }
        Operand xOp = step.inputs().get(0);
        long[] x = shape(xOp);
        Pointer input = pointer(xOp);
        long[] padsBegin = c.padsBegin().clone();
        PlanLaunch prePad = null;
        if (!c.symmetric()) {
            // cuDNN takes one pad per axis: pad explicitly into the scratch buffer, then convolve unpadded.
            long[] padded = x.clone();
            long[] begin = new long[x.length];
            for (int i = 0; i < c.spatialRank(); i++) {
                padded[2 + i] = x[2 + i] + c.padsBegin()[i] + c.padsEnd()[i];
                begin[2 + i] = c.padsBegin()[i];
            }
            prePad = padLaunch(input, Pointer.scratch(0), x, padded, begin, 0, 0f);
            scratch[0] = Math.max(scratch[0], 4 * count(padded));
            x = padded;
            input = Pointer.scratch(0);
            padsBegin = new long[c.spatialRank()];
        }
        Pointer bias = present(step, 2) ? pointer(step.inputs().get(2)) : null;
        Pointer residual = present(step, 3) ? pointer(step.inputs().get(3)) : null;
        return new Lowered.Convolution(step, c, prePad, input, x, padsBegin, pointer(step.inputs().get(1)), bias, residual,
                pointer(step.outputs().get(0)), shape(step.outputs().get(0)), false);
    }

    private static Lowered gemm(PlanStep step) {
        requireFloat(step);
        Node node = step.node();
        long[] a = shape(step.inputs().get(0));
        long[] b = shape(step.inputs().get(1));
        boolean ta = node.intAttr("transA", 0) != 0;
        boolean tb = node.intAttr("transB", 0) != 0;
        float alpha = node.floatAttr("alpha", 1f);
        float beta = node.floatAttr("beta", 1f);
        int m = Math.toIntExact(a[ta ? 1 : 0]);
        int k = Math.toIntExact(a[ta ? 0 : 1]);
        int n = Math.toIntExact(b[tb ? 0 : 1]);
        Pointer y = pointer(step.outputs().get(0));
        PlanLaunch fill = null;
        if (present(step, 2) && beta != 0f) {
            long[] out = {m, n};
            fill = stridedCopy(pointer(step.inputs().get(2)), y, out, broadcastStrides(shape(step.inputs().get(2)), out),
                    contiguousStrides(out), 0, 0);
        } else {
            beta = 0f;
        }
        return new Lowered.MatrixProduct(step, pointer(step.inputs().get(0)), ta, pointer(step.inputs().get(1)), tb, y, m,
                n, k, alpha, beta, 1, 0, 0, 0, fill);
    }

    private static Lowered matMul(PlanStep step) {
        requireFloat(step);
        long[] as = shape(step.inputs().get(0));
        long[] bs = shape(step.inputs().get(1));
        if (as.length == 1) {
            as = new long[] {1, as[0]};
        }
        if (bs.length == 1) {
            bs = new long[] {bs[0], 1};
        }
        int m = Math.toIntExact(as[as.length - 2]);
        int k = Math.toIntExact(as[as.length - 1]);
        int n = Math.toIntExact(bs[bs.length - 1]);
        long aBatch = count(Arrays.copyOf(as, as.length - 2));
        long bBatch = count(Arrays.copyOf(bs, bs.length - 2));
        Pointer a = pointer(step.inputs().get(0));
        Pointer b = pointer(step.inputs().get(1));
        Pointer y = pointer(step.outputs().get(0));
        if (bBatch == 1) {
            // Every A matrix times the one B: the batch folds into the rows of one product.
            return new Lowered.MatrixProduct(step, a, false, b, false, y, Math.toIntExact(aBatch * m), n, k, 1f, 0f, 1, 0, 0,
                    0, null);
        }
        long[] ab = Arrays.copyOf(as, as.length - 2);
        long[] bb = Arrays.copyOf(bs, bs.length - 2);
        if (aBatch == 1 || Arrays.equals(ab, bb)) {
            return new Lowered.MatrixProduct(step, a, false, b, false, y, m, n, k, 1f, 0f, Math.toIntExact(bBatch),
                    aBatch == 1 ? 0 : (long) m * k, (long) k * n, (long) m * n, null);
        }
        throw new UnsupportedOperatorException(step.node(), "MatMul with batch dimensions " + Arrays.toString(ab) + " and "
                + Arrays.toString(bb) + " broadcast against each other");
    }
}
