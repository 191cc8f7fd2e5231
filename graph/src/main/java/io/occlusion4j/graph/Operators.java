package io.occlusion4j.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The operator set of the inference plan: which operators it accepts, and the reference semantics of
 * each (one call evaluates one node on heap tensors). Opset differences that change where an operand
 * comes from (Clip, Slice, Pad, Squeeze, Unsqueeze, ReduceMean: attributes before, inputs after) or
 * what an axis means (Softmax before 13) are resolved here.
 */
public final class Operators {

    /** Standard-domain operators the plan and the reference executor support. */
    public static final Set<String> SUPPORTED = Set.of(
            "Conv", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid",
            "HardSwish", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Add", "Sub",
            "Mul", "Div", "Concat", "Flatten", "Reshape", "Transpose", "Pad", "Gemm", "MatMul", "Softmax",
            "Identity", "Dropout", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Slice", "ConstantOfShape",
            "ReduceMean", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "Where", "Expand",
            "Range", "Mod", "Pow", "Sqrt", "Erf", "Gelu", "LayerNormalization", "ScatterND");

    /** The plan's fused convolution: {@code act(conv(X, W) + B + Z)}; inputs X, W, B?, Z?; attribute activation. */
    public static final String FUSED_CONV = "FusedConv";

    private Operators() {
    }

    /** True when the node's operator is one the plan runs. */
    public static boolean isSupported(Node node) {
        if (node.domain().isEmpty()) {
            return SUPPORTED.contains(node.opType());
        }
        return node.domain().equals(Node.OCCLUSION4J_DOMAIN) && node.opType().equals(FUSED_CONV);
    }

    /** Fails with {@link UnsupportedOperatorException} for an operator outside the supported set. */
    public static void requireSupported(Node node) {
        if (!isSupported(node)) {
            throw new UnsupportedOperatorException(node, "");
        }
    }

    /**
     * Evaluates one node. {@code in} holds one tensor per node input, null for an omitted optional one;
     * the result holds one tensor per node output (null for an omitted one).
     */
    public static List<TensorValue> evaluate(Node node, List<TensorValue> in, long opset) {
        requireSupported(node);
        if (node.opType().equals(FUSED_CONV)) {
            String act = node.stringAttr("activation", "");
            if (!act.isEmpty() && !act.equals("Relu")) {
                throw new UnsupportedOperatorException(node, "activation '" + act + "'");
            }
            return List.of(ConvolutionKernel.run(node, floatIn(node, in, 0), floatIn(node, in, 1),
                    opt(in, 2), opt(in, 3), act.equals("Relu")));
        }
        TensorValue x = in.isEmpty() ? null : in.get(0);
        if (node.opType().equals("Dropout")) {
            // Inference: the identity, and an all-true mask when one is asked for.
            if (opset >= 12 && opt(in, 2) != null && in.get(2).getLong(0) != 0) {
                throw new UnsupportedOperatorException(node, "training_mode = true");
            }
            if (!node.output(1).isEmpty()) {
                long[] ones = new long[x.size()];
                Arrays.fill(ones, 1);
                return List.of(x, TensorValue.ofLongs(DataType.BOOL, x.shape(), ones));
            }
        }
        if (node.opType().equals("LayerNormalization")) {
            LayerNormSpec ln = LayerNormSpec.of(node);
            return MoreKernels.layerNorm(node, floatIn(node, in, 0), floatIn(node, in, 1), opt(in, 2) == null ? null
                    : floatIn(node, in, 2), ln.axis(), ln.epsilon());
        }
        TensorValue y = switch (node.opType()) {
            case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Sqrt", "Erf", "Gelu" ->
                    activation(node, in, opset);
            case "Add", "Sub", "Mul", "Div", "PRelu" -> arithmetic(node, in);
            case "Conv" -> ConvolutionKernel.run(node, floatIn(node, in, 0), floatIn(node, in, 1), opt(in, 2), null,
                    false);
            case "BatchNormalization" -> batchNorm(node, in);
            case "MaxPool" -> {
                if (!node.output(1).isEmpty()) {
                    throw new UnsupportedOperatorException(node, "the Indices output");
                }
                yield PoolingKernel.pool(node, floatIn(node, in, 0), true, false);
            }
            case "AveragePool" -> PoolingKernel.pool(node, floatIn(node, in, 0), false,
                    node.intAttr("count_include_pad", 0) != 0);
            case "GlobalAveragePool" -> PoolingKernel.global(node, floatIn(node, in, 0), false);
            case "GlobalMaxPool" -> PoolingKernel.global(node, floatIn(node, in, 0), true);
            case "Gemm" -> gemm(node, in);
            case "MatMul" -> matMul(node, floatIn(node, in, 0), floatIn(node, in, 1));
            case "Softmax" -> softmax(node, floatIn(node, in, 0), opset);
            case "ReduceMean" -> {
                ReduceSpec spec = ReduceSpec.of(node, opset, i -> opt(in, i));
                yield spec.noop() ? x : LayoutKernels.reduceMean(node, x, spec);
            }
            case "Identity", "Dropout" -> x;
            case "Cast" -> cast(node, x);
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" -> MoreKernels.compare(node, x, in.get(1));
            case "Not" -> MoreKernels.not(node, x);
            case "Where" -> MoreKernels.where(node, x, in.get(1), in.get(2));
            case "Expand" -> MoreKernels.expand(node, x, in.get(1).toLongs());
            case "Range" -> MoreKernels.range(node, x, in.get(1), in.get(2));
            case "Mod" -> MoreKernels.mod(node, x, in.get(1));
            case "ScatterND" -> MoreKernels.scatterNd(node, x, in.get(1), in.get(2));
            case "Pow" -> MoreKernels.pow(node, x, in.get(1));
            default -> layout(node, in, opset);
        };
        return List.of(y);
    }

