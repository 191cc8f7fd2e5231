// occlusion4j doctor: what this machine offers the back ends, and why a GPU library is not used.
package io.occlusion4j.cli;

import ai.onnxruntime.OrtEnvironment;
import io.occlusion4j.Backend;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.core.BackendChoice;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Reports the Java runtime, the CPU back end (checked by running a tiny generated model) and every other back end
 * on the class path as its provider sees the machine (the CUDA back end: the driver, NVRTC, cuBLAS and cuDNN,
 * found with their versions or missing with the places tried, and the devices). One probe path: the providers'.
 * Exit code 0 whenever the CPU back end works: a missing GPU library is information, not a failure.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Shows the Java runtime, the CPU back end's state and each GPU library (driver, NVRTC, cuBLAS,",
                "cuDNN): found or not, the paths tried, the version, the reason."},
        footer = {"", "Exit codes: 0 the CPU back end works (whatever the GPU libraries say); 1 it does not."})
final class DoctorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "show stack traces of failed checks")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("java      " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ") at " + System.getProperty("java.home"));
        out.println("system    " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " processors, max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        boolean cpuWorks = checkCpu(out);
        checkBackends(out);
        out.flush();
        return cpuWorks ? 0 : Messages.EXIT_RUNTIME;
    }

    private boolean checkCpu(PrintWriter out) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("occlusion4j-doctor");
            Path model = Files.write(dir.resolve("linear.onnx"), TestModels.linear(1, new int[] {4, 4}, 2, 1).onnx());
            float[] x = new float[16];
            java.util.Arrays.fill(x, 0.5f);
            try (Occlusion o = Occlusion.builder().model(model).backend(Backend.CPU).threads(1).window(2, 2).build()) {
                SensitivityMap map = o.explain(Tensor.of(x, 1, 4, 4));
                out.println("cpu       OK: ONNX Runtime " + ortVersion() + ", explained a 4x4 test model in "
                        + map.stats().forwards() + " forward(s); " + Runtime.getRuntime().availableProcessors()
                        + " inference threads by default");
            }
            return true;
        } catch (RuntimeException | IOException | LinkageError e) {
            out.println("cpu       NOT WORKING: " + Messages.oneLine(String.valueOf(e.getMessage())));
            if (verbose) {
                e.printStackTrace(spec.commandLine().getErr());
            }
            return false;
        } finally {
            deleteQuietly(dir);
        }
    }

    private static String ortVersion() {
        try {
            return OrtEnvironment.getEnvironment().getVersion();
        } catch (RuntimeException e) {
            return "(version unknown)";
        }
    }

    /** Every other back end on the class path, as its provider sees this machine: available or why not, what it found. */
    private void checkBackends(PrintWriter out) {
        List<BackendProvider> providers = BackendChoice.discover();
        if (providers.isEmpty()) {
            out.println("gpu       no other back end on the class path: the CPU back end is used");
            return;
        }
        for (BackendProvider p : providers) {
            BackendProvider.Availability a = p.probe();
            out.printf("%-9s %s: %s%n", p.name(), a.available() ? "AVAILABLE" : "unavailable", Messages.oneLine(a.reason()));
            for (BackendProvider.Finding f : p.findings()) {
                out.printf("  %-8s %s%n", f.what(), f.found() ? "found" + (f.version().isEmpty() ? "" : ", version "
                        + f.version()) + ", " + f.detail() : "MISSING");
                if (!f.found()) {
                    out.println("           " + f.detail());
                }
                for (String tried : f.tried()) {
                    out.println("           tried " + tried);
                }
            }
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temporary folder left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }
}
