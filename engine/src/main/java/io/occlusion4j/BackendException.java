package io.occlusion4j;

/**
 * A back end failed: its native libraries, its device or its own plan (a CUDA call that returned an error,
 * device memory exhausted, a kernel that did not compile, a model its plan cannot run). Back ends translate
 * every failure of their own into this (or a subtype) at the provider boundary, so callers see no native
 * type, and {@code Backend.AUTO} can fall back to the CPU. The message says what failed and, where it
 * helps, what to do instead.
 */
public class BackendException extends OcclusionException {
    private final String backend;

    public BackendException(String backend, String message) {
        super(message);
        this.backend = backend;
    }

    public BackendException(String backend, String message, Throwable cause) {
        super(message, cause);
        this.backend = backend;
    }

    /** The back end that failed ({@code cuda}, {@code cpu}). */
    public String backend() {
        return backend;
    }
}