    /** The element-wise activations (and Clip) on a float tensor. */
    private static TensorValue activation(Node node, List<TensorValue> in, long opset) {
        TensorValue x = in.get(0);
        return switch (node.opType()) {
            case "Relu" -> ElementwiseKernels.unary(node, x, v -> v < 0f ? 0f : v);
            case "LeakyRelu" -> {
                float alpha = node.floatAttr("alpha", 0.01f);
                yield ElementwiseKernels.unary(node, x, v -> v < 0f ? alpha * v : v);
            }
            case "Sigmoid" -> ElementwiseKernels.unary(node, x, ElementwiseKernels::sigmoid);
            case "Tanh" -> ElementwiseKernels.unary(node, x, v -> (float) Math.tanh(v));
            case "HardSigmoid" -> {
                float alpha = node.floatAttr("alpha", 0.2f);
                float beta = node.floatAttr("beta", 0.5f);
                yield ElementwiseKernels.unary(node, x, v -> ElementwiseKernels.hardSigmoid(v, alpha, beta));
            }
            case "HardSwish" -> ElementwiseKernels.unary(node, x, ElementwiseKernels::hardSwish);
            case "Sqrt" -> ElementwiseKernels.unary(node, x, v -> (float) Math.sqrt(v));
            case "Erf" -> ElementwiseKernels.unary(node, x, v -> (float) MoreKernels.erf(v));
            case "Gelu" -> ElementwiseKernels.unary(node, x, GeluSpec.of(node).tanh() ? MoreKernels::geluTanh
                    : MoreKernels::gelu);
            case "Clip" -> {
                TensorValue xf = floatIn(node, in, 0);
                ClipSpec clip = ClipSpec.of(node, opset, i -> opt(in, i));
                yield ElementwiseKernels.unary(node, xf, clip::apply);
            }
            default -> throw new UnsupportedOperatorException(node, "");
        };
    }

    /** Broadcast arithmetic on float or integer tensors, and PRelu. */
    private static TensorValue arithmetic(Node node, List<TensorValue> in) {
        TensorValue x = in.get(0);
        return switch (node.opType()) {
            case "Add" -> ElementwiseKernels.binary(node, x, in.get(1), Float::sum, Long::sum);
            case "Sub" -> ElementwiseKernels.binary(node, x, in.get(1), (a, b) -> a - b, (a, b) -> a - b);
            case "Mul" -> ElementwiseKernels.binary(node, x, in.get(1), (a, b) -> a * b, (a, b) -> a * b);
            case "Div" -> ElementwiseKernels.binary(node, x, in.get(1), (a, b) -> a / b,
                    (a, b) -> ElementwiseKernels.divide(node, a, b));
            case "PRelu" -> {
                TensorValue r = ElementwiseKernels.binary(node, x, floatIn(node, in, 1),
                        (a, s) -> a < 0f ? a * s : a, (a, s) -> a < 0 ? a * s : a);
                if (!Arrays.equals(r.shape(), x.shape())) {
                    throw node.error("slope " + Arrays.toString(in.get(1).shape())
                            + " must broadcast to the input " + Arrays.toString(x.shape()));
                }
                yield r;
            }
            default -> throw new UnsupportedOperatorException(node, "");
        };
    }

