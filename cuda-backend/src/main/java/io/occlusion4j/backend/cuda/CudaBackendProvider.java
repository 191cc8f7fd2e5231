// Registers the CUDA plan with the engine (java.util.ServiceLoader): probe the machine, open a model.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.UnsupportedModelException;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.cuda.NativeProbe;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.graph.GraphException;
import io.occlusion4j.graph.UnsupportedOperatorException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The {@code cuda} back end. {@link #probe()} loads nothing the CPU path needs: it asks the bindings' probe for
 * the driver, NVRTC, cuBLAS and cuDNN and for a device, and reports the first thing missing. {@link #open} is the
 * native boundary: whatever fails below it (a CUDA status, a missing library, a failed link) leaves as the
 * engine's {@link io.occlusion4j.BackendException}, an operator the plan lacks as
 * {@link UnsupportedModelException}, so {@code Backend.AUTO} falls back to the CPU.
 */
public final class CudaBackendProvider implements BackendProvider {
    private final Supplier<Availability> probe;
    private final Supplier<Device> devices;

    /** System property: {@code host} runs the back end on the {@link HostDevice} (the CPU), for tests and checks. */
    public static final String DEVICE_PROPERTY = "occlusion4j.cuda.device";

    /**
     * The provider {@link java.util.ServiceLoader} finds: the machine's GPU, kernels compiled into NVRTC's disk cache;
     * or, with {@code -Docclusion4j.cuda.device=host}, the host device (the same operations on the CPU: slow, for
     * testing the back end end to end where there is no GPU).
     */
    public CudaBackendProvider() {
        this(CudaBackendProvider::probeMachineOrHost, CudaBackendProvider::machineOrHost);
    }

    private static boolean onHost() {
        return "host".equals(System.getProperty(DEVICE_PROPERTY));
    }

    private static Availability probeMachineOrHost() {
        return onHost() ? Availability.available("the host device (-D" + DEVICE_PROPERTY + "=host: the CUDA back end's "
                + "operations on the CPU, for tests)") : probeMachine();
    }

    private static Device machineOrHost() {
        return onHost() ? new HostDevice() : GpuDevice.open(NvrtcCompiler.withDefaultCache());
    }

    /** A provider over another probe and device source (the tests inject failures and the host device). */
    CudaBackendProvider(Supplier<Availability> probe, Supplier<Device> devices) {
        this.probe = probe;
        this.devices = devices;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Availability probe() {
        try {
            return probe.get();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The driver, NVRTC, cuBLAS and cuDNN as the bindings' probe found them (with versions), then the devices. */
    @Override
    public List<Finding> findings() {
        try {
            NativeProbe.ProbeReport report = NativeProbe.probe();
            List<Finding> out = new ArrayList<>();
            for (NativeProbe.LibraryReport lib : report.libraries()) {
                out.add(new Finding(lib.library(), lib.found(), lib.version(), lib.found() ? lib.path() : lib.reason(),
                        lib.found() ? List.of() : lib.tried()));
            }
            if (report.devices().isEmpty()) {
                out.add(new Finding("device", false, "", report.deviceNote(), List.of()));
            }
            for (NativeProbe.DeviceReport d : report.devices()) {
                out.add(new Finding("device " + d.ordinal(), true, d.architecture(), String.format(Locale.ROOT,
                        "%s, %.1f GiB", d.name(), d.totalMemoryBytes() / (double) (1L << 30)), List.of()));
            }
            return List.copyOf(out);
        } catch (RuntimeException | LinkageError e) {
            return List.of(new Finding("probe", false, "", e.getClass().getSimpleName() + ": " + e.getMessage(), List.of()));
        }
    }

    /** Available with the first GPU's name, or unavailable with one short reason ({@code doctor} gives the details). */
    private static Availability probeMachine() {
        NativeProbe.ProbeReport report = NativeProbe.probe();
        for (NativeProbe.LibraryReport lib : report.libraries()) {
            if (!lib.found()) {
                return Availability.unavailable(lib.library().equals("cuda")
                        ? "no GPU or NVIDIA driver found (libcuda.so.1 is not installed; occlusion4j doctor lists the places tried)"
                        : lib.library() + " library not found (occlusion4j doctor lists the places tried)");
            }
        }
        if (report.devices().isEmpty()) {
            return Availability.unavailable("no CUDA device (" + report.deviceNote() + ")");
        }
        NativeProbe.DeviceReport d = report.devices().get(0);
        return Availability.available(d.name() + " (" + d.architecture() + ")");
    }

    @Override
    public BackendSession open(Path model, OpenOptions options) {
        Device device;
        try {
            device = devices.get();
        } catch (RuntimeException | LinkageError e) {
            if (NativeFailures.isNative(e)) {
                throw NativeFailures.translate(e, "open the GPU for " + model);
            }
            throw e;
        }
        try {
            return CudaBackendSession.open(model, CudaBackendSession.configuredPrecision(), device, options);
        } catch (UnsupportedOperatorException e) {
            throw new UnsupportedModelException(name(), e.getMessage(), e);
        } catch (GraphException e) {
            throw new OcclusionException("model " + model + ": " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError e) {
            if (NativeFailures.isNative(e)) {
                throw NativeFailures.translate(e, "load " + model);
            }
            throw e;
        }
    }
}
