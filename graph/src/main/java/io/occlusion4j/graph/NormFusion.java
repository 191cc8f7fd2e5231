package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plan rewrite for transformers and ConvNeXt: the written-out LayerNorm of opset-13 exports
 * ({@code ReduceMean -> Sub -> Pow 2 -> ReduceMean -> Add eps -> Sqrt -> Div}, then an optional {@code Mul} by a
 * constant scale and {@code Add} of a constant bias) becomes one {@code LayerNormalization} over the last axis, the
 * exact GELU ({@code Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)}, operands in either order) one {@code Gelu}, and
 * the tanh GELU ({@code 0.5 x (1 + Tanh(sqrt(2 / pi) (x + 0.044715 Pow(x, 3))))}, the half applied to x first or
 * last) one {@code Gelu} with {@code approximate = "tanh"}.
 * A pattern is fused only when each intermediate value is read inside the pattern alone and is not a graph output.
 * The fused nodes compute in double where the pattern rounds each step to float: results agree to float rounding.
 */
public final class NormFusion {
    private NormFusion() {
    }

    /** The graph with every matching pattern fused, shapes inferred. */
    public static Graph apply(Graph graph) {
        if (graph.values().isEmpty()) {
            graph = ShapeInference.infer(graph);
        }
        Matcher m = new Matcher(graph);
        for (Node n : graph.nodes()) {
            if (m.removed.contains(n)) {
                continue;
            }
            if (!m.layerNorm(n) && !m.geluTanh(n)) {
                m.gelu(n);
            }
        }
        if (m.replacement.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (m.replacement.containsKey(n)) {
                nodes.add(m.replacement.get(n));
            } else if (!m.removed.contains(n)) {
                nodes.add(n);
            }
        }
        return ShapeInference.infer(graph.withNodes(nodes, m.constants));
    }

    private static final class Matcher {
        final Graph g;
        final Map<String, Node> producers;
        final Map<String, List<Node>> consumers;
        final Set<Node> removed = new HashSet<>();
        final Map<Node, Node> replacement = new LinkedHashMap<>();
        final Map<String, TensorValue> constants;

        Matcher(Graph g) {
            this.g = g;
            this.producers = g.producers();
            this.consumers = g.consumers();
            this.constants = new LinkedHashMap<>(g.constants());
        }

        Node producer(String value, String op) {
            Node p = producers.get(value);
            return p != null && BatchNormFolding.isStandard(p, op) && !removed.contains(p) ? p : null;
        }

        /** True when {@code value} is read by exactly the nodes {@code readers} and is not a graph output. */
        boolean readOnlyBy(String value, Node... readers) {
            List<Node> r = consumers.getOrDefault(value, List.of());
            return !g.isOutput(value) && r.size() == readers.length && r.containsAll(List.of(readers));
        }

        /** The scalar value of a float constant, or NaN. */
        double scalar(String value) {
            TensorValue t = constants.get(value);
            return t != null && t.type() == DataType.FLOAT && t.size() == 1 ? t.get(0) : Double.NaN;
        }

        /** For a binary node, the operand other than {@code value}, or null when neither is. */
        static String other(Node n, String value) {
            return n.input(0).equals(value) ? n.input(1) : n.input(1).equals(value) ? n.input(0) : null;
        }

        /** The only reader of {@code value}, when it has one and it is {@code op}. */
        Node soleReader(String value, String op) {
            List<Node> r = consumers.getOrDefault(value, List.of());
            return r.size() == 1 && !g.isOutput(value) && BatchNormFolding.isStandard(r.get(0), op) ? r.get(0) : null;
        }

        boolean lastAxisMean(Node mean) {
            if (mean == null) {
                return false;
            }
            ReduceSpec spec;
            try {
                spec = ReduceSpec.of(mean, g.opset(), i -> mean.hasInput(i) ? constants.get(mean.input(i)) : null);
            } catch (RuntimeException e) {
                return false;
            }
            int r = g.info(mean.input(0)).shape().rank();
            return spec.keepDims() && !spec.noop() && spec.axes() != null && spec.axes().length == 1
                    && (spec.axes()[0] == -1 || spec.axes()[0] == r - 1);
        }

