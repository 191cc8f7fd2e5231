package io.occlusion4j.graph;

import io.occlusion4j.OcclusionException;

/** A model that cannot be read, shaped, rewritten or executed; the message names the node and operator. */
public class GraphException extends OcclusionException {
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
