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
}