        /** Anchored at the Div of a written-out LayerNorm. */
        boolean layerNorm(Node div) {
            if (!BatchNormFolding.isStandard(div, "Div")) {
                return false;
            }
            Node sub = producer(div.input(0), "Sub");
            Node sqrt = producer(div.input(1), "Sqrt");
            Node add = sqrt == null ? null : producer(sqrt.input(0), "Add");
            if (sub == null || add == null) {
                return false;
            }
            Node mean = producer(sub.input(1), "ReduceMean");
            String x = sub.input(0);
            Node var = producer(add.input(0), "ReduceMean");
            String epsName = add.input(1);
            if (var == null) {
                var = producer(add.input(1), "ReduceMean");
                epsName = add.input(0);
            }
            Node pow = var == null ? null : producer(var.input(0), "Pow");
            if (mean == null || !mean.input(0).equals(x) || pow == null || !pow.input(0).equals(sub.output(0))
                    || scalar(pow.input(1)) != 2 || Double.isNaN(scalar(epsName)) || !lastAxisMean(mean)
                    || !lastAxisMean(var) || g.info(x).type() != DataType.FLOAT) {
                return false;
            }
            if (!readOnlyBy(mean.output(0), sub) || !readOnlyBy(sub.output(0), pow, div)
                    || !readOnlyBy(pow.output(0), var) || !readOnlyBy(var.output(0), add)
                    || !readOnlyBy(add.output(0), sqrt) || !readOnlyBy(sqrt.output(0), div)) {
                return false;
            }
            long d = g.info(x).shape().dim(g.info(x).shape().rank() - 1) instanceof Dim.Fixed(long size) ? size : -1;
            List<Node> pattern = new ArrayList<>(List.of(mean, sub, pow, var, add, sqrt, div));
            String scale = null;
            String bias = null;
            Node last = div;
            Node mul = soleReader(div.output(0), "Mul");
            if (mul != null && isVector(other(mul, div.output(0)), d)) {
                scale = other(mul, div.output(0));
                pattern.add(mul);
                last = mul;
                Node shift = soleReader(mul.output(0), "Add");
                if (shift != null && isVector(other(shift, mul.output(0)), d)) {
                    bias = other(shift, mul.output(0));
                    pattern.add(shift);
                    last = shift;
                }
            }
            if (d < 0) {
                return false;
            }
            if (scale == null) {
                scale = div.name() + ".layer_norm_scale";
                float[] ones = new float[(int) d];
                java.util.Arrays.fill(ones, 1f);
                constants.put(scale, TensorValue.ofFloats(new long[] {d}, ones));
            }
            Map<String, Attribute> attrs = new LinkedHashMap<>();
            attrs.put("axis", new Attribute.Int(-1));
            attrs.put("epsilon", new Attribute.Float((float) scalar(epsName)));
            List<String> inputs = bias == null ? List.of(x, scale) : List.of(x, scale, bias);
            fuse(pattern, last, new Node(div.name() + ".layer_norm", "LayerNormalization", "", inputs,
                    List.of(last.output(0)), attrs));
            return true;
        }

        /** A float constant of shape [d] (or [1, ..., d]). */
        boolean isVector(String value, long d) {
            TensorValue t = value == null ? null : constants.get(value);
            return t != null && t.type() == DataType.FLOAT && d > 0 && t.size() == d && t.rank() >= 1
                    && t.shape()[t.rank() - 1] == d;
        }

