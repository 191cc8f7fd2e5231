package io.occlusion4j.graph;

/**
 * A node whose operator (or operator variant) occlusion4j's own inference plan cannot run. The message
 * names the operator and the node and points to the CPU back end, which runs any ONNX model.
 */
public final class UnsupportedOperatorException extends GraphException {
    private final String opType;
    private final String nodeName;

    public UnsupportedOperatorException(Node node, String detail) {
        super("operator " + node.qualifiedOpType() + " at node '" + node.name() + "' is not supported by"
                + " occlusion4j's inference plan" + (detail.isEmpty() ? "" : " (" + detail + ")")
                + "; run this model with --backend cpu (ONNX Runtime)");
        this.opType = node.qualifiedOpType();
        this.nodeName = node.name();
    }

    /** The operator, with its domain when it is not the standard one. */
    public String opType() {
        return opType;
    }

    /** The node that uses it. */
    public String nodeName() {
        return nodeName;
    }
}