    /** The operators that move or reshape elements, and the shape operators. */
    private static TensorValue layout(Node node, List<TensorValue> in, long opset) {
        TensorValue x = in.isEmpty() ? null : in.get(0);
        ConstantInputs inputs = i -> opt(in, i);
        return switch (node.opType()) {
            case "Concat" -> LayoutKernels.concat(node, in.toArray(TensorValue[]::new), ConcatSpec.of(node).axis());
            case "Flatten" -> {
                int a = FlattenSpec.of(node).axis(node, x.rank());
                long outer = TensorValue.count(Arrays.copyOfRange(x.shape(), 0, a));
                long inner = TensorValue.count(Arrays.copyOfRange(x.shape(), a, x.rank()));
                yield x.reshaped(new long[] {outer, inner});
            }
            case "Reshape" -> {
                long[] shape = node.has("shape") ? node.intsAttr("shape") : in.get(1).toLongs();
                yield x.reshaped(reshapeTarget(node, x.shape(), shape, node.intAttr("allowzero", 0) != 0));
            }
            case "Transpose" -> LayoutKernels.transpose(x, TransposeSpec.of(node).perm(node, x.rank()));
            case "Pad" -> LayoutKernels.pad(node, x, PadSpec.of(node, opset, x.rank(), inputs));
            case "Shape" -> {
                int[] range = ShapeSpec.of(node).range(x.rank());
                long[] dims = Arrays.copyOfRange(x.shape(), range[0], range[1]);
                yield TensorValue.ofInt64(new long[] {dims.length}, dims);
            }
            case "Gather" -> LayoutKernels.gatherAxis(node, x, in.get(1), node.intAttr("axis", 0));
            case "Unsqueeze" -> x.reshaped(unsqueezed(node, x.shape(), AxesSpec.of(node, opset, inputs)));
            case "Squeeze" -> x.reshaped(squeezed(node, x.shape(), AxesSpec.of(node, opset, inputs)));
            case "Slice" -> LayoutKernels.slice(node, x, SliceSpec.of(node, opset, inputs));
            case "ConstantOfShape" -> constantOfShape(node, x);
            default -> throw new UnsupportedOperatorException(node, "");
        };
    }

    private static TensorValue constantOfShape(Node node, TensorValue x) {
        long[] shape = x.toLongs();
        TensorValue v = node.tensorAttr("value");
        TensorValue z = TensorValue.zeros(v == null ? DataType.FLOAT : v.type(), shape);
        if (v != null && v.size() != 1) {
            throw node.error("attribute 'value' must hold one element");
        }
        if (v != null) {
            if (z.type() == DataType.FLOAT) {
                Arrays.fill(z.floats(), v.floats()[0]);
            } else {
                Arrays.fill(z.longs(), v.longs()[0]);
            }
        }
        return z;
    }

    private static TensorValue opt(List<TensorValue> in, int i) {
        return i < in.size() ? in.get(i) : null;
    }

    private static TensorValue floatIn(Node node, List<TensorValue> in, int i) {
        TensorValue t = opt(in, i);
        if (t == null) {
            throw node.error("input " + i + " is required");
        }
        if (t.type() != DataType.FLOAT) {
            throw new UnsupportedOperatorException(node, "input " + i + " has type " + t.type()
                    + "; only FLOAT is supported");
        }
        return t;
    }