        /** Anchored at the Div of {@code x / sqrt 2}. */
        void gelu(Node div) {
            if (!BatchNormFolding.isStandard(div, "Div") || Math.abs(scalar(div.input(1)) - Math.sqrt(2)) > 1e-6) {
                return;
            }
            String x = div.input(0);
            Node erf = soleReader(div.output(0), "Erf");
            Node add = erf == null ? null : soleReader(erf.output(0), "Add");
            if (add == null || scalar(other(add, erf.output(0))) != 1) {
                return;
            }
            Node mul = soleReader(add.output(0), "Mul");
            if (mul == null || !x.equals(other(mul, add.output(0)))) {
                return;
            }
            Node half = soleReader(mul.output(0), "Mul");
            if (half == null || scalar(other(half, mul.output(0))) != 0.5) {
                return;
            }
            fuse(List.of(div, erf, add, mul, half), half, new Node(div.name() + ".gelu", "Gelu", "", List.of(x),
                    List.of(half.output(0)), Map.of()));
        }

        boolean near(String constant, double value) {
            return Math.abs(scalar(constant) - value) <= 1e-6 * Math.max(1, Math.abs(value));
        }

        /** Anchored at the Tanh of a tanh GELU. */
        boolean geluTanh(Node tanh) {
            if (!BatchNormFolding.isStandard(tanh, "Tanh")) {
                return false;
            }
            Node s = producer(tanh.input(0), "Mul");
            String r = s == null ? null : near(s.input(1), Math.sqrt(2 / Math.PI)) ? s.input(0)
                    : near(s.input(0), Math.sqrt(2 / Math.PI)) ? s.input(1) : null;
            Node add = r == null ? null : producer(r, "Add");
            if (add == null) {
                return false;
            }
            for (int side = 0; side < 2; side++) {
                String x = add.input(side);
                Node cube = producer(add.input(1 - side), "Mul");
                String p = cube == null ? null : near(cube.input(1), 0.044715) ? cube.input(0)
                        : near(cube.input(0), 0.044715) ? cube.input(1) : null;
                Node pow = p == null ? null : producer(p, "Pow");
                if (pow != null && pow.input(0).equals(x) && scalar(pow.input(1)) == 3 && readOnlyBy(p, cube)
                        && readOnlyBy(cube.output(0), add) && readOnlyBy(add.output(0), s)
                        && readOnlyBy(s.output(0), tanh)) {
                    return geluTanhTail(tanh, x, List.of(pow, cube, add, s, tanh));
                }
            }
            return false;
        }

        /** {@code Add(t, 1)}, then {@code Mul(Mul(x, 0.5), u)} or {@code Mul(Mul(x, u), 0.5)}. */
        private boolean geluTanhTail(Node tanh, String x, List<Node> head) {
            Node one = soleReader(tanh.output(0), "Add");
            if (one == null || scalar(other(one, tanh.output(0))) != 1) {
                return false;
            }
            Node mul = soleReader(one.output(0), "Mul");
            String a = mul == null ? null : other(mul, one.output(0));
            Node half = a == null ? null : producer(a, "Mul");
            Node last;
            List<Node> pattern = new ArrayList<>(head);
            pattern.add(one);
            if (half != null && half.inputs().contains(x) && scalar(other(half, x)) == 0.5 && readOnlyBy(a, mul)) {
                pattern.add(half);
                pattern.add(mul);
                last = mul;
            } else if (mul != null && x.equals(a)) {
                Node outer = soleReader(mul.output(0), "Mul");
                if (outer == null || scalar(other(outer, mul.output(0))) != 0.5) {
                    return false;
                }
                pattern.add(mul);
                pattern.add(outer);
                last = outer;
            } else {
                return false;
            }
            fuse(pattern, last, new Node(tanh.name() + ".gelu", "Gelu", "", List.of(x), List.of(last.output(0)),
                    Map.of("approximate", new Attribute.Str("tanh"))));
            return true;
        }

        void fuse(List<Node> pattern, Node last, Node fused) {
            removed.addAll(pattern);
            replacement.put(last, fused);
        }
    }
}
