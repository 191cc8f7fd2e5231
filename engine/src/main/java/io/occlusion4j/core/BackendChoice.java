package io.occlusion4j.core;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.UnsupportedModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * How {@link io.occlusion4j.Occlusion.Builder#build()} picks a back end: AUTO takes the CUDA provider when
 * its probe says the machine can run it and it loads the model (every operator supported), else the CPU
 * (ONNX Runtime), and logs one line saying which and why; CUDA asked for and unavailable (or the model
 * unsupported) is an {@link OcclusionException} carrying the reason.
 *
 * @param session the chosen session
 * @param reason  why it was chosen, for {@code Occlusion.backend()} and the log
 */
public record BackendChoice(BackendSession session, String reason) {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j");

    /** The providers on the class path (the cuda-backend module's, when present). */
    public static List<BackendProvider> discover() {
        List<BackendProvider> found = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            found.add(p);
        }
        return found;
    }

    /**
     * AUTO: the first provider named {@code cuda} that probes available and opens the model, else {@code cpu}; the
     * provider may hand work to the CPU later too, should its run-time check fail ({@code verify}).
     */
    public static BackendChoice auto(Path model, int threads, boolean verify, List<BackendProvider> providers,
                                     Supplier<BackendSession> cpu) {
        String why = "no CUDA back end on the class path";
        for (BackendProvider p : providers) {
            if (!p.name().equals("cuda")) {
                continue;
            }
            BackendProvider.Availability a = p.probe();
            if (!a.available()) {
                why = "CUDA unavailable: " + a.reason();
                continue;
            }
            try {
                BackendChoice c = new BackendChoice(p.open(model, new BackendProvider.OpenOptions(threads, verify, true)),
                        "auto: " + a.reason());
                log("cuda", c.reason());
                return c;
            } catch (UnsupportedModelException e) {
                why = "the CUDA plan cannot run this model: " + e.getMessage();
            } catch (OcclusionException e) {
                why = "the CUDA back end failed to open the model: " + e.getMessage();
            } catch (RuntimeException | LinkageError e) {
                // A provider must translate its failures (BackendException); one that does not still must not
                // cost the user the CPU back end.
                why = "the CUDA back end failed to open the model (" + e.getClass().getName() + ": " + e.getMessage() + ")";
            }
        }
        BackendChoice c = new BackendChoice(cpu.get(), "auto: " + why);
        log("cpu", c.reason());
        return c;
    }

    /** CUDA asked for: the provider's session, or an {@link OcclusionException} saying why not. */
    public static BackendChoice cuda(Path model, int threads, boolean verify, List<BackendProvider> providers) {
        for (BackendProvider p : providers) {
            if (!p.name().equals("cuda")) {
                continue;
            }
            BackendProvider.Availability a = p.probe();
            if (!a.available()) {
                throw new OcclusionException("the CUDA back end is not available: " + a.reason()
                        + "; use --backend cpu (ONNX Runtime)");
            }
            BackendChoice c = new BackendChoice(p.open(model, new BackendProvider.OpenOptions(threads, verify, false)),
                    "asked for; " + a.reason());
            log("cuda", c.reason());
            return c;
        }
        throw new OcclusionException("the CUDA back end is not available: occlusion4j-cuda-backend is not on the class "
                + "path; use --backend cpu (ONNX Runtime)");
    }

    private static void log(String backend, String reason) {
        LOG.log(System.Logger.Level.INFO, "occlusion4j: back end " + backend + " (" + reason + ")");
    }
}
