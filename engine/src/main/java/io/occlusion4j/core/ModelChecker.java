package io.occlusion4j.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A back end's answer to "does this model run on you?", with no device needed: found at run time
 * ({@link ServiceLoader}), as {@link BackendProvider} is, so a tool ({@code occlusion4j check-model}) asks the CUDA back
 * end without compiling against it. The CUDA back end's checker reads the model, lists the operators, builds and lowers
 * its plan, and runs the lowered plan on the host device against ONNX Runtime in each storage it offers. Failures of
 * the check itself (a model that cannot be read, shapes it cannot bind) are {@link io.occlusion4j.OcclusionException}s;
 * an unsupported node is a finding of the report, not an exception.
 */
public interface ModelChecker {

    /** The back end checked for, as {@link BackendProvider#name()} says it ({@code cuda}). */
    String name();

    /** Checks {@code model} as {@code request} says. */
    ModelCheck check(Path model, Request request);

    /**
     * What to check.
     *
     * @param batch  samples per run (the plan is built for this batch); 0: the model's fixed batch, else 1
     * @param height the input height where the model leaves it open (0: as the model declares it)
     * @param width  the input width, likewise
     * @param seed   the seed of the random input (uniform in [-1, 1))
     * @param device where the lowered plan runs: {@code host} (the back end's operations on the CPU: no GPU needed) or
     *               {@code gpu} (the machine's GPU, for the same report measured on the device)
     */
    record Request(int batch, int height, int width, long seed, String device) {
        /** A check on the host device. */
        public Request(int batch, int height, int width, long seed) {
            this(batch, height, width, seed, "host");
        }

        public Request {
            if (!"host".equals(device) && !"gpu".equals(device)) {
                throw new IllegalArgumentException("device must be host or gpu, got " + device);
            }
            if (batch < 0) {
                throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            }
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("size must be two positive numbers HxW, got " + height + "x" + width);
            }
        }

        /** Whether a size was given. */
        public boolean sized() {
            return height > 0;
        }
    }

    /** Every checker on the class path (or module path), in the order the service loader finds them. */
    static List<ModelChecker> discover() {
        List<ModelChecker> out = new ArrayList<>();
        ServiceLoader.load(ModelChecker.class).forEach(out::add);
        return List.copyOf(out);
    }
}
