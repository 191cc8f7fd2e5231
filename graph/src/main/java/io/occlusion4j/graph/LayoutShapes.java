package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shape rules of the operators that move or reshape elements (Concat, Flatten, Reshape, Transpose, Pad,
 * Gather, Slice, Squeeze, Unsqueeze, ReduceMean) and of the shape operators (Shape, Cast, ConstantOfShape),
 * including the symbolic contents they pass along: {@code Shape -> Gather -> Concat -> Reshape} keeps its
 * symbols.
 */
final class LayoutShapes {
    private LayoutShapes() {
    }

    /** The one output of a layout or shape operator. */
    static ValueInfo infer(ShapeState st, Node node, ValueInfo x) {
        return switch (node.opType()) {
            case "Concat" -> concat(st, node);
            case "Flatten" -> {
                int r = x.shape().rank();
                int a = FlattenSpec.of(node).axis(node, r);
                yield ShapeState.info(x.type(), List.of(product(st, node, x.shape().dims().subList(0, a), 0),
                        product(st, node, x.shape().dims().subList(a, r), 1)));
            }
            case "Reshape" -> ShapeState.info(x.type(), reshape(st, node, x));
            case "Transpose" -> {
                int[] perm = TransposeSpec.of(node).perm(node, x.shape().rank());
                List<Dim> d = new ArrayList<>();
                for (int p : perm) {
                    d.add(x.shape().dim(p));
                }
                yield ShapeState.info(x.type(), d);
            }
            case "Pad" -> pad(st, node, x);
            case "Shape" -> shape(st, node, x);
            case "Cast" -> {
                DataType to = CastSpec.of(node).to();
                st.passData(node, 0, to.isIntegral() && to != DataType.BOOL);
                yield ShapeState.info(to, x.shape());
            }
            case "Gather" -> gather(st, node, x);
            case "Unsqueeze" -> unsqueeze(st, node, x);
            case "Squeeze" -> squeeze(st, node, x);
            case "Slice" -> slice(st, node, x);
            case "ConstantOfShape" -> constantOfShape(st, node);
            case "ReduceMean" -> reduce(st, node, x);
            default -> throw new UnsupportedOperatorException(node, "");
        };
    }

    private static ValueInfo shape(ShapeState st, Node node, ValueInfo x) {
        int[] range = ShapeSpec.of(node).range(x.shape().rank());
        List<Dim> d = x.shape().dims().subList(range[0], range[1]);
        st.data.put(node.output(0), List.copyOf(d));
        Shape sub = new Shape(d);
        if (sub.isStatic()) {
            st.known.put(node.output(0), TensorValue.ofInt64(new long[] {d.size()}, sub.sizes()));
        }
        return ShapeState.info(DataType.INT64, Shape.of(d.size()));
    }

