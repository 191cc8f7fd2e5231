package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
        ShapeState st = new ShapeState(graph);
        for (ValueInfo in : graph.inputs()) {
            st.values.put(in.name(), in);
        }
        graph.constants().forEach((name, t) -> {
            st.values.put(name, new ValueInfo(name, t.type(), t.irShape()));
            st.know(name, t);
        });
        for (Node node : graph.nodes()) {
            Operators.requireSupported(node);
            for (String in : node.inputs()) {
                if (!in.isEmpty() && !st.values.containsKey(in)) {
                    throw node.error("input '" + in + "' is not a graph input, a constant, or an output"
                            + " of an earlier node");
                }
            }
            List<ValueInfo> outs;
            try {
                outs = fold(st, node);
                if (outs == null) {
                    outs = ShapeRules.infer(st, node);
                }
            } catch (GraphException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new GraphException(node.where() + "shape inference failed: " + e, e);
            }
            for (int i = 0; i < node.outputs().size() && i < outs.size(); i++) {
                String name = node.output(i);
                if (name.isEmpty() || outs.get(i) == null) {
                    continue;
                }
                if (st.values.containsKey(name)) {
                    throw node.error("output '" + name + "' is already defined elsewhere");
                }
                st.values.put(name, new ValueInfo(name, outs.get(i).type(), outs.get(i).shape()));
            }
        }
        for (String o : graph.outputs()) {
            if (!st.values.containsKey(o)) {
                throw new GraphException("graph '" + graph.name() + "': output '" + o + "' is never computed");
            }
        }
        return new Inferred(graph.withValues(st.values), st.known, st.data);
    }

    /** Evaluates a node whose inputs are all known; null when some input is not. */
    private static List<ValueInfo> fold(ShapeState st, Node node) {
        List<TensorValue> args = new ArrayList<>();
        long elements = 0;
        for (String in : node.inputs()) {
            if (in.isEmpty()) {
                args.add(null);
                continue;
            }
            TensorValue t = st.known.get(in);
            if (t == null) {
                return null;
            }
            elements += t.size();
            args.add(t);
        }
        if (node.inputs().isEmpty() || elements > (1 << 22)) {
            return null;
        }
        List<TensorValue> results = Operators.evaluate(node, args, st.opset);
        List<ValueInfo> outs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            TensorValue t = results.get(i);
            if (t == null) {
                outs.add(null);
                continue;
            }
            String name = node.output(i);
            if (!name.isEmpty()) {
                st.know(name, t);
            }
            outs.add(new ValueInfo(name.isEmpty() ? "_" : name, t.type(), t.irShape()));
        }
        return outs;
    }
}
