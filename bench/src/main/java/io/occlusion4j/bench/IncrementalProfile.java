package io.occlusion4j.bench;

import io.occlusion4j.Incremental;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.ZooModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the incremental run alone (mode {@code on}) on one of {@link IncrementalBenchmark}'s workloads, optionally
 * with one full sweep first, for profiling: with {@code -Djava.util.logging.config.file=...} setting
 * {@code io.occlusion4j.cpu.OrtBackendSession} to FINE, each run logs its per-phase and per-step seconds.
 *
 * <p>Usage: {@code IncrementalProfile resnet50|vgg16|cpu-small [--reps N] [--full] [--threads N] [--batch N] [--stride N]}
 */
public final class IncrementalProfile {
    private IncrementalProfile() {
    }

    public static void main(String[] args) throws IOException {
        String which = args[0];
        int reps = 2;
        int threads = 2;
        boolean full = false;
        int batch = 0;
        int strideOverride = 0;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--full" -> full = true;
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--stride" -> strideOverride = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int size = 224;
        byte[] onnx;
        int window;
        int stride;
        switch (which) {
            case "resnet50" -> {
                onnx = ZooModels.resnet50(size, size, 1000, 1, 50);
                window = 16;
                stride = 8;
            }
            case "vgg16" -> {
                onnx = ZooModels.vgg16(size, size, 1000, 1, 16);
                window = 16;
                stride = 16;
            }
            case "cpu-small" -> {
                onnx = io.occlusion4j.onnx.TestModels.resnet18Proto(1000, size, size, 7,
                        io.occlusion4j.onnx.TestModels.Batch.DYNAMIC).toByteArray();
                window = 32;
                stride = 16;
            }
            default -> throw new IllegalArgumentException("unknown workload " + which);
        }
        stride = strideOverride > 0 ? strideOverride : stride;
        Path model = Files.write(Files.createTempDirectory("incremental-profile").resolve(which + ".onnx"), onnx);
        float[] x = new float[3 * size * size];
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        Tensor input = Tensor.of(x, 3, size, size);
        System.out.println("load " + VideoBenchmark.loadAverage());
        if (full) {
            try (Occlusion o = open(model, threads, window, stride, Incremental.OFF, 0)) {
                long t0 = System.nanoTime();
                double c0 = cpuSeconds();
                o.explain(input);
                System.out.printf(Locale.ROOT, "full sweep %.2f s, cpu %.2f s%n", (System.nanoTime() - t0) / 1e9,
                        cpuSeconds() - c0);
            }
        }
        try (Occlusion o = open(model, threads, window, stride, Incremental.ON, batch)) {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                double c0 = cpuSeconds();
                SensitivityMap m = o.explain(input);
                System.out.printf(Locale.ROOT, "incremental %.2f s, cpu %.2f s (%s)%n", (System.nanoTime() - t0) / 1e9,
                        cpuSeconds() - c0, m.stats().incremental().switchLayer());
            }
        }
        System.out.println("load " + VideoBenchmark.loadAverage());
    }

    /** CPU seconds of this process so far (all threads, ONNX Runtime's included). */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static Occlusion open(Path model, int threads, int window, int stride, Incremental mode, int batch) {
        Occlusion.Builder b = Occlusion.builder().model(model).threads(threads).window(window, window)
                .stride(stride, stride).incremental(mode);
        return (batch > 0 ? b.batchSize(batch) : b).build();
    }
}
