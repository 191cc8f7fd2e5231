// Reports, per NVIDIA library, whether it was found, where, which version, and why not.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The probe behind {@code occlusion4j doctor}: {@link #probe()} returns records for the CLI to
 * render, {@link #main} prints them. Probing never throws: every failure becomes a reason.
 */
public final class NativeProbe {

    /** One library: found or not, the file, the candidates tried, the version, the reason. */
    public record LibraryReport(String library, boolean found, String path, List<String> tried, String version,
                                String reason) { }

    /** One GPU as the driver sees it. */
    public record DeviceReport(int ordinal, String name, String architecture, long totalMemoryBytes, String uuid) { }

    /** Everything the probe learnt; {@code deviceNote} says why {@code devices} is empty when it is. */
    public record ProbeReport(List<LibraryReport> libraries, List<DeviceReport> devices, String deviceNote) {

        public boolean isFound(CudaLibrary library) {
            return libraries.stream().anyMatch(r -> r.library().equals(library.key()) && r.found());
        }

        /** The report as a person reads it. */
        public String render() {
            StringBuilder out = new StringBuilder();
            for (LibraryReport r : libraries) {
                out.append(String.format("%-7s %s%n", r.library(), r.found() ? "found " + r.version() : "MISSING"));
                out.append("        ").append(r.reason()).append(System.lineSeparator());
                if (r.found()) {
                    out.append("        path: ").append(r.path()).append(System.lineSeparator());
                } else {
                    for (String tried : r.tried()) {
                        out.append("        tried ").append(tried).append(System.lineSeparator());
                    }
                }
            }
            out.append("devices ").append(devices.isEmpty() ? "none: " + deviceNote : devices.size())
                    .append(System.lineSeparator());
            for (DeviceReport d : devices) {
                out.append(String.format("        [%d] %s, %s, %.1f GiB, GPU-%s%n", d.ordinal(), d.name(),
                        d.architecture(), d.totalMemoryBytes() / (double) (1L << 30), d.uuid()));
            }
            return out.toString();
        }
    }

    private NativeProbe() { }

    public static ProbeReport probe() {
        List<LibraryReport> libraries = new ArrayList<>();
        libraries.add(report(CudaLibrary.DRIVER, () -> {
            int v = CudaDevice.driverVersion();
            return (v / 1000) + "." + (v % 1000 / 10);
        }));
        libraries.add(report(CudaLibrary.NVRTC, () -> NvrtcCompiler.version().toString()));
        libraries.add(report(CudaLibrary.CUBLAS, CublasHandle::version));
        libraries.add(report(CudaLibrary.CUDNN, Cudnn::version));

        List<DeviceReport> devices = new ArrayList<>();
        String note = "";
        LoadedLibrary driver = NativeLibraries.load(CudaLibrary.DRIVER);
        if (!driver.isFound()) {
            note = "the CUDA driver is missing";
        } else {
            try {
                for (CudaDevice d : CudaDevice.all()) {
                    devices.add(new DeviceReport(d.ordinal(), d.name(), d.architecture(), d.totalMemory(), d.uuid()));
                }
                if (devices.isEmpty()) {
                    note = "the driver reports no device";
                }
            } catch (RuntimeException e) {
                note = e.getMessage();
            }
        }
        return new ProbeReport(List.copyOf(libraries), List.copyOf(devices), note);
    }

    private static LibraryReport report(CudaLibrary library, Supplier<String> version) {
        LoadedLibrary loaded = NativeLibraries.load(library);
        String v = "";
        if (loaded.isFound()) {
            try {
                v = version.get();
            } catch (RuntimeException e) {
                v = "unknown (" + e.getMessage() + ")";
            }
        }
        return new LibraryReport(library.key(), loaded.isFound(), loaded.path().map(Object::toString).orElse(""),
                loaded.tried(), v, loaded.reason());
    }

    public static void main(String[] args) {
        System.out.print(probe().render());
    }
}
