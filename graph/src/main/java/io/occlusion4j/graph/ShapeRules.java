package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shape rule of each supported operator: the dispatch, and the rules of the computing operators
 * (convolution and pooling windows, broadcasting arithmetic, products). The rules of the operators that
 * move or reshape elements, and of the shape operators, are in {@link LayoutShapes}.
 */
final class ShapeRules {
    private ShapeRules() {
    }

    /** The outputs' types and shapes of a node whose inputs are all in {@code st}. */
    static List<ValueInfo> infer(ShapeState st, Node node) {
        String op = node.opType();
        if (op.equals(Operators.FUSED_CONV)) {
            ValueInfo y = convLike(st, node, st.in(node, 0), st.in(node, 1).shape(), true);
            ValueInfo z = st.optIn(node, 3);
            if (z != null && z.shape().isStatic() && y.shape().isStatic() && !z.shape().equals(y.shape())) {
                throw node.error("residual input " + z.shape() + " must have the output shape "
                        + y.shape());
            }
            return List.of(y);
        }
        ValueInfo x = node.inputs().isEmpty() ? null : st.in(node, 0);
        return switch (op) {
            case "Conv" -> List.of(convLike(st, node, x, st.in(node, 1).shape(), true));
            case "MaxPool", "AveragePool" -> {
                if (op.equals("MaxPool") && !node.output(1).isEmpty()) {
                    throw new UnsupportedOperatorException(node, "the Indices output");
                }
                yield List.of(convLike(st, node, x, null, false));
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                ShapeState.requireRankAtLeast(node, x, 3);
                List<Dim> d = new ArrayList<>(x.shape().dims());
                for (int i = 2; i < d.size(); i++) {
                    d.set(i, Dim.of(1));
                }
                yield List.of(ShapeState.info(x.type(), d));
            }
            case "BatchNormalization" -> {
                for (int i = 1; i < node.outputs().size(); i++) {
                    if (!node.output(i).isEmpty()) {
                        throw new UnsupportedOperatorException(node, "training-mode outputs (running mean/var)");
                    }
                }
                yield List.of(ShapeState.info(x.type(), x.shape()));
            }
            case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Identity", "PRelu",
                 "Softmax", "Sqrt", "Erf", "ScatterND" -> List.of(ShapeState.info(x.type(), x.shape()));
            case "Gelu" -> {
                GeluSpec.of(node);
                yield List.of(ShapeState.info(x.type(), x.shape()));
            }
            case "LayerNormalization" -> {
                int axis = LayerNormSpec.of(node).axis(node, x.shape().rank());
                List<Dim> stats = new ArrayList<>(x.shape().dims());
                for (int i = axis; i < stats.size(); i++) {
                    stats.set(i, Dim.of(1));
                }
                yield List.of(ShapeState.info(x.type(), x.shape()), ShapeState.info(x.type(), stats),
                        ShapeState.info(x.type(), stats));
            }
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" ->
                    List.of(ShapeState.info(DataType.BOOL, broadcast(node, x.shape(), st.in(node, 1).shape())));
            case "Not" -> List.of(ShapeState.info(DataType.BOOL, x.shape()));
            case "Mod", "Pow" -> List.of(ShapeState.info(x.type(), broadcast(node, x.shape(), st.in(node, 1).shape())));
            case "Where" -> {
                ValueInfo a = st.in(node, 1);
                Shape ab = broadcast(node, a.shape(), st.in(node, 2).shape());
                yield List.of(ShapeState.info(a.type(), broadcast(node, x.shape(), ab)));
            }
            case "Expand" -> {
                List<Dim> target = st.data.get(node.input(1));
                if (target == null) {
                    throw new UnsupportedOperatorException(node, "its shape input must be computable before running");
                }
                yield List.of(ShapeState.info(x.type(), broadcast(node, x.shape(), new Shape(target))));
            }
            case "Range" -> List.of(ShapeState.info(x.type(), List.of(st.fresh(node, 0))));
            case "Dropout" -> node.output(1).isEmpty() ? List.of(ShapeState.info(x.type(), x.shape()))
                    : List.of(ShapeState.info(x.type(), x.shape()), ShapeState.info(DataType.BOOL, x.shape()));
            case "Add", "Sub", "Mul", "Div" ->
                    List.of(ShapeState.info(x.type(), broadcast(node, x.shape(), st.in(node, 1).shape())));
            case "Gemm" -> List.of(gemm(node, x, st.in(node, 1)));
            case "MatMul" -> List.of(ShapeState.info(x.type(), matMul(node, x.shape(), st.in(node, 1).shape())));
            default -> List.of(LayoutShapes.infer(st, node, x));
        };
    }

