package io.occlusion4j.core;

import java.nio.file.Path;
import java.util.List;

/**
 * A back end found at run time ({@link java.util.ServiceLoader}): the CUDA back end lives in the cuda-backend
 * module, which depends on the engine, so the engine reaches it only through this interface. {@link #probe()}
 * says, without loading a model, whether the machine can run it (and why not); {@link #findings()} lists what
 * the back end looked for (libraries with their versions, devices), for {@code doctor}; {@link #open} loads a
 * model. Everything a provider throws is an {@link io.occlusion4j.OcclusionException}: a failure of the back end
 * itself a {@link io.occlusion4j.BackendException}, a model it cannot run an
 * {@link io.occlusion4j.UnsupportedModelException}; nothing native crosses this interface.
 */
public interface BackendProvider {

    /** {@code cuda}, as {@link BackendSession#name()} says it. */
    String name();

    /** Whether this machine can run the back end; the reason (device, or what is missing) either way. */
    Availability probe();

    /** What this back end needs and found on this machine, one finding per library or device; none by default. */
    default List<Finding> findings() {
        return List.of();
    }

    /** Loads {@code model} as {@code options} say. */
    BackendSession open(Path model, OpenOptions options);

    /**
     * How a model is opened.
     *
     * @param threads     the CPU thread setting (0: every processor), for back ends that use one
     * @param verify      whether a back end other than the CPU checks its results against ONNX Runtime when it first
     *                    runs (off for benchmarks)
     * @param cpuFallback whether a failed check may hand the work to the CPU back end (AUTO) rather than fail (the
     *                    back end was asked for by name)
     */
    record OpenOptions(int threads, boolean verify, boolean cpuFallback) {
    }

    /**
     * One thing a back end looked for: a library (found or not, where, its version) or a device.
     *
     * @param what    e.g. {@code cudnn}, {@code device 0}
     * @param found   whether it is there
     * @param version its version when found (empty when unknown or missing)
     * @param detail  where it is, or why it is missing
     * @param tried   the places looked in, in order (for a missing library)
     */
    record Finding(String what, boolean found, String version, String detail, List<String> tried) {
        public Finding {
            tried = List.copyOf(tried);
        }
    }

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
