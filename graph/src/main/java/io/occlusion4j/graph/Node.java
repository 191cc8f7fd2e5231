package io.occlusion4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operator application. Inputs and outputs are value names; an empty name is an omitted optional
 * input or output, as in ONNX. The domain is empty for the standard operator set;
 * {@value #OCCLUSION4J_DOMAIN} holds the plan's own fused operators.
 */
public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                   Map<String, Attribute> attributes) {

    /** Domain of the operators the plan rewrites introduce (e.g. {@code FusedConv}). */
    public static final String OCCLUSION4J_DOMAIN = "io.occlusion4j";

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opType, "opType");
        domain = domain == null || domain.equals("ai.onnx") ? "" : domain;
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** A standard-domain node. */
    public static Node of(String name, String opType, List<String> inputs, List<String> outputs,
                          Map<String, Attribute> attributes) {
        return new Node(name, opType, "", inputs, outputs, attributes);
    }

    /** The operator with its domain when that is not the standard one ({@code com.microsoft.Gelu}). */
    public String qualifiedOpType() {
        return domain.isEmpty() ? opType : domain + "." + opType;
    }

    /** Input {@code i}, or "" when absent or omitted. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /** True when optional input {@code i} is given. */
    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public String output(int i) {
        return i < outputs.size() ? outputs.get(i) : "";
    }

    public boolean has(String attribute) {
        return attributes.containsKey(attribute);
    }

    public long intAttr(String attribute, long orElse) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return orElse;
        }
        if (a instanceof Attribute.Int(long v)) {
            return v;
        }
        throw error("attribute '" + attribute + "' must be an int, is " + a);
    }

    public float floatAttr(String attribute, float orElse) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return orElse;
        }
        if (a instanceof Attribute.Float(float v)) {
            return v;
        }
        if (a instanceof Attribute.Int(long v)) {
            return v;
        }
        throw error("attribute '" + attribute + "' must be a float, is " + a);
    }

    public String stringAttr(String attribute, String orElse) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return orElse;
        }
        if (a instanceof Attribute.Str(String v)) {
            return v;
        }
        throw error("attribute '" + attribute + "' must be a string, is " + a);
    }

    /** An ints attribute, or null when absent. */
    public long[] intsAttr(String attribute) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return null;
        }
        if (a instanceof Attribute.Ints(long[] v)) {
            return v.clone();
        }
        throw error("attribute '" + attribute + "' must be a list of ints, is " + a);
    }

    /** A floats attribute, or null when absent. */
    public float[] floatsAttr(String attribute) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return null;
        }
        if (a instanceof Attribute.Floats(float[] v)) {
            return v.clone();
        }
        throw error("attribute '" + attribute + "' must be a list of floats, is " + a);
    }

    /** A tensor attribute, or null when absent. */
    public TensorValue tensorAttr(String attribute) {
        Attribute a = attributes.get(attribute);
        if (a == null) {
            return null;
        }
        if (a instanceof Attribute.Tensor(TensorValue v)) {
            return v;
        }
        throw error("attribute '" + attribute + "' must be a tensor, is " + a);
    }

    /** This node with other inputs (same name, operator and attributes). */
    public Node withInputs(List<String> newInputs) {
        return new Node(name, opType, domain, newInputs, outputs, attributes);
    }

    public Node withOutputs(List<String> newOutputs) {
        return new Node(name, opType, domain, inputs, newOutputs, attributes);
    }

    @Override
    public String toString() {
        return qualifiedOpType() + " '" + name + "' " + inputs + " -> " + outputs;
    }

    /** "node 'conv1' (Conv): " — the prefix every node-specific message starts with. */
    String where() {
        return "node '" + name() + "' (" + qualifiedOpType() + "): ";
    }

    /** A {@link GraphException} about this node: its {@link #where()} prefix, then {@code what}. */
    GraphException error(String what) {
        return new GraphException(where() + what);
    }

    /** This node with the attributes {@code names} removed (a windowed operator over a pre-padded input drops its padding). */
    public Node withoutAttributes(String... names) {
        Map<String, Attribute> kept = new LinkedHashMap<>(attributes);
        for (String n : names) {
            kept.remove(n);
        }
        return new Node(name, opType, domain, inputs, outputs, kept);
    }
}