    private static ValueInfo gemm(Node node, ValueInfo x, ValueInfo b) {
        ShapeState.requireRank(node, x, 2);
        ShapeState.requireRank(node, b, 2);
        GemmSpec spec = GemmSpec.of(node);
        boolean ta = spec.transA();
        boolean tb = spec.transB();
        Dim k1 = x.shape().dim(ta ? 0 : 1);
        Dim k2 = b.shape().dim(tb ? 1 : 0);
        if (k1 instanceof Dim.Fixed && k2 instanceof Dim.Fixed && !k1.equals(k2)) {
            throw node.error("inner dimensions differ: A " + x.shape() + ", B " + b.shape());
        }
        return ShapeState.info(x.type(), List.of(x.shape().dim(ta ? 1 : 0), b.shape().dim(tb ? 0 : 1)));
    }

    /** Conv (weights given) or pooling (weights null): [N, M or C, out...]. */
    private static ValueInfo convLike(ShapeState st, Node node, ValueInfo x, Shape w, boolean conv) {
        ShapeState.requireRankAtLeast(node, x, 3);
        int r = x.shape().rank() - 2;
        long[] kernelFromWeights = null;
        if (conv) {
            if (w.rank() != r + 2 || !w.isStatic()) {
                throw node.error("weights " + w + " must be a static [M, C/group, kernel...] for input "
                        + x.shape());
            }
            kernelFromWeights = Arrays.copyOfRange(w.sizes(), 2, r + 2);
            long group = node.intAttr("group", 1);
            if (x.shape().dim(1) instanceof Dim.Fixed(long c) && (group < 1 || c != w.size(1) * group
                    || w.size(0) % group != 0)) {
                throw node.error("input channels " + c + ", weights " + w + " and group " + group
                        + " do not agree");
            }
            ValueInfo b = st.optIn(node, 2);
            if (b != null && !(b.shape().rank() == 1 && b.shape().dim(0).equals(Dim.of(w.size(0))))) {
                throw node.error("bias " + b.shape() + " must be [" + w.size(0) + "]");
            }
        }
        Window win = Window.of(node, r, kernelFromWeights);
        if (conv) {
            for (int i = 0; i < r; i++) {
                if (win.kernel()[i] != kernelFromWeights[i]) {
                    throw node.error("kernel_shape " + Arrays.toString(win.kernel())
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
                    throw node.error("the window does not fit the input " + x.shape()
                            + " along spatial axis " + i);
                }
                out.add(Dim.of(o));
            } else {
                out.add(st.fresh(node, i + 2));
            }
        }
        return ShapeState.info(x.type(), out);
    }

    static Shape broadcast(Node node, Shape a, Shape b) {
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
                throw node.error("shapes " + a + " and " + b + " do not broadcast");
            } else {
                // A symbol against a size or another symbol: they must be equal at run time.
                out.add(da instanceof Dim.Fixed ? da : db instanceof Dim.Fixed ? db : da);
            }
        }
        return new Shape(out);
    }

    private static List<Dim> matMul(Node node, Shape a, Shape b) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw node.error("operands must have rank >= 1: " + a + ", " + b);
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
            throw node.error("shapes " + a + " and " + b + " cannot be multiplied");
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
}
