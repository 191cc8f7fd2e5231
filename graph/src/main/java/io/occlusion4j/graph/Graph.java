package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The graph IR: topologically ordered nodes over named values. Graph inputs are the values a caller
 * feeds (initializers are not inputs here, even when the file lists them as such); constants are
 * initializers and folded {@code Constant} nodes. {@link #values()} holds the type and shape of every
 * value once {@link ShapeInference} has run, and is empty before. Immutable: rewrites return new graphs.
 *
 * @param name      the graph's name
 * @param opsets    imported operator sets, domain ("" standard) to version
 * @param inputs    the fed inputs with their declared types and shapes
 * @param outputs   names of the graph outputs, in order
 * @param nodes     the nodes, each after the producers of its inputs
 * @param constants initializer and constant tensors by name
 * @param values    inferred type and shape of every value (inputs, constants, node outputs)
 */
public record Graph(String name, Map<String, Long> opsets, List<ValueInfo> inputs, List<String> outputs,
                    List<Node> nodes, Map<String, TensorValue> constants, Map<String, ValueInfo> values) {

    public Graph {
        Objects.requireNonNull(name, "name");
        opsets = Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        nodes = List.copyOf(nodes);
        constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Version of the standard operator set the model imports. */
    public long opset() {
        return opsets.getOrDefault("", 1L);
    }

    /** The inferred type and shape of a value; fails when shapes have not been inferred. */
    public ValueInfo info(String value) {
        ValueInfo v = values.get(value);
        if (v == null) {
            throw new GraphException("value '" + value + "' of graph '" + name + "' has no inferred shape"
                    + (values.isEmpty() ? " (run ShapeInference first)" : ""));
        }
        return v;
    }

    public boolean isConstant(String value) {
        return constants.containsKey(value);
    }

    /** The constants {@code nodes} read, in the order they first read them (what a sub-graph of them carries). */
    public Map<String, TensorValue> constantsReadBy(List<Node> nodes) {
        Map<String, TensorValue> c = new LinkedHashMap<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (isConstant(in)) {
                    c.put(in, constants.get(in));
                }
            }
        }
        return c;
    }

    public boolean isOutput(String value) {
        return outputs.contains(value);
    }

    /** Input names in order. */
    public List<String> inputNames() {
        List<String> r = new ArrayList<>(inputs.size());
        for (ValueInfo v : inputs) {
            r.add(v.name());
        }
        return r;
    }

    /** The node producing each value. */
    public Map<String, Node> producers() {
        Map<String, Node> r = new HashMap<>();
        for (Node n : nodes) {
            for (String o : n.outputs()) {
                if (!o.isEmpty()) {
                    r.put(o, n);
                }
            }
        }
        return r;
    }

    /** The nodes reading each value (a node reading a value twice is listed twice). */
    public Map<String, List<Node>> consumers() {
        Map<String, List<Node>> r = new HashMap<>();
        for (Node n : nodes) {
            for (String i : n.inputs()) {
                if (!i.isEmpty()) {
                    r.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return r;
    }

    /** Operators used, in first-use order. */
    public Set<String> opTypes() {
        Set<String> r = new java.util.LinkedHashSet<>();
        for (Node n : nodes) {
            r.add(n.qualifiedOpType());
        }
        return r;
    }

    /** This graph with other nodes and constants; inferred values are dropped (infer again). */
    public Graph withNodes(List<Node> newNodes, Map<String, TensorValue> newConstants) {
        return new Graph(name, opsets, inputs, outputs, newNodes, newConstants, Map.of());
    }

    public Graph withValues(Map<String, ValueInfo> newValues) {
        return new Graph(name, opsets, inputs, outputs, nodes, constants, newValues);
    }

    public Graph withInputs(List<ValueInfo> newInputs) {
        return new Graph(name, opsets, newInputs, outputs, nodes, constants, Map.of());
    }

    /**
     * This graph with some inputs turned into constants of the given values: how shape operands that a
     * model feeds at run time (a Reshape target, Slice bounds, Pad widths) become known at plan time.
     */
    public Graph withInputsAsConstants(Map<String, TensorValue> fixed) {
        List<ValueInfo> rest = new ArrayList<>();
        for (ValueInfo in : inputs) {
            if (!fixed.containsKey(in.name())) {
                rest.add(in);
            }
        }
        for (String name : fixed.keySet()) {
            if (!inputNames().contains(name)) {
                throw new GraphException("graph '" + this.name + "' has no input '" + name + "'");
            }
        }
        Map<String, TensorValue> c = new LinkedHashMap<>(constants);
        c.putAll(fixed);
        return new Graph(name, opsets, rest, outputs, nodes, c, Map.of());
    }

    /**
     * Drops nodes whose outputs nobody reads and constants no node reads. Used after rewrites so the
     * plan never computes or uploads what nothing needs.
     */
    public Graph withoutDeadCode() {
        Set<String> live = new HashSet<>(outputs);
        List<Node> kept = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean needed = false;
            for (String o : n.outputs()) {
                needed |= live.contains(o);
            }
            if (needed) {
                kept.add(n);
                live.addAll(n.inputs());
            }
        }
        Collections.reverse(kept);
        Map<String, TensorValue> c = new LinkedHashMap<>();
        constants.forEach((k, v) -> {
            if (live.contains(k)) {
                c.put(k, v);
            }
        });
        Map<String, ValueInfo> v = new LinkedHashMap<>();
        values.forEach((k, x) -> {
            if (live.contains(k) || inputNames().contains(k)) {
                v.put(k, x);
            }
        });
        return new Graph(name, opsets, inputs, outputs, kept, c, v);
    }
}
