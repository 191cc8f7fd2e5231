package io.occlusion4j.graph;

/**
 * A model that cannot be read, shaped, rewritten or executed; the message names the node and operator.
 * The graph module sits below the engine, so this is not an {@code OcclusionException}: whoever loads a
 * model through the graph (a back-end provider, {@code check-model}) translates it at its boundary.
 */
public class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }

    public GraphException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "node 'conv1' (Conv): " — the prefix every node-specific message starts with. */
    static String at(Node node) {
        return "node '" + node.name() + "' (" + node.qualifiedOpType() + "): ";
    }

    static GraphException at(Node node, String what) {
        return new GraphException(at(node) + what);
    }
}
