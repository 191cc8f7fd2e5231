package io.occlusion4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.Occlusion;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.onnx.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The video workload (DESIGN section 6): a 3-D CNN ({@link TestModels#cnn3d}, seeded weights, 400
 * classes) on a 16x112x112 clip with window 2x16x16 (stride = window: 8 x 7 x 7 = 392 variants), on the
 * CPU back end. Times whole explanations (after one warm-up) alternating with rounds of bare batched ONNX
 * Runtime inference of the same model, batch size and threads (as many batches as an explanation runs
 * forwards), and writes the table to
 * {@code bench/results/video-<date>.md}.
 *
 * <p>Usage: {@code VideoBenchmark [--threads N] [--runs R] [--out DIR]}. Plain timing rather than JMH:
 * one explanation is seconds long, so a few runs give a stable median.
 */
public final class VideoBenchmark {
    public static final int FRAMES = 16;
    public static final int SIZE = 112;
    public static final int[] WINDOW = {2, 16, 16};
    public static final int CLASSES = 400;

    private VideoBenchmark() {}

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int runs = 3;
        Path out = Path.of("bench/results");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: VideoBenchmark [--threads N] [--runs R] [--out DIR])");
            }
        }
        Path dir = Files.createTempDirectory("o4j-video-bench");
        try {
            Path model = dir.resolve("cnn3d.onnx");
            Files.write(model, TestModels.cnn3d(3, FRAMES, SIZE, SIZE, CLASSES, 42).onnx());
            float[] x = new float[3 * FRAMES * SIZE * SIZE];
            SplittableRandom rnd = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextDouble();
            }
            Tensor clip = Tensor.of(x, 3, FRAMES, SIZE, SIZE);
            int batch = OrtBackendSession.defaultBatch(4L * x.length);

            // engine runs and bare-inference rounds alternate, so load from elsewhere on a shared machine
            // hits both alike; each bare round runs as many batches as an explanation runs forwards
            List<RunStats> stats = new ArrayList<>();
            double[] bareSeconds = new double[runs];
            try (Occlusion occ = Occlusion.builder().model(model).threads(threads).window(WINDOW).build();
                    Bare bare = new Bare(model, x, batch, threads)) {
                RunStats warm = occ.explain(clip).stats();
                bare.round(warm.forwards());
                for (int r = 0; r < runs; r++) {
                    SensitivityMap m = occ.explain(clip);
                    stats.add(m.stats());
                    bareSeconds[r] = bare.round(warm.forwards());
                    System.out.printf("run %d: %s; bare %d batches in %.3f s%n", r + 1, m.stats(), warm.forwards(), bareSeconds[r]);
                }
            }
            double[] bareFig = {batch, median(bareSeconds) / stats.getFirst().forwards(),
                    Arrays.stream(bareSeconds).min().orElseThrow() / stats.getFirst().forwards()};
            String table = table(BenchMain.Machine.describe(), LocalDate.now(ZoneOffset.UTC), BenchMain.Machine.commit(),
                    threads, stats, bareFig);
            Files.createDirectories(out);
            Path file = out.resolve("video-" + LocalDate.now(ZoneOffset.UTC) + ".md");
            Files.writeString(file, table);
            System.out.println(table);
            System.out.println("written to " + file);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** Bare batched ONNX Runtime inference of the same model, batch and threads. */
    static final class Bare implements AutoCloseable {
        final OrtSession session;
        final OnnxTensor input;

        Bare(Path model, float[] x, int batch, int threads) throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setInterOpNumThreads(1);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                session = env.createSession(model.toString(), o);
            }
            FloatBuffer buf = ByteBuffer.allocateDirect(4 * batch * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int b = 0; b < batch; b++) {
                buf.put(x);
            }
            buf.flip();
            input = OnnxTensor.createTensor(env, buf, new long[] {batch, 3, FRAMES, SIZE, SIZE});
        }

        /** Seconds for {@code batches} forwards. */
        double round(int batches) throws OrtException {
            long t0 = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                try (OrtSession.Result res = session.run(Map.of("input", input))) {
                    res.get(0);
                }
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        @Override
        public void close() throws OrtException {
            input.close();
            session.close();
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String table(List<String> machine, LocalDate date, String commit, int threads, List<RunStats> stats, double[] bare) {
        RunStats first = stats.getFirst();
        double[] secs = stats.stream().mapToDouble(RunStats::seconds).toArray();
        double med = median(secs);
        double engine = first.windows() / med;
        double bareRate = bare[0] / bare[1];
        StringBuilder b = new StringBuilder();
        b.append("# video, ").append(date).append("\n\n");
        b.append(String.format("Workload: 3-D CNN (TestModels.cnn3d: conv 3->8 3x3x3, maxpool 2, conv 8->16 3x3x3, GAP, "
                + "%d classes; seeded weights) on a 16x112x112 clip, window 2x16x16, stride = window "
                + "(%d variants), CPU back end (ONNX Runtime), %d intra-op threads, batch %d.%n%n",
                CLASSES, first.windows(), threads, first.batchSize()));
        b.append("- commit: ").append(commit).append('\n');
        for (String m : machine) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- device: ").append(first.device()).append('\n');
        b.append(String.format("%n| measure | value |%n|---|---:|%n"));
        b.append(String.format("| explanation wall time, median of %d (s) | %.3f |%n", secs.length, med));
        b.append(String.format("| explanation wall time, min / max (s) | %.3f / %.3f |%n",
                Arrays.stream(secs).min().orElse(0), Arrays.stream(secs).max().orElse(0)));
        b.append(String.format("| occlusion4j explain (variants/s) | %.2f |%n", engine));
        b.append(String.format("| bare ONNX Runtime batched inference, batch %d (clips/s, median of %d rounds of %d batches) | %.2f |%n", (int) bare[0], secs.length, first.forwards(), bareRate));
        double best = first.windows() / Arrays.stream(secs).min().orElseThrow();
        double bareBest = bare[0] / bare[2];
        b.append(String.format("| best run: occlusion4j explain (variants/s) / bare (clips/s) | %.2f / %.2f |%n", best, bareBest));
        b.append(String.format("%nEngine / bare inference: **%.1f %%** (medians), %.1f %% (best runs).%n",
                100 * engine / bareRate, 100 * best / bareBest));
        b.append("\nLoad average at the end of the run: ").append(loadAverage())
                .append(" (a shared machine: the medians move with other work; the best runs less).\n");
        b.append("\nGPU: not measured — the CUDA back end is not built in this version (Backend.AUTO falls back to the CPU).\n");
        return b.toString();
    }
}
