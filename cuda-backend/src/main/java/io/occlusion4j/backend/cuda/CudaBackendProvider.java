// Registers the CUDA plan with the engine (java.util.ServiceLoader): probe the machine, open a model.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.UnsupportedModelException;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.cuda.NativeProbe;
import io.occlusion4j.graph.GraphException;
import io.occlusion4j.graph.UnsupportedOperatorException;
import java.nio.file.Path;

/**
 * The {@code cuda} back end. {@link #probe()} loads nothing the CPU path needs: it asks the bindings'
 * probe for the driver, NVRTC, cuBLAS and cuDNN and for a device, and reports the first thing missing.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Availability probe() {
        try {
            NativeProbe.ProbeReport report = NativeProbe.probe();
            for (NativeProbe.LibraryReport lib : report.libraries()) {
                if (!lib.found()) {
                    return Availability.unavailable(lib.library() + " library not found (" + lib.reason() + ")");
                }
            }
            if (report.devices().isEmpty()) {
                return Availability.unavailable("no CUDA device (" + report.deviceNote() + ")");
            }
            NativeProbe.DeviceReport d = report.devices().get(0);
            return Availability.available(d.name() + " (" + d.architecture() + ")");
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @Override
    public BackendSession open(Path model, int threads) {
        try {
            return CudaBackendSession.open(model);
        } catch (UnsupportedOperatorException e) {
            throw new UnsupportedModelException(name(), e.getMessage(), e);
        } catch (GraphException e) {
            throw new OcclusionException("model " + model + ": " + e.getMessage(), e);
        }
    }
}
