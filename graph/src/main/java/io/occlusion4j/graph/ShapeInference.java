package io.occlusion4j.graph;

import io.occlusion4j.graph.Dim;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Infers the element type and shape of every value of a graph, node by node, for every supported
 * operator. Shapes may hold symbols (a dynamic batch {@code N}, or image sizes a model leaves open): a
 * symbol passes through unchanged where an operator keeps the dimension, and a dimension computed from
 * a symbol (a strided convolution over an open height) gets a fresh symbol naming the node and axis.
 *
 * <p>Small integer tensors are tracked by content too: constants, anything computed only from
 * constants (evaluated with the reference kernels), and shape arithmetic ({@code Shape -> Slice ->
 * Concat -> Reshape}) whose elements may be symbols. That is how a Reshape to {@code [N, 200]} built from
 * {@code Shape(x)} gets its output shape without knowing N.
 */
public final class ShapeInference {

    /** What inference learnt beyond shapes: folded tensor contents, and symbolic contents of shape tensors. */
    record Inferred(Graph graph, Map<String, TensorValue> known, Map<String, List<Dim>> data) {
    }

    private ShapeInference() {
    }

    /** Infers shapes from the declared input shapes. */
    public static Graph infer(Graph graph) {
        return inferDetailed(graph).graph();
    }

    /**
     * The graph with its inputs given fixed shapes (each must agree with the declared rank and fixed
     * dimensions), shapes inferred. This is how a plan is specialised to a batch size and image size.
     */
    public static Graph infer(Graph graph, Map<String, long[]> inputShapes) {
        return infer(bindInputs(graph, inputShapes));
    }

