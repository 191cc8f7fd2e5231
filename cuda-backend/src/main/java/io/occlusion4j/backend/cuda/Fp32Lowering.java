// The fp32 half of the plan lowering: each step on fp32 NCHW operands.
package io.occlusion4j.backend.cuda;

import static io.occlusion4j.backend.cuda.LoweringOperands.*;

import io.occlusion4j.graph.BatchNormSpec;
import io.occlusion4j.graph.ClipSpec;
import io.occlusion4j.graph.ConcatSpec;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.GeluSpec;
import io.occlusion4j.graph.LayerNormSpec;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.Operators;
import io.occlusion4j.graph.PadSpec;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.ReduceSpec;
import io.occlusion4j.graph.SliceSpec;
import io.occlusion4j.graph.SoftmaxSpec;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.TransposeSpec;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.graph.Window;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The lowering of one plan step with fp32 storage: launches of {@code plan_ops.cu} (activations, broadcast
 * arithmetic, Concat, Transpose, Slice, Pad, Softmax, pooling, reductions, BatchNormalization left unfolded), a
 * {@link Lowered.Convolution} (cuDNN, with a pre-pad launch into the scratch buffer when the pads are asymmetric), a
 * {@link Lowered.MatrixProduct} (cuBLAS: Gemm and MatMul), or nothing (a view). Attributes come decoded from the
 * graph's operator specs ({@link SliceSpec}, {@link PadSpec}, ...), as the reference executor reads them.
 */
final class Fp32Lowering {
    private Fp32Lowering() {
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
            return ProductLowering.convolution(step, scratch);
        }
        if (!node.domain().isEmpty()) {
            throw new UnsupportedOperatorException(node, "");
        }
        List<PlanLaunch> l = new ArrayList<>();
        switch (node.opType()) {
            case "Conv" -> {
                return ProductLowering.convolution(step, scratch);
            }
            case "Gemm" -> {
                return ProductLowering.gemm(step);
            }
            case "MatMul" -> {
                return ProductLowering.matMul(step);
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
            case "Erf" -> l.add(unary(step, 8, 0f, 0f));
            case "Sqrt" -> l.add(unary(step, 9, 0f, 0f));
            case "Gelu" -> l.add(unary(step, GeluSpec.of(node).tanh() ? 11 : 10, 0f, 0f));
            case "Pow" -> l.add(binary(step, 5));
            case "LayerNormalization" -> l.add(layerNorm(step));
            case "Gather" -> gather(step, l);
            case "Expand" -> l.add(expand(step));
            case "Where" -> l.add(where(step, extra));
            default -> throw unsupported(step);
        }
        return new Lowered.Launches(step, l);
    }

    /** Why a step the lowering has no case for cannot run: integer or shape values at run time, or no kernel. */
    private static UnsupportedOperatorException unsupported(PlanStep step) {
        requireFloat(step);
        return new UnsupportedOperatorException(step.node(), "the CUDA plan has no kernel for " + step.node().opType()
                + " on float tensors whose operands are not all known before running");
    }

    private static PlanLaunch layerNorm(PlanStep step) {
        requireFloat(step);
        Node node = step.node();
        long[] x = shape(step.inputs().get(0));
        LayerNormSpec.requireOneOutput(node);
        int axis = LayerNormSpec.of(node).axis(node, x.length);
        long len = count(Arrays.copyOfRange(x, axis, x.length));
        for (int i = 1; i <= 2; i++) {
            if (present(step, i) && count(shape(step.inputs().get(i))) != len) {
                throw new UnsupportedOperatorException(node, "input " + i + " of shape "
                        + Arrays.toString(shape(step.inputs().get(i))) + " broadcast over the normalised axes");
            }
        }
        long rows = len == 0 ? 0 : count(x) / len;
        boolean bias = present(step, 2);
        Pointer b = bias ? pointer(step.inputs().get(2)) : pointer(step.inputs().get(1));
        return new PlanLaunch("occ_plan_layer_norm", rows, List.of(pointer(step.inputs().get(0)),
                pointer(step.inputs().get(1)), b, pointer(step.outputs().get(0)), new Arg.I64(rows), new Arg.I64(len),
                new Arg.F32(LayerNormSpec.of(node).epsilon()), new Arg.I32(bias ? 1 : 0)), new long[0]);
    }