    private static ValueInfo unsqueeze(ShapeState st, Node node, ValueInfo x) {
        long[] axes = AxesSpec.of(node, st.opset, st.constants(node));
        if (axes == null) {
            throw node.error("axes are required");
        }
        int r = x.shape().rank() + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            added[Axes.axis(node, a, r)] = true;
        }
        List<Dim> d = new ArrayList<>();
        for (int i = 0, j = 0; i < r; i++) {
            d.add(added[i] ? Dim.of(1) : x.shape().dim(j++));
        }
        if (x.shape().rank() == 0) {
            st.passData(node, 0, true);
        }
        return ShapeState.info(x.type(), d);
    }

    private static ValueInfo squeeze(ShapeState st, Node node, ValueInfo x) {
        long[] axes = AxesSpec.of(node, st.opset, st.constants(node));
        int r = x.shape().rank();
        boolean[] drop = new boolean[r];
        for (int i = 0; axes == null && i < r; i++) {
            drop[i] = x.shape().dim(i).equals(Dim.of(1));
        }
        for (long a : axes == null ? new long[0] : axes) {
            int ax = Axes.axis(node, a, r);
            if (x.shape().dim(ax) instanceof Dim.Fixed(long s) && s != 1) {
                throw node.error("cannot squeeze axis " + ax + " of size " + s);
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
            st.passData(node, 0, true);
        }
        return ShapeState.info(x.type(), d);
    }

    private static ValueInfo constantOfShape(ShapeState st, Node node) {
        List<Dim> d = st.data.get(node.input(0));
        if (d == null) {
            throw new UnsupportedOperatorException(node, "its shape input must be computable before running");
        }
        for (Dim e : d) {
            if (ShapeState.isNegative(e)) {
                throw node.error("shape " + d + " has a negative dimension");
            }
        }
        TensorValue v = node.tensorAttr("value");
        return ShapeState.info(v == null ? DataType.FLOAT : v.type(), d);
    }

    private static ValueInfo reduce(ShapeState st, Node node, ValueInfo x) {
        ReduceSpec spec = ReduceSpec.of(node, st.opset, st.constants(node));
        if (spec.noop()) {
            return ShapeState.info(x.type(), x.shape());
        }
        int r = x.shape().rank();
        boolean[] red = spec.reduced(node, r);
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            if (!red[i]) {
                d.add(x.shape().dim(i));
            } else if (spec.keepDims()) {
                d.add(Dim.of(1));
            }
        }
        return ShapeState.info(x.type(), d);
    }

    private static ValueInfo pad(ShapeState st, Node node, ValueInfo x) {
        int r = x.shape().rank();
        long[] pads = PadSpec.pads(node, st.opset, r, st.constants(node));
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            Dim d = x.shape().dim(i);
            if (pads[i] == 0 && pads[i + r] == 0) {
                out.add(d);
            } else if (d instanceof Dim.Fixed(long s)) {
                out.add(Dim.of(s + pads[i] + pads[i + r]));
            } else {
                out.add(st.fresh(node, i));
            }
        }
        return ShapeState.info(x.type(), out);
    }

    private static ValueInfo slice(ShapeState st, Node node, ValueInfo x) {
        SliceSpec spec = SliceSpec.of(node, st.opset, st.constants(node));
        int r = x.shape().rank();
        List<Dim> out = new ArrayList<>(x.shape().dims());
        long[] begin = new long[r];
        long[] stepOf = new long[r];
        long[] count = new long[r];
        Arrays.fill(stepOf, 1);
        Arrays.fill(count, -1);
        for (int i = 0; i < spec.size(); i++) {
            int a = spec.axis(node, i, r);
            long st1 = spec.step(node, i);
            if (x.shape().dim(a) instanceof Dim.Fixed(long dim)) {
                SliceSpec.Extent e = spec.extent(node, i, dim);
                out.set(a, Dim.of(e.count()));
                begin[a] = e.start();
                stepOf[a] = st1;
                count[a] = e.count();
            } else if (!spec.keepsWholeAxis(i)) {
                out.set(a, st.fresh(node, a));
            }
        }
        List<Dim> d = st.data.get(node.input(0));
        if (d != null && r == 1 && count[0] >= 0) {
            List<Dim> picked = new ArrayList<>();
            for (long i = 0; i < count[0]; i++) {
                picked.add(d.get((int) (begin[0] + i * stepOf[0])));
            }
            st.data.put(node.output(0), picked);
        }
        return ShapeState.info(x.type(), out);
    }

    private static ValueInfo concat(ShapeState st, Node node) {
        ConcatSpec spec = ConcatSpec.of(node);
        ValueInfo first = st.in(node, 0);
        int r = first.shape().rank();
        int ax = spec.axis(node, Math.max(r, 1));
        List<Dim> out = new ArrayList<>(first.shape().dims());
        long sum = 0;
        boolean fixed = true;
        List<Dim> joined = new ArrayList<>();
        for (int i = 0; i < node.inputs().size(); i++) {
            ValueInfo v = st.in(node, i);
            if (v.shape().rank() != r) {
                throw node.error("input ranks differ: " + v.shape() + " vs " + first.shape());
            }
            for (int d = 0; d < r; d++) {
                if (d != ax && v.shape().dim(d) instanceof Dim.Fixed(long s)
                        && first.shape().dim(d) instanceof Dim.Fixed(long f) && s != f) {
                    throw node.error("input shapes " + v.shape() + " and " + first.shape()
                            + " differ outside axis " + ax);
                }
            }
            if (v.shape().dim(ax) instanceof Dim.Fixed(long s)) {
                sum += s;
            } else {
                fixed = false;
            }
            List<Dim> d = st.data.get(node.input(i));
            if (joined != null && d != null && r == 1) {
                joined.addAll(d);
            } else {
                joined = null;
            }
        }
        out.set(ax, fixed ? Dim.of(sum) : st.fresh(node, ax));
        if (joined != null) {
            st.data.put(node.output(0), joined);
        }
        return ShapeState.info(first.type(), out);
    }

    /** Product of dims: a size when all are sizes, the symbol when one symbol times 1s, else fresh. */
    private static Dim product(ShapeState st, Node node, List<Dim> dims, int axis) {
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
        return symbols == 1 && p == 1 ? symbol : st.fresh(node, axis);
    }

    private static List<Dim> reshape(ShapeState st, Node node, ValueInfo x) {
        List<Dim> target;
        if (node.has("shape")) {
            long[] v = node.intsAttr("shape");
            target = ShapeState.dimsOf(TensorValue.ofInt64(new long[] {v.length}, v));
        } else {
            target = st.data.get(node.input(1));
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
                    throw node.error("shape " + target + " copies dimension " + i + " which the input "
                            + x.shape() + " does not have");
                }
                out.set(i, x.shape().dim(i));
            }
            if (ShapeState.isMinusOne(d)) {
                if (infer >= 0) {
                    throw node.error("shape " + target + " has more than one -1");
                }
                infer = i;
            } else if (ShapeState.isNegative(d)) {
                throw node.error("shape " + target + " has a negative dimension");
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
                    throw node.error("cannot reshape " + x.shape() + " to " + target);
                }
                out.set(infer, Dim.of(inFixed / outFixed));
            } else if (cancels && rest.size() == 1 && inFixed == outFixed) {
                out.set(infer, rest.get(0));
            } else {
                out.set(infer, st.fresh(node, infer));
            }
        } else if (cancels && rest.isEmpty() && inFixed != outFixed) {
            throw node.error("cannot reshape " + x.shape() + " to " + target);
        }
        return out;
    }

    private static ValueInfo gather(ShapeState st, Node node, ValueInfo x) {
        ValueInfo idx = st.in(node, 1);
        int r = x.shape().rank();
        int ax = Axes.axis(node, node.intAttr("axis", 0), r);
        List<Dim> out = new ArrayList<>(x.shape().dims().subList(0, ax));
        out.addAll(idx.shape().dims());
        out.addAll(x.shape().dims().subList(ax + 1, r));
        List<Dim> d = st.data.get(node.input(0));
        TensorValue indices = st.known.get(node.input(1));
        if (d != null && r == 1 && indices != null) {
            List<Dim> picked = new ArrayList<>();
            for (long i : indices.toLongs()) {
                picked.add(d.get((int) (i < 0 ? i + d.size() : i)));
            }
            st.data.put(node.output(0), picked);
        }
        return ShapeState.info(x.type(), out);
    }
}