    /** The graph with the named inputs' declared shapes replaced by fixed ones. */
    public static Graph bindInputs(Graph graph, Map<String, long[]> inputShapes) {
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfo in : graph.inputs()) {
            long[] s = inputShapes.get(in.name());
            if (s == null) {
                inputs.add(in);
                continue;
            }
            boolean ok = s.length == in.shape().rank();
            for (int i = 0; ok && i < s.length; i++) {
                ok = s[i] >= 0 && (!(in.shape().dim(i) instanceof Dim.Fixed(long f)) || f == s[i]);
            }
            if (!ok) {
                throw new GraphException("graph '" + graph.name() + "': input '" + in.name() + "' is declared "
                        + in.shape() + " and cannot take the shape " + Arrays.toString(s));
            }
            inputs.add(new ValueInfo(in.name(), in.type(), Shape.of(s)));
        }
        for (String name : inputShapes.keySet()) {
            if (!graph.inputNames().contains(name)) {
                throw new GraphException("graph '" + graph.name() + "' has no input '" + name + "' (inputs: "
                        + graph.inputNames() + ")");
            }
        }
        return graph.withInputs(inputs);
    }

    static Inferred inferDetailed(Graph graph) {
        return new Run(graph).go();
    }

    /** One pass over a graph. */
    private static final class Run {
        final Graph graph;
        final long opset;
        final Map<String, ValueInfo> values = new LinkedHashMap<>();
        final Map<String, TensorValue> known = new HashMap<>();
        final Map<String, List<Dim>> data = new HashMap<>();

        Run(Graph graph) {
            this.graph = graph;
            this.opset = graph.opset();
        }

        Inferred go() {
            for (ValueInfo in : graph.inputs()) {
                values.put(in.name(), in);
            }
            graph.constants().forEach((name, t) -> {
                values.put(name, new ValueInfo(name, t.type(), t.irShape()));
                known.put(name, t);
                if (t.type().isIntegral() && t.rank() <= 1) {
                    data.put(name, dimsOf(t));
                }
            });
            for (Node node : graph.nodes()) {
                Operators.requireSupported(node);
                for (String in : node.inputs()) {
                    if (!in.isEmpty() && !values.containsKey(in)) {
                        throw GraphException.at(node, "input '" + in + "' is not a graph input, a constant, or an output"
                                + " of an earlier node");
                    }
                }
                List<ValueInfo> outs;
                try {
                    outs = fold(node);
                    if (outs == null) {
                        outs = inferNode(node);
                    }
                } catch (GraphException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new GraphException(GraphException.at(node) + "shape inference failed: " + e, e);
                }
                for (int i = 0; i < node.outputs().size() && i < outs.size(); i++) {
                    String name = node.output(i);
                    if (name.isEmpty() || outs.get(i) == null) {
                        continue;
                    }
                    if (values.containsKey(name)) {
                        throw GraphException.at(node, "output '" + name + "' is already defined elsewhere");
                    }
                    values.put(name, new ValueInfo(name, outs.get(i).type(), outs.get(i).shape()));
                }
            }
            for (String o : graph.outputs()) {
                if (!values.containsKey(o)) {
                    throw new GraphException("graph '" + graph.name() + "': output '" + o + "' is never computed");
                }
            }
            return new Inferred(graph.withValues(values), known, data);
        }

        /** Evaluates a node whose inputs are all known; null when some input is not. */
        private List<ValueInfo> fold(Node node) {
            List<TensorValue> args = new ArrayList<>();
            long elements = 0;
            for (String in : node.inputs()) {
                if (in.isEmpty()) {
                    args.add(null);
                    continue;
                }
                TensorValue t = known.get(in);
                if (t == null) {
                    return null;
                }
                elements += t.size();
                args.add(t);
            }
            if (node.inputs().isEmpty() || elements > (1 << 22)) {
                return null;
            }
            List<TensorValue> results = Operators.evaluate(node, args, opset);
            List<ValueInfo> outs = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                TensorValue t = results.get(i);
                if (t == null) {
                    outs.add(null);
                    continue;
                }
                String name = node.output(i);
                if (!name.isEmpty()) {
                    known.put(name, t);
                    if (t.type().isIntegral() && t.rank() <= 1) {
                        data.put(name, dimsOf(t));
                    }
                }
                outs.add(new ValueInfo(name.isEmpty() ? "_" : name, t.type(), t.irShape()));
            }
            return outs;
        }

        private ValueInfo in(Node node, int i) {
            String name = node.input(i);
            if (name.isEmpty()) {
                throw GraphException.at(node, "input " + i + " is required");
            }
            return values.get(name);
        }

        private ValueInfo optIn(Node node, int i) {
            return node.hasInput(i) ? values.get(node.input(i)) : null;
        }

        /** The contents of an integer input that must be known to infer the shape. */
        private long[] knownLongs(Node node, int i, String what) {
            TensorValue t = node.hasInput(i) ? known.get(node.input(i)) : null;
            if (t == null) {
                throw new UnsupportedOperatorException(node, what + " (input " + i + ") must be a constant");
            }
            return t.toLongs();
        }

        private Dim fresh(Node node, int axis) {
            return Dim.sym(node.name() + "[" + axis + "]");
        }

        private static ValueInfo info(DataType type, List<Dim> dims) {
            return new ValueInfo("_", type, new Shape(dims));
        }

        private static ValueInfo info(DataType type, Shape shape) {
            return new ValueInfo("_", type, shape);
        }

        /**
         * Contents of a small integer tensor as dims. A negative element (Reshape's -1) has no Dim of its
         * own: it becomes a marker symbol that {@link #isNegative} recognises.
         */
        private static List<Dim> dimsOf(TensorValue t) {
            List<Dim> d = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                long v = t.getLong(i);
                d.add(v >= 0 ? Dim.of(v) : Dim.sym(NEGATIVE + v));
            }
            return d;
        }

        private static final String NEGATIVE = "<negative>";

        private static boolean isNegative(Dim d) {
            return d instanceof Dim.Symbolic(String name) && name.startsWith(NEGATIVE);
        }

        private static boolean isMinusOne(Dim d) {
            return d instanceof Dim.Symbolic(String name) && name.equals(NEGATIVE + "-1");
        }

        private List<ValueInfo> inferNode(Node node) {
            String op = node.opType();
            if (op.equals(Operators.FUSED_CONV)) {
                ValueInfo y = convLike(node, in(node, 0), in(node, 1).shape(), true);
                ValueInfo z = optIn(node, 3);
                if (z != null && z.shape().isStatic() && y.shape().isStatic() && !z.shape().equals(y.shape())) {
                    throw GraphException.at(node, "residual input " + z.shape() + " must have the output shape "
                            + y.shape());
                }
                return List.of(y);
            }
            ValueInfo x = node.inputs().isEmpty() ? null : in(node, 0);
            return switch (op) {
                case "Conv" -> List.of(convLike(node, x, in(node, 1).shape(), true));
                case "MaxPool", "AveragePool" -> {
                    if (op.equals("MaxPool") && !node.output(1).isEmpty()) {
                        throw new UnsupportedOperatorException(node, "the Indices output");
                    }
                    yield List.of(convLike(node, x, null, false));
                }
                case "GlobalAveragePool", "GlobalMaxPool" -> {
                    requireRankAtLeast(node, x, 3);
                    List<Dim> d = new ArrayList<>(x.shape().dims());
                    for (int i = 2; i < d.size(); i++) {
                        d.set(i, Dim.of(1));
                    }
                    yield List.of(info(x.type(), d));
                }
                case "BatchNormalization" -> {
                    for (int i = 1; i < node.outputs().size(); i++) {
                        if (!node.output(i).isEmpty()) {
                            throw new UnsupportedOperatorException(node, "training-mode outputs (running mean/var)");
                        }
                    }
                    yield List.of(info(x.type(), x.shape()));
                }
                case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Identity" ->
                        List.of(info(x.type(), x.shape()));
                case "Dropout" -> node.output(1).isEmpty() ? List.of(info(x.type(), x.shape()))
                        : List.of(info(x.type(), x.shape()), info(DataType.BOOL, x.shape()));
                case "PRelu" -> List.of(info(x.type(), x.shape()));
                case "Add", "Sub", "Mul", "Div" -> {
                    ValueInfo b = in(node, 1);
                    yield List.of(info(x.type(), broadcast(node, x.shape(), b.shape())));
                }
                case "Concat" -> List.of(concat(node));
                case "Flatten" -> {
                    int r = x.shape().rank();
                    long axis = node.intAttr("axis", 1);
                    int a = (int) (axis < 0 ? axis + r : axis);
                    if (a < 0 || a > r) {
                        throw GraphException.at(node, "axis " + axis + " is out of range for rank " + r);
                    }
                    yield List.of(info(x.type(), List.of(product(node, x.shape().dims().subList(0, a), 0),
                            product(node, x.shape().dims().subList(a, r), 1))));
                }
                case "Reshape" -> List.of(info(x.type(), reshape(node, x)));
                case "Transpose" -> {
                    int r = x.shape().rank();
                    long[] perm = node.intsAttr("perm");
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0; i < r; i++) {
                        int p = perm == null ? r - 1 - i : LayoutKernels.axis(node, perm[i], r);
                        d.add(x.shape().dim(p));
                    }
                    if (perm != null && perm.length != r) {
                        throw GraphException.at(node, "perm " + Arrays.toString(perm) + " does not match rank " + r);
                    }
                    yield List.of(info(x.type(), d));
                }
                case "Pad" -> List.of(pad(node, x));
                case "Gemm" -> {
                    ValueInfo b = in(node, 1);
                    requireRank(node, x, 2);
                    requireRank(node, b, 2);
                    boolean ta = node.intAttr("transA", 0) != 0;
                    boolean tb = node.intAttr("transB", 0) != 0;
                    Dim k1 = x.shape().dim(ta ? 0 : 1);
                    Dim k2 = b.shape().dim(tb ? 1 : 0);
                    if (k1 instanceof Dim.Fixed && k2 instanceof Dim.Fixed && !k1.equals(k2)) {
                        throw GraphException.at(node, "inner dimensions differ: A " + x.shape() + ", B " + b.shape());
                    }
                    yield List.of(info(x.type(), List.of(x.shape().dim(ta ? 1 : 0), b.shape().dim(tb ? 0 : 1))));
                }
                case "MatMul" -> List.of(info(x.type(), matMul(node, x.shape(), in(node, 1).shape())));
                case "Softmax" -> List.of(info(x.type(), x.shape()));
                case "Shape" -> {
                    int r = x.shape().rank();
                    long start = node.intAttr("start", 0);
                    long end = node.intAttr("end", r);
                    int s = Math.clamp(start < 0 ? start + r : start, 0, r);
                    int e = Math.max(s, Math.clamp(end < 0 ? end + r : end, 0, r));
                    List<Dim> d = x.shape().dims().subList(s, e);
                    data.put(node.output(0), List.copyOf(d));
                    Shape sub = new Shape(d);
                    if (sub.isStatic()) {
                        known.put(node.output(0), TensorValue.ofInt64(new long[] {d.size()}, sub.sizes()));
                    }
                    yield List.of(info(DataType.INT64, Shape.of(d.size())));
                }
                case "Cast" -> {
                    DataType to = DataType.ofOnnx((int) node.intAttr("to", -1));
                    if (to == null) {
                        throw new UnsupportedOperatorException(node, "cast to "
                                + DataType.onnxName((int) node.intAttr("to", -1)));
                    }
                    passData(node, 0, to.isIntegral() && to != DataType.BOOL);
                    yield List.of(info(to, x.shape()));
                }
                case "Gather" -> List.of(gather(node, x));
                case "Unsqueeze" -> {
                    long[] axes = opset >= 13 ? knownLongs(node, 1, "axes") : node.intsAttr("axes");
                    if (axes == null) {
                        throw GraphException.at(node, "axes are required");
                    }
                    int r = x.shape().rank() + axes.length;
                    boolean[] added = new boolean[r];
                    for (long a : axes) {
                        added[LayoutKernels.axis(node, a, r)] = true;
                    }
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0, j = 0; i < r; i++) {
                        d.add(added[i] ? Dim.of(1) : x.shape().dim(j++));
                    }
                    if (x.shape().rank() == 0) {
                        passData(node, 0, true);
                    }
                    yield List.of(info(x.type(), d));
                }
                case "Squeeze" -> {
                    long[] axes = opset >= 13 ? (node.hasInput(1) ? knownLongs(node, 1, "axes") : null)
                            : node.intsAttr("axes");
                    int r = x.shape().rank();
                    boolean[] drop = new boolean[r];
                    for (int i = 0; axes == null && i < r; i++) {
                        drop[i] = x.shape().dim(i).equals(Dim.of(1));
                    }
                    for (long a : axes == null ? new long[0] : axes) {
                        int ax = LayoutKernels.axis(node, a, r);
                        if (x.shape().dim(ax) instanceof Dim.Fixed(long s) && s != 1) {
                            throw GraphException.at(node, "cannot squeeze axis " + ax + " of size " + s);
                        }
                        drop[ax] = true;
                    }
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0; i < r; i++) {
                        if (!drop[i]) {
                            d.add(x.shape().dim(i));
                        }
                    }
                    if (d.isEmpty()) {
                        passData(node, 0, true);
                    }
                    yield List.of(info(x.type(), d));
                }
                case "Slice" -> List.of(slice(node, x));
                case "ConstantOfShape" -> {
                    List<Dim> d = data.get(node.input(0));
                    if (d == null) {
                        throw new UnsupportedOperatorException(node, "its shape input must be computable before running");
                    }
                    for (Dim e : d) {
                        if (isNegative(e)) {
                            throw GraphException.at(node, "shape " + d + " has a negative dimension");
                        }
                    }
                    TensorValue v = node.tensorAttr("value");
                    yield List.of(info(v == null ? DataType.FLOAT : v.type(), d));
                }
                case "ReduceMean" -> {
                    long[] axes = opset >= 18 ? (node.hasInput(1) ? knownLongs(node, 1, "axes") : null)
                            : node.intsAttr("axes");
                    boolean keep = node.intAttr("keepdims", 1) != 0;
                    int r = x.shape().rank();
                    if (axes == null && opset >= 18 && node.intAttr("noop_with_empty_axes", 0) != 0) {
                        yield List.of(info(x.type(), x.shape()));
                    }
                    boolean[] red = new boolean[r];
                    if (axes == null || axes.length == 0) {
                        Arrays.fill(red, true);
                    } else {
                        for (long a : axes) {
                            red[LayoutKernels.axis(node, a, r)] = true;
                        }
                    }
                    List<Dim> d = new ArrayList<>();
                    for (int i = 0; i < r; i++) {
                        if (!red[i]) {
                            d.add(x.shape().dim(i));
                        } else if (keep) {
                            d.add(Dim.of(1));
                        }
                    }
                    yield List.of(info(x.type(), d));
                }
                default -> throw new UnsupportedOperatorException(node, "");
            };
        }

        private void passData(Node node, int input, boolean pass) {
            List<Dim> d = data.get(node.input(input));
            if (pass && d != null) {
                data.put(node.output(0), d);
            }
        }

        private static void requireRank(Node node, ValueInfo v, int rank) {
            if (v.shape().rank() != rank) {
                throw GraphException.at(node, "input '" + v.name() + "' has shape " + v.shape() + ", rank " + rank
                        + " is required");
            }
        }

        private static void requireRankAtLeast(Node node, ValueInfo v, int rank) {
            if (v.shape().rank() < rank) {
                throw GraphException.at(node, "input '" + v.name() + "' has shape " + v.shape() + "; [N, C, spatial...]"
                        + " is required");
            }
        }

        /** Conv (weights given) or pooling (weights null): [N, M or C, out...]. */
        private ValueInfo convLike(Node node, ValueInfo x, Shape w, boolean conv) {
            requireRankAtLeast(node, x, 3);
            int r = x.shape().rank() - 2;
            long[] kernelFromWeights = null;
            if (conv) {
                if (w.rank() != r + 2 || !w.isStatic()) {
                    throw GraphException.at(node, "weights " + w + " must be a static [M, C/group, kernel...] for input "
                            + x.shape());
                }
                kernelFromWeights = Arrays.copyOfRange(w.sizes(), 2, r + 2);
                long group = node.intAttr("group", 1);
                if (x.shape().dim(1) instanceof Dim.Fixed(long c) && (group < 1 || c != w.size(1) * group
                        || w.size(0) % group != 0)) {
                    throw GraphException.at(node, "input channels " + c + ", weights " + w + " and group " + group
                            + " do not agree");
                }
                ValueInfo b = optIn(node, 2);
                if (b != null && !(b.shape().rank() == 1 && b.shape().dim(0).equals(Dim.of(w.size(0))))) {
                    throw GraphException.at(node, "bias " + b.shape() + " must be [" + w.size(0) + "]");
                }
            }
            Window win = Window.of(node, r, kernelFromWeights);
            if (conv) {
                for (int i = 0; i < r; i++) {
                    if (win.kernel()[i] != kernelFromWeights[i]) {
                        throw GraphException.at(node, "kernel_shape " + Arrays.toString(win.kernel())
                                + " does not match the weights " + w);
                    }
                }
            }
            List<Dim> out = new ArrayList<>();
            out.add(x.shape().dim(0));
            out.add(conv ? Dim.of(w.size(0)) : x.shape().dim(1));
            long[] in = new long[r];
            boolean allStatic = true;
            for (int i = 0; i < r; i++) {
                if (x.shape().dim(i + 2) instanceof Dim.Fixed(long s)) {
                    in[i] = s;
                } else {
                    allStatic = false;
                }
            }
            long[] pads = allStatic || win.autoPad().equals("NOTSET") || win.autoPad().equals("VALID")
                    ? win.resolvedPads(in) : null;
            for (int i = 0; i < r; i++) {
                if (x.shape().dim(i + 2) instanceof Dim.Fixed(long s)) {
                    long o = pads == null ? (s + win.strides()[i] - 1) / win.strides()[i] : win.outSize(i, s, pads);
                    if (o < 1) {
                        throw GraphException.at(node, "the window does not fit the input " + x.shape()
                                + " along spatial axis " + i);
                    }
                    out.add(Dim.of(o));
                } else {
                    out.add(fresh(node, i + 2));
                }
            }
            return info(x.type(), out);
        }

        private Shape broadcast(Node node, Shape a, Shape b) {
            int r = Math.max(a.rank(), b.rank());
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                int ia = i - (r - a.rank());
                int ib = i - (r - b.rank());
                Dim da = ia >= 0 ? a.dim(ia) : Dim.of(1);
                Dim db = ib >= 0 ? b.dim(ib) : Dim.of(1);
                if (da.equals(db) || db.equals(Dim.of(1))) {
                    out.add(da);
                } else if (da.equals(Dim.of(1))) {
                    out.add(db);
                } else if (da instanceof Dim.Fixed && db instanceof Dim.Fixed) {
                    throw GraphException.at(node, "shapes " + a + " and " + b + " do not broadcast");
                } else {
                    // A symbol against a size or another symbol: they must be equal at run time.
                    out.add(da instanceof Dim.Fixed ? da : db instanceof Dim.Fixed ? db : da);
                }
            }
            return new Shape(out);
        }

        private ValueInfo concat(Node node) {
            if (!node.has("axis")) {
                throw GraphException.at(node, "attribute 'axis' is required");
            }
            ValueInfo first = in(node, 0);
            int r = first.shape().rank();
            int ax = LayoutKernels.axis(node, node.intAttr("axis", 0), Math.max(r, 1));
            List<Dim> out = new ArrayList<>(first.shape().dims());
            long sum = 0;
            boolean fixed = true;
            List<Dim> joined = new ArrayList<>();
            for (int i = 0; i < node.inputs().size(); i++) {
                ValueInfo v = in(node, i);
                if (v.shape().rank() != r) {
                    throw GraphException.at(node, "input ranks differ: " + v.shape() + " vs " + first.shape());
                }
                for (int d = 0; d < r; d++) {
                    if (d != ax && v.shape().dim(d) instanceof Dim.Fixed(long s)
                            && first.shape().dim(d) instanceof Dim.Fixed(long f) && s != f) {
                        throw GraphException.at(node, "input shapes " + v.shape() + " and " + first.shape()
                                + " differ outside axis " + ax);
                    }
                }
                if (v.shape().dim(ax) instanceof Dim.Fixed(long s)) {
                    sum += s;
                } else {
                    fixed = false;
                }
                List<Dim> d = data.get(node.input(i));
                if (joined != null && d != null && r == 1) {
                    joined.addAll(d);
                } else {
                    joined = null;
                }
            }
            out.set(ax, fixed ? Dim.of(sum) : fresh(node, ax));
            if (joined != null) {
                data.put(node.output(0), joined);
            }
            return info(first.type(), out);
        }

        /** Product of dims: a size when all are sizes, the symbol when one symbol times 1s, else fresh. */
        private Dim product(Node node, List<Dim> dims, int axis) {
            long p = 1;
            Dim symbol = null;
            int symbols = 0;
            for (Dim d : dims) {
                if (d instanceof Dim.Fixed(long s)) {
                    p *= s;
                } else {
                    symbol = d;
                    symbols++;
                }
            }
            if (symbols == 0) {
                return Dim.of(p);
            }
            return symbols == 1 && p == 1 ? symbol : fresh(node, axis);
        }

        private List<Dim> reshape(Node node, ValueInfo x) {
            List<Dim> target;
            if (node.has("shape")) {
                long[] v = node.intsAttr("shape");
                target = dimsOf(TensorValue.ofInt64(new long[] {v.length}, v));
            } else {
                target = data.get(node.input(1));
            }
            if (target == null) {
                throw new UnsupportedOperatorException(node, "its target shape cannot be computed before running");
            }
            boolean allowZero = node.intAttr("allowzero", 0) != 0;
            List<Dim> out = new ArrayList<>(target);
            int infer = -1;
            for (int i = 0; i < out.size(); i++) {
                Dim d = out.get(i);
                if (d.equals(Dim.of(0)) && !allowZero) {
                    if (i >= x.shape().rank()) {
                        throw GraphException.at(node, "shape " + target + " copies dimension " + i + " which the input "
                                + x.shape() + " does not have");
                    }
                    out.set(i, x.shape().dim(i));
                }
                if (isMinusOne(d)) {
                    if (infer >= 0) {
                        throw GraphException.at(node, "shape " + target + " has more than one -1");
                    }
                    infer = i;
                } else if (isNegative(d)) {
                    throw GraphException.at(node, "shape " + target + " has a negative dimension");
                }
            }
            // Cancel sizes and symbols of the input against those of the output.
            List<Dim> inSyms = new ArrayList<>();
            long inFixed = 1;
            for (Dim d : x.shape().dims()) {
                if (d instanceof Dim.Fixed(long s)) {
                    inFixed *= s;
                } else {
                    inSyms.add(d);
                }
            }
            List<Dim> outSyms = new ArrayList<>();
            long outFixed = 1;
            for (int i = 0; i < out.size(); i++) {
                if (i == infer) {
                    continue;
                }
                if (out.get(i) instanceof Dim.Fixed(long s)) {
                    outFixed *= s;
                } else {
                    outSyms.add(out.get(i));
                }
            }
            List<Dim> rest = new ArrayList<>(inSyms);
            boolean cancels = true;
            for (Dim s : outSyms) {
                cancels &= rest.remove(s);
            }
            if (infer >= 0) {
                if (cancels && rest.isEmpty()) {
                    if (outFixed == 0 || inFixed % outFixed != 0) {
                        throw GraphException.at(node, "cannot reshape " + x.shape() + " to " + target);
                    }
                    out.set(infer, Dim.of(inFixed / outFixed));
                } else if (cancels && rest.size() == 1 && inFixed == outFixed) {
                    out.set(infer, rest.get(0));
                } else {
                    out.set(infer, fresh(node, infer));
                }
            } else if (cancels && rest.isEmpty() && inFixed != outFixed) {
                throw GraphException.at(node, "cannot reshape " + x.shape() + " to " + target);
            }
            return out;
        }

        private ValueInfo pad(Node node, ValueInfo x) {
            int r = x.shape().rank();
            long[] pads;
            if (opset < 11) {
                pads = node.intsAttr(opset < 2 ? "paddings" : "pads");
                if (pads == null) {
                    throw GraphException.at(node, "attribute 'pads' is required");
                }
            } else {
                pads = knownLongs(node, 1, "pads");
                if (node.hasInput(3)) {
                    long[] axes = knownLongs(node, 3, "axes");
                    long[] full = new long[2 * r];
                    for (int i = 0; i < axes.length; i++) {
                        int a = LayoutKernels.axis(node, axes[i], r);
                        full[a] = pads[i];
                        full[a + r] = pads[i + axes.length];
                    }
                    pads = full;
                }
            }
            if (pads.length != 2 * r) {
                throw GraphException.at(node, "pads " + Arrays.toString(pads) + " needs " + 2 * r + " values");
            }
            List<Dim> out = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                Dim d = x.shape().dim(i);
                if (pads[i] == 0 && pads[i + r] == 0) {
                    out.add(d);
                } else if (d instanceof Dim.Fixed(long s)) {
                    out.add(Dim.of(s + pads[i] + pads[i + r]));
                } else {
                    out.add(fresh(node, i));
                }
            }
            return info(x.type(), out);
        }

        private List<Dim> matMul(Node node, Shape a, Shape b) {
            if (a.rank() == 0 || b.rank() == 0) {
                throw GraphException.at(node, "operands must have rank >= 1: " + a + ", " + b);
            }
            List<Dim> as = new ArrayList<>(a.dims());
            List<Dim> bs = new ArrayList<>(b.dims());
            if (a.rank() == 1) {
                as.add(0, Dim.of(1));
            }
            if (b.rank() == 1) {
                bs.add(Dim.of(1));
            }
            Dim k1 = as.get(as.size() - 1);
            Dim k2 = bs.get(bs.size() - 2);
            if (k1 instanceof Dim.Fixed && k2 instanceof Dim.Fixed && !k1.equals(k2)) {
                throw GraphException.at(node, "shapes " + a + " and " + b + " cannot be multiplied");
            }
            Shape batch = broadcast(node, new Shape(as.subList(0, as.size() - 2)), new Shape(bs.subList(0, bs.size() - 2)));
            List<Dim> out = new ArrayList<>(batch.dims());
            if (a.rank() > 1) {
                out.add(as.get(as.size() - 2));
            }
            if (b.rank() > 1) {
                out.add(bs.get(bs.size() - 1));
            }
            return out;
        }

        private ValueInfo gather(Node node, ValueInfo x) {
            ValueInfo idx = in(node, 1);
            int r = x.shape().rank();
            int ax = LayoutKernels.axis(node, node.intAttr("axis", 0), r);
            List<Dim> out = new ArrayList<>(x.shape().dims().subList(0, ax));
            out.addAll(idx.shape().dims());
            out.addAll(x.shape().dims().subList(ax + 1, r));
            List<Dim> d = data.get(node.input(0));
            TensorValue indices = known.get(node.input(1));
            if (d != null && r == 1 && indices != null) {
                List<Dim> picked = new ArrayList<>();
                for (long i : indices.toLongs()) {
                    picked.add(d.get((int) (i < 0 ? i + d.size() : i)));
                }
                data.put(node.output(0), picked);
            }
            return info(x.type(), out);
        }

        private ValueInfo slice(Node node, ValueInfo x) {
            long[] starts;
            long[] ends;
            long[] axes;
            long[] steps = null;
            if (opset < 10) {
                starts = node.intsAttr("starts");
                ends = node.intsAttr("ends");
                axes = node.intsAttr("axes");
            } else {
                starts = knownLongs(node, 1, "starts");
                ends = knownLongs(node, 2, "ends");
                axes = node.hasInput(3) ? knownLongs(node, 3, "axes") : null;
                steps = node.hasInput(4) ? knownLongs(node, 4, "steps") : null;
            }
            Objects.requireNonNull(starts, "starts");
            int r = x.shape().rank();
            List<Dim> out = new ArrayList<>(x.shape().dims());
            long[] begin = new long[r];
            long[] stepOf = new long[r];
            long[] count = new long[r];
            Arrays.fill(stepOf, 1);
            Arrays.fill(count, -1);
            for (int i = 0; i < starts.length; i++) {
                int a = LayoutKernels.axis(node, axes == null ? i : axes[i], r);
                long st = steps == null ? 1 : steps[i];
                if (st == 0) {
                    throw GraphException.at(node, "a slice step must not be 0");
                }
                if (x.shape().dim(a) instanceof Dim.Fixed(long dim)) {
                    long s = starts[i] < 0 ? starts[i] + dim : starts[i];
                    long e = ends[i] < 0 ? ends[i] + dim : ends[i];
                    if (st > 0) {
                        s = Math.clamp(s, 0, dim);
                        e = Math.clamp(e, 0, dim);
                    } else {
                        s = Math.clamp(s, 0, dim - 1);
                        e = Math.clamp(e, -1, dim - 1);
                    }
                    long c = st > 0 ? Math.max(0, Math.ceilDiv(e - s, st)) : Math.max(0, Math.ceilDiv(s - e, -st));
                    out.set(a, Dim.of(c));
                    begin[a] = s;
                    stepOf[a] = st;
                    count[a] = c;
                } else if (!(starts[i] == 0 && st == 1 && ends[i] >= Integer.MAX_VALUE)) {
                    out.set(a, fresh(node, a));
                }
            }
            List<Dim> d = data.get(node.input(0));
            if (d != null && r == 1 && count[0] >= 0) {
                List<Dim> picked = new ArrayList<>();
                for (long i = 0; i < count[0]; i++) {
                    picked.add(d.get((int) (begin[0] + i * stepOf[0])));
                }
                data.put(node.output(0), picked);
            }
            return info(x.type(), out);
        }
    }
}
