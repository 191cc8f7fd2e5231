package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What shape inference knows while it walks a graph: each value's type and shape, the contents of values
 * known before running (constants and what folds from them), and the symbolic contents of small integer
 * (shape) tensors. The rules ({@link ShapeRules}, {@link LayoutShapes}) read and extend it node by node.
 */
final class ShapeState {
    final Graph graph;
    final long opset;
    final Map<String, ValueInfo> values = new LinkedHashMap<>();
    final Map<String, TensorValue> known = new HashMap<>();
    final Map<String, List<Dim>> data = new HashMap<>();

    ShapeState(Graph graph) {
        this.graph = graph;
        this.opset = graph.opset();
    }

    ValueInfo in(Node node, int i) {
        String name = node.input(i);
        if (name.isEmpty()) {
            throw node.error("input " + i + " is required");
        }
        return values.get(name);
    }

    ValueInfo optIn(Node node, int i) {
        return node.hasInput(i) ? values.get(node.input(i)) : null;
    }

    /** The contents of an input that must be known to infer the shape. */
    TensorValue knownInput(Node node, int i, String what) {
        TensorValue t = node.hasInput(i) ? known.get(node.input(i)) : null;
        if (t == null) {
            throw new UnsupportedOperatorException(node, what + " (input " + i + ") must be a constant");
        }
        return t;
    }

    /** The node's constant inputs for an operator spec: known contents, null when omitted, an error otherwise. */
    ConstantInputs constants(Node node) {
        return i -> {
            if (!node.hasInput(i)) {
                return null;
            }
            TensorValue t = known.get(node.input(i));
            if (t == null) {
                throw new UnsupportedOperatorException(node, "input " + i + " ('" + node.input(i) + "') must be a"
                        + " constant or computable from constants");
            }
            return t;
        };
    }

    /** The contents of an integer input that must be known to infer the shape. */
    long[] knownLongs(Node node, int i, String what) {
        return knownInput(node, i, what).toLongs();
    }

    Dim fresh(Node node, int axis) {
        return Dim.sym(node.name() + "[" + axis + "]");
    }

    static ValueInfo info(DataType type, List<Dim> dims) {
        return new ValueInfo("_", type, new Shape(dims));
    }

    static ValueInfo info(DataType type, Shape shape) {
        return new ValueInfo("_", type, shape);
    }

    /** Records a value known before running (and its contents as dims when it is a small integer tensor). */
    void know(String name, TensorValue t) {
        known.put(name, t);
        if (t.type().isIntegral() && t.rank() <= 1) {
            data.put(name, dimsOf(t));
        }
    }

    /**
     * Contents of a small integer tensor as dims. A negative element (Reshape's -1) has no Dim of its
     * own: it becomes a marker symbol that {@link #isNegative} recognises.
     */
    static List<Dim> dimsOf(TensorValue t) {
        List<Dim> d = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            long v = t.getLong(i);
            d.add(v >= 0 ? Dim.of(v) : Dim.sym(NEGATIVE + v));
        }
        return d;
    }

    static final String NEGATIVE = "<negative>";

    static boolean isNegative(Dim d) {
        return d instanceof Dim.Symbolic(String name) && name.startsWith(NEGATIVE);
    }

    static boolean isMinusOne(Dim d) {
        return d instanceof Dim.Symbolic(String name) && name.equals(NEGATIVE + "-1");
    }

    void passData(Node node, int input, boolean pass) {
        List<Dim> d = data.get(node.input(input));
        if (pass && d != null) {
            data.put(node.output(0), d);
        }
    }

    static void requireRank(Node node, ValueInfo v, int rank) {
        if (v.shape().rank() != rank) {
            throw node.error("input '" + v.name() + "' has shape " + v.shape() + ", rank " + rank
                    + " is required");
        }
    }

    static void requireRankAtLeast(Node node, ValueInfo v, int rank) {
        if (v.shape().rank() < rank) {
            throw node.error("input '" + v.name() + "' has shape " + v.shape() + "; [N, C, spatial...]"
                    + " is required");
        }
    }
}
