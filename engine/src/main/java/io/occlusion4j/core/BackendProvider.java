package io.occlusion4j.core;

import java.nio.file.Path;

/**
 * A back end found at run time ({@link java.util.ServiceLoader}): the CUDA inference plan lives in the
 * kernels module, which depends on the engine, so the engine reaches it only through this interface.
 * {@link #probe()} says, without loading a model, whether the machine can run it (and why not);
 * {@link #open} loads a model, failing with {@link io.occlusion4j.graph.UnsupportedOperatorException}
 * when the model has an operator the back end cannot run.
 */
public interface BackendProvider {

    /** {@code cuda}, as {@link BackendSession#name()} says it. */
    String name();

    /** Whether this machine can run the back end; the reason (device, or what is missing) either way. */
    Availability probe();

    /** Loads {@code model}; {@code threads} is the CPU thread setting, for back ends that use one. */
    BackendSession open(Path model, int threads);

    /** The outcome of a probe. */
    record Availability(boolean available, String reason) {
        public static Availability available(String device) {
            return new Availability(true, device);
        }

        public static Availability unavailable(String reason) {
            return new Availability(false, reason);
        }
    }
}
