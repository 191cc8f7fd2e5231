// occlusion4j doctor: what this machine offers the back ends, and why a GPU library is not used.
package io.occlusion4j.cli;

import ai.onnxruntime.OrtEnvironment;
import io.occlusion4j.Backend;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Reports the Java runtime, the CPU back end (checked by running a tiny generated model) and, when the
 * native-bindings module is on the class path, each GPU library as its probe sees it. Exit code 0 whenever
 * the CPU back end works: a missing GPU library is information, not a failure.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Shows the Java runtime, the CPU back end's state and each GPU library (driver, NVRTC, cuBLAS,",
                "cuDNN): found or not, the paths tried, the version, the reason."},
        footer = {"", "Exit codes: 0 the CPU back end works (whatever the GPU libraries say); 1 it does not."})
final class DoctorCommand implements Callable<Integer> {
    /** The probe of the native-bindings module; looked up by name so this build works without that module. */
    static final String PROBE_CLASS = "io.occlusion4j.cuda.NativeProbe";

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
        checkGpu(out);
        out.flush();
        return cpuWorks ? 0 : Main.EXIT_RUNTIME;
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
            out.println("cpu       NOT WORKING: " + Main.oneLine(String.valueOf(e.getMessage())));
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

    private void checkGpu(PrintWriter out) {
        Class<?> probe;
        try {
            probe = Class.forName(PROBE_CLASS);
        } catch (ClassNotFoundException | LinkageError e) {
            out.println("gpu       GPU probe not available in this build (no native-bindings module on the class path);"
                    + " the CUDA back end is not built yet, the CPU back end is used");
            return;
        }
        try {
            Object report = probe.getMethod("probe").invoke(null);
            out.println("gpu       the CUDA back end is not built yet; the libraries it will need:");
            for (Object lib : (List<?>) accessor(report, "libraries")) {
                boolean found = (Boolean) accessor(lib, "found");
                out.printf("  %-8s %s%n", accessor(lib, "library"),
                        found ? "found, version " + accessor(lib, "version") + ", " + accessor(lib, "path") : "MISSING");
                out.println("           " + accessor(lib, "reason"));
                for (Object tried : (List<?>) accessor(lib, "tried")) {
                    out.println("           tried " + tried);
                }
            }
            List<?> devices = (List<?>) accessor(report, "devices");
            if (devices.isEmpty()) {
                out.println("  devices  none: " + accessor(report, "deviceNote"));
            }
            for (Object d : devices) {
                out.printf("  device   [%s] %s, %s, %.1f GiB%n", accessor(d, "ordinal"), accessor(d, "name"),
                        accessor(d, "architecture"), ((Long) accessor(d, "totalMemoryBytes")) / (double) (1L << 30));
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            out.println("gpu       the GPU probe failed: " + Main.oneLine(String.valueOf(cause)));
            if (verbose) {
                cause.printStackTrace(spec.commandLine().getErr());
            }
        }
    }

    /** A record component's value by name (the probe's records are read without compiling against them). */
    private static Object accessor(Object record, String name) throws ReflectiveOperationException {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            if (c.getName().equals(name)) {
                Method m = c.getAccessor();
                m.setAccessible(true);
                return m.invoke(record);
            }
        }
        throw new NoSuchMethodException(record.getClass().getName() + " has no component " + name);
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