    /** Gather of a float tensor by constant indices: one strided copy of {@code [outer, inner]} per index. */
    private static void gather(PlanStep step, List<PlanLaunch> l) {
        Node node = step.node();
        if (type(step.inputs().get(0)) == DataType.FLOAT && !(step.inputs().get(1) instanceof Operand.Weight)) {
            throw new UnsupportedOperatorException(node, "Gather on a float tensor needs indices known before running;"
                    + " these are computed at run time");
        }
        requireFloat(step);
        long[] x = shape(step.inputs().get(0));
        long[] indices = constant(step, 1).toLongs();
        if (indices.length > 64) {
            throw new UnsupportedOperatorException(node, "Gather of " + indices.length + " indices (at most 64)");
        }
        int axis = axis(node, node.intAttr("axis", 0), x.length);
        long dim = x[axis];
        long outer = count(Arrays.copyOfRange(x, 0, axis));
        long inner = count(Arrays.copyOfRange(x, axis + 1, x.length));
        long k = indices.length;
        long[] dims = {outer, inner};
        for (int j = 0; j < k; j++) {
            long i = indices[j] < 0 ? indices[j] + dim : indices[j];
            if (i < 0 || i >= dim) {
                throw new UnsupportedOperatorException(node, "index " + indices[j] + " out of range for axis " + axis
                        + " of size " + dim);
            }
            l.add(stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), dims,
                    new long[] {dim * inner, 1}, new long[] {k * inner, 1}, i * inner, j * inner));
        }
    }

    /** Where with a condition known before running: the mask uploaded as a float weight, then one select launch. */
    private static PlanLaunch where(PlanStep step, Map<String, TensorValue> extra) {
        Node node = step.node();
        if (!(step.inputs().get(0) instanceof Operand.Weight(String name, TensorValue c))) {
            throw new UnsupportedOperatorException(node, "Where on float tensors needs its condition known before"
                    + " running; this condition is computed at run time");
        }
        for (int i = 1; i <= 2; i++) {
            if (type(step.inputs().get(i)) != DataType.FLOAT) {
                throw runtimeIntegers(node);
            }
        }
        requireFloat(step);
        String mask = "__occlusion4j_where_mask:" + node.name();
        float[] m = new float[c.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = c.getLong(i) != 0 ? 1f : 0f;
        }
        extra.put(mask, TensorValue.ofFloats(c.shape(), m));
        long[] out = shape(step.outputs().get(0));
        long n = count(out);
        long[] meta = join(out, broadcastStrides(c.shape(), out), broadcastStrides(shape(step.inputs().get(1)), out),
                broadcastStrides(shape(step.inputs().get(2)), out));
        return new PlanLaunch("occ_plan_where", n, List.of(Pointer.weight(mask), pointer(step.inputs().get(1)),
                pointer(step.inputs().get(2)), pointer(step.outputs().get(0)), new Arg.I64(n), new Arg.I32(out.length),
                new Arg.Meta()), meta);
    }

    /** Expand of a float tensor: a strided copy that reads broadcast axes with stride 0. */
    private static PlanLaunch expand(PlanStep step) {
        requireFloat(step);
        long[] out = shape(step.outputs().get(0));
        return stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), out,
                broadcastStrides(shape(step.inputs().get(0)), out), contiguousStrides(out), 0, 0);
    }

    static PlanLaunch clip(PlanStep step, long opset) {
        ClipSpec c = ClipSpec.of(step.node(), opset, constants(step));
        return unary(step, 2, c.lo(), c.hi());
    }

    static PlanLaunch unary(PlanStep step, int op, float a, float b) {
        requireFloat(step);
        long n = count(shape(step.outputs().get(0)));
        return new PlanLaunch("occ_plan_unary", n, List.of(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)),
                new Arg.I64(n), new Arg.I32(op), new Arg.F32(a), new Arg.F32(b)), new long[0]);
    }

    static PlanLaunch copy(PlanStep step) {
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

    private static void batchNorm(PlanStep step, Map<String, TensorValue> extra, List<PlanLaunch> l) {
        Node node = step.node();
        requireFloat(step);
        BatchNormSpec bn = BatchNormSpec.of(node, constants(step));
        long[] x = shape(step.inputs().get(0));
        int c = bn.channels();
        String an = "__occlusion4j_bn_scale:" + node.name();
        String bnName = "__occlusion4j_bn_shift:" + node.name();
        extra.put(an, TensorValue.ofFloats(new long[] {c}, bn.scale()));
        extra.put(bnName, TensorValue.ofFloats(new long[] {c}, bn.shift()));
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
        l.add(binaryLaunch(yp, Pointer.weight(bnName), yp, n, 0, x.length, meta));
    }

    private static void concat(PlanStep step, List<PlanLaunch> l) {
        requireFloat(step);
        long[] out = shape(step.outputs().get(0));
        int axis = ConcatSpec.of(step.node()).axis(step.node(), out.length);
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

    static PlanLaunch transpose(PlanStep step) {
        requireFloat(step);
        long[] in = shape(step.inputs().get(0));
        int[] perm = TransposeSpec.of(step.node()).perm(step.node(), in.length);
        long[] out = shape(step.outputs().get(0));
        long[] inStrides = contiguousStrides(in);
        long[] src = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            src[i] = inStrides[perm[i]];
        }
        return stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), out, src,
                contiguousStrides(out), 0, 0);
    }

    private static PlanLaunch slice(PlanStep step, long opset) {
        requireFloat(step);
        Node node = step.node();
        long[] in = shape(step.inputs().get(0));
        SliceSpec spec = SliceSpec.of(node, opset, constants(step));
        long[] inStrides = contiguousStrides(in);
        long[] src = inStrides.clone();
        long base = 0;
        for (int i = 0; i < spec.size(); i++) {
            int a = spec.axis(node, i, in.length);
            SliceSpec.Extent e = spec.extent(node, i, in[a]);
            base += e.start() * inStrides[a];
            src[a] = e.step() * inStrides[a];
        }
        long[] out = shape(step.outputs().get(0));
        return stridedCopy(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), out, src,
                contiguousStrides(out), base, 0);
    }

    static PlanLaunch pad(PlanStep step, long opset) {
        requireFloat(step);
        Node node = step.node();
        long[] in = shape(step.inputs().get(0));
        PadSpec spec = PadSpec.of(node, opset, in.length, constants(step));
        int m = spec.modeCode(node);
        long[] out = shape(step.outputs().get(0));
        return padLaunch(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)), in, out,
                Arrays.copyOf(spec.pads(), in.length), m, (float) spec.value());
    }

    private static PlanLaunch softmax(PlanStep step, long opset) {
        requireFloat(step);
        long[] x = shape(step.inputs().get(0));
        SoftmaxSpec.Extent e = SoftmaxSpec.of(step.node(), opset).extent(step.node(), x);
        return softmaxLaunch(step, e.outer(), e.len(), e.inner());
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
        ReduceSpec spec = ReduceSpec.of(node, opset, constants(step));
        if (spec.noop()) {
            return copy(step);
        }
        boolean[] reduced = spec.reduced(node, x.length);
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

    static PlanLaunch pool(PlanStep step) {
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
        Window w = Window.of(node, r, null);
        long[] kernel = w.kernel();
        long[] strides = w.strides();
        long[] dilations = w.dilations();
        long[] pads = w.resolvedPads(in);
        long n = x[0] * x[1] * count(out);
        boolean countPads = !max && node.intAttr("count_include_pad", 0) != 0;
        return new PlanLaunch("occ_plan_pool", n, List.of(pointer(step.inputs().get(0)), pointer(step.outputs().get(0)),
                new Arg.I64(n), new Arg.I32(r), new Arg.I32(max ? 1 : 0), new Arg.I32(countPads ? 1 : 0), new Arg.Meta()),
                join(in, out, kernel, strides, dilations, Arrays.copyOfRange(pads, 0, r), Arrays.copyOfRange(pads, r, 2 * r)));
    }
}