    private static TensorValue batchNorm(Node node, List<TensorValue> in) {
        BatchNormSpec bn = BatchNormSpec.of(node, i -> opt(in, i));
        TensorValue x = floatIn(node, in, 0);
        int c = x.rank() > 1 ? (int) x.shape()[1] : 1;
        if (bn.channels() != c) {
            throw node.error("scale, bias, mean and variance must each hold " + c + " values");
        }
        int n = (int) x.shape()[0];
        int inner = c == 0 || n == 0 ? 0 : x.size() / (n * c);
        float[] y = new float[x.size()];
        float[] xf = x.floats();
        for (int ch = 0; ch < c; ch++) {
            float a = bn.scale()[ch];
            float b = bn.shift()[ch];
            for (int s = 0; s < n; s++) {
                int base = (s * c + ch) * inner;
                for (int i = base; i < base + inner; i++) {
                    y[i] = xf[i] * a + b;
                }
            }
        }
        return TensorValue.ofFloats(x.shape(), y);
    }

    private static TensorValue gemm(Node node, List<TensorValue> in) {
        TensorValue a = floatIn(node, in, 0);
        TensorValue b = floatIn(node, in, 1);
        TensorValue c = opt(in, 2);
        GemmSpec spec = GemmSpec.of(node);
        boolean ta = spec.transA();
        boolean tb = spec.transB();
        float alpha = spec.alpha();
        float beta = spec.beta();
        if (a.rank() != 2 || b.rank() != 2) {
            throw node.error("A " + Arrays.toString(a.shape()) + " and B " + Arrays.toString(b.shape())
                    + " must be matrices");
        }
        int m = (int) a.shape()[ta ? 1 : 0];
        int k = (int) a.shape()[ta ? 0 : 1];
        int kb = (int) b.shape()[tb ? 1 : 0];
        int n = (int) b.shape()[tb ? 0 : 1];
        if (k != kb) {
            throw node.error("inner dimensions differ: A " + Arrays.toString(a.shape()) + (ta ? "ᵀ" : "")
                    + ", B " + Arrays.toString(b.shape()) + (tb ? "ᵀ" : ""));
        }
        float[] am = ta ? Gemm.transpose(a.floats(), 0, k, m) : a.floats();
        float[] bm = tb ? Gemm.transpose(b.floats(), 0, n, k) : b.floats();
        float[] y = new float[m * n];
        Gemm.multiplyAdd(m, n, k, am, 0, k, bm, 0, n, y, 0, n);
        long[] ys = {m, n};
        if (alpha != 1f) {
            for (int i = 0; i < y.length; i++) {
                y[i] *= alpha;
            }
        }
        if (c != null && beta != 0f) {
            long[] bs = ElementwiseKernels.broadcast(c.shape(), ys);
            if (bs == null || !Arrays.equals(bs, ys)) {
                throw node.error("C " + Arrays.toString(c.shape()) + " does not broadcast to " + Arrays.toString(ys));
            }
            int[] st = ElementwiseKernels.broadcastStrides(c.shape(), ys);
            float[] cf = c.toFloats();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    y[i * n + j] += beta * cf[i * st[0] + j * st[1]];
                }
            }
        }
        return TensorValue.ofFloats(ys, y);
    }

    /** Numpy matmul: 1-D operands promoted and the added axis removed, leading axes broadcast. */
    static TensorValue matMul(Node node, TensorValue a, TensorValue b) {
        long[] as = a.rank() == 1 ? new long[] {1, a.shape()[0]} : a.shape();
        long[] bs = b.rank() == 1 ? new long[] {b.shape()[0], 1} : b.shape();
        if (as.length < 2 || bs.length < 2 || as[as.length - 1] != bs[bs.length - 2]) {
            throw node.error("shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape())
                    + " cannot be multiplied");
        }
        int m = (int) as[as.length - 2];
        int k = (int) as[as.length - 1];
        int n = (int) bs[bs.length - 1];
        long[] abatch = Arrays.copyOf(as, as.length - 2);
        long[] bbatch = Arrays.copyOf(bs, bs.length - 2);
        long[] batch = ElementwiseKernels.broadcast(abatch, bbatch);
        if (batch == null) {
            throw node.error("batch dimensions of " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " do not broadcast");
        }
        int[] sa = ElementwiseKernels.broadcastStrides(abatch, batch);
        int[] sb = ElementwiseKernels.broadcastStrides(bbatch, batch);
        int count = (int) TensorValue.count(batch);
        float[] y = new float[Math.multiplyExact(count, m * n)];
        int[] idx = new int[batch.length];
        for (int t = 0; t < count; t++) {
            int ia = 0;
            int ib = 0;
            for (int d = 0; d < batch.length; d++) {
                ia += idx[d] * sa[d];
                ib += idx[d] * sb[d];
            }
            Gemm.multiplyAdd(m, n, k, a.floats(), ia * m * k, k, b.floats(), ib * k * n, n, y, t * m * n, n);
            for (int d = batch.length - 1; d >= 0; d--) {
                if (++idx[d] < batch[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        long[] out = new long[batch.length + 2];
        System.arraycopy(batch, 0, out, 0, batch.length);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        if (a.rank() == 1 && b.rank() == 1) {
            out = new long[0];
        } else if (a.rank() == 1) {
            out = dropAxis(out, out.length - 2);
        } else if (b.rank() == 1) {
            out = dropAxis(out, out.length - 1);
        }
        return TensorValue.ofFloats(out, y);
    }

    private static long[] dropAxis(long[] s, int axis) {
        long[] r = new long[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i != axis) {
                r[j++] = s[i];
            }
        }
        return r;
    }

    private static TensorValue softmax(Node node, TensorValue x, long opset) {
        SoftmaxSpec.Extent e = SoftmaxSpec.of(node, opset).extent(node, x.shape());
        return LayoutKernels.softmax(x, (int) e.outer(), (int) e.len(), (int) e.inner());
    }

    private static TensorValue cast(Node node, TensorValue x) {
        DataType t = CastSpec.of(node).to();
        int n = x.size();
        if (t == DataType.FLOAT) {
            return TensorValue.ofFloats(x.shape(), x.toFloats().clone());
        }
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            long v = x.type() == DataType.FLOAT ? (long) x.floats()[i] : x.longs()[i];
            y[i] = switch (t) {
                case BOOL -> (x.type() == DataType.FLOAT ? x.floats()[i] != 0f : v != 0) ? 1 : 0;
                case INT32 -> (int) v;
                default -> v;
            };
        }
        return TensorValue.ofLongs(t, x.shape(), y);
    }

    /** Reshape's output shape: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
    static long[] reshapeTarget(Node node, long[] in, long[] shape, boolean allowZero) {
        long[] out = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw node.error("shape " + Arrays.toString(shape) + " copies dimension " + i
                            + " which the input " + Arrays.toString(in) + " does not have");
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw node.error("shape " + Arrays.toString(shape) + " has more than one -1");
                }
                infer = i;
            } else if (out[i] < 0) {
                throw node.error("shape " + Arrays.toString(shape) + " has a negative dimension");
            } else {
                known *= out[i];
            }
        }
        long total = TensorValue.count(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw node.error("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape));
            }
            out[infer] = total / known;
        } else if (known != total) {
            throw node.error("cannot reshape " + Arrays.toString(in) + " (" + total + " elements) to "
                    + Arrays.toString(shape));
        }
        return out;
    }

    static long[] unsqueezed(Node node, long[] in, long[] axes) {
        if (axes == null) {
            throw node.error("axes are required");
        }
        int r = in.length + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            int ax = Axes.axis(node, a, r);
            if (added[ax]) {
                throw node.error("axis " + a + " is listed twice");
            }
            added[ax] = true;
        }
        long[] out = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            out[i] = added[i] ? 1 : in[j++];
        }
        return out;
    }

    static long[] squeezed(Node node, long[] in, long[] axes) {
        boolean[] drop = new boolean[in.length];
        if (axes == null) {
            for (int i = 0; i < in.length; i++) {
                drop[i] = in[i] == 1;
            }
        } else {
            for (long a : axes) {
                int ax = Axes.axis(node, a, in.length);
                if (in[ax] != 1) {
                    throw node.error("cannot squeeze axis " + ax + " of size " + in[ax]);
                }
                drop[ax] = true;
            }
        }
        long[] out = new long[in.length];
        int m = 0;
        for (int i = 0; i < in.length; i++) {
            if (!drop[i]) {
                out[m++] = in[i];
            }
        }
        return Arrays.copyOf(out, m);
    }
}
