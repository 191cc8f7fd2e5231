package io.occlusion4j.bench;

import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.ZooModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Incremental inference against the full sweep on the CPU back end, side by side in one JVM: per workload, runs
 * alternate (full, incremental, full, incremental, ...), the median wall time of each is reported with the speed-up,
 * the cost model's prediction and FLOP ratio, the switch layer, and the largest map difference relative to the map's
 * range. Workloads are the issue's: VGG16 at 224x224, window 16, stride 16 (196 variants); ResNet-50 at 224x224, window
 * 16, stride 8 (729 variants); both built in Java with random weights ({@link ZooModels}). With {@code --tau}, also
 * Krypton's projective-field threshold: per tau the speed-up and the SSIM of its map to the exact one.
 *
 * <p>Usage: {@code IncrementalBenchmark [--out DIR] [--reps N] [--threads N] [--tau 0.8,0.6,0.4] [--tau-on VGG16|ResNet-50]
 * [--only vgg16|resnet50|cpu-small]
 * [--size PX] [--mode auto|on]}: {@code --mode on} runs the incremental rows even where {@code auto} would not.
 */
public final class IncrementalBenchmark {
    private IncrementalBenchmark() {
    }

    record Workload(String name, byte[] onnx, int size, int window, int stride) {
    }

    record Row(String workload, String mode, double medianSeconds, double[] seconds, double speedup,
               IncrementalStats stats, double relDiff, double ssim, double setupSeconds, double[] cpu) {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench/results");
        int reps = 3;
        int threads = 2;
        int size = 224;
        String only = "";
        double[] taus = {};
        String tauOn = "";
        Incremental mode = Incremental.AUTO;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--mode" -> mode = Incremental.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--tau-on" -> tauOn = args[++i];
                case "--tau" -> taus = Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble).toArray();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String loadBefore = VideoBenchmark.loadAverage();
        List<Workload> workloads = new ArrayList<>();
        if (!only.equals("resnet50") && !only.equals("cpu-small")) {
            workloads.add(new Workload("VGG16", ZooModels.vgg16(size, size, 1000, 1, 16), size, 16, 16));
        }
        if (!only.equals("vgg16") && !only.equals("cpu-small")) {
            workloads.add(new Workload("ResNet-50", ZooModels.resnet50(size, size, 1000, 1, 50), size, 16, 8));
        }
        if (only.equals("cpu-small")) {
            // The cpu-small workload (ResNet-18, window 32, stride 16): does auto stay at or above the full sweep?
            workloads.clear();
            workloads.add(new Workload("ResNet-18 (cpu-small)", io.occlusion4j.onnx.TestModels.resnet18Proto(1000, size,
                    size, 7, io.occlusion4j.onnx.TestModels.Batch.DYNAMIC).toByteArray(), size, 32, 16));
        }
        Path dir = Files.createTempDirectory("incremental-bench");
        List<Row> rows = new ArrayList<>();
        for (Workload w : workloads) {
            rows.addAll(run(w, dir, reps, threads, taus, tauOn, mode));
        }
        String table = table(rows, reps, threads, loadBefore, VideoBenchmark.loadAverage());
        Files.createDirectories(out);
        Path file = out.resolve("incremental-" + (only.equals("cpu-small") ? "cpu-small-" : "")
                + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    private static List<Row> run(Workload w, Path dir, int reps, int threads, double[] taus, String tauOn,
                                 Incremental mode) throws IOException {
        Path model = Files.write(dir.resolve(w.name() + ".onnx"), w.onnx());
        float[] x = new float[3 * w.size() * w.size()];
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        Tensor input = Tensor.of(x, 3, w.size(), w.size());
        List<Row> rows = new ArrayList<>();
        try (Occlusion full = open(model, w, threads, Incremental.OFF, 1);
             Occlusion inc = open(model, w, threads, mode, 1)) {
            // The incremental explainer's first call analyses the model and opens the plan's sessions: an untimed
            // warm-up (its extra time is reported). The full sweep has nothing to set up beyond ONNX Runtime's first
            // run, so its first timed run doubles as the exact map (no separate warm-up: the sweeps are long).
            long t0 = System.nanoTime();
            SensitivityMap incMap = inc.explain(input);
            double incFirst = (System.nanoTime() - t0) / 1e9;
            SensitivityMap exact = null;
            String modeName = mode.name().toLowerCase(Locale.ROOT);
            double[] f = new double[reps];
            double[] g = new double[reps];
            double[] fc = new double[reps];
            double[] gc = new double[reps];
            for (int r = 0; r < reps; r++) {
                t0 = System.nanoTime();
                double c0 = IncrementalProfile.cpuSeconds();
                SensitivityMap m = full.explain(input);
                f[r] = (System.nanoTime() - t0) / 1e9;
                fc[r] = IncrementalProfile.cpuSeconds() - c0;
                exact = exact == null ? m : exact;
                c0 = IncrementalProfile.cpuSeconds();
                g[r] = time(inc, input);
                gc[r] = IncrementalProfile.cpuSeconds() - c0;
                System.out.printf(Locale.ROOT, "%s rep %d: full %.2f s (cpu %.2f s), incremental (%s) %.2f s (cpu %.2f s)%n",
                        w.name(), r, f[r], fc[r], modeName, g[r], gc[r]);
            }
            double mf = median(f);
            double mg = median(g);
            rows.add(new Row(w.name(), "full sweep", mf, f, 1, exact.stats().incremental(), 0, 1, Double.NaN, fc));
            rows.add(new Row(w.name(), "incremental " + modeName, mg, g, mf / mg, incMap.stats().incremental(),
                    relDiff(exact, incMap), MapSimilarity.ssim(exact.pixelMap(0), incMap.pixelMap(0)), incFirst - mg, gc));
            for (double tau : tauOn.isEmpty() || tauOn.equalsIgnoreCase(w.name()) ? taus : new double[0]) {
                try (Occlusion approx = open(model, w, threads, Incremental.ON, tau)) {
                    t0 = System.nanoTime();
                    SensitivityMap m = approx.explain(input);
                    double first = (System.nanoTime() - t0) / 1e9;
                    double[] a = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        a[r] = time(approx, input);
                    }
                    double ma = median(a);
                    rows.add(new Row(w.name(), "approximate tau " + tau, ma, a, mf / ma, m.stats().incremental(),
                            relDiff(exact, m), MapSimilarity.ssim(exact.pixelMap(0), m.pixelMap(0)), first - ma, null));
                }
            }
        }
        return rows;
    }

    private static Occlusion open(Path model, Workload w, int threads, Incremental mode, double tau) {
        return Occlusion.builder().model(model).threads(threads).window(w.window(), w.window())
                .stride(w.stride(), w.stride()).incremental(mode).approximate(tau).build();
    }

    private static double time(Occlusion o, Tensor input) {
        long t0 = System.nanoTime();
        o.explain(input);
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Max |difference| of the grid maps over the exact map's range. */
    static double relDiff(SensitivityMap exact, SensitivityMap other) {
        return MapSimilarity.maxDifferenceOverRange(other.gridMaps().data(), exact.gridMaps().data());
    }

    static String table(List<Row> rows, int reps, int threads, String loadBefore, String loadAfter) {
        StringBuilder b = new StringBuilder();
        b.append("# incremental inference (CPU back end), ").append(LocalDate.now(ZoneOffset.UTC)).append("\n\n");
        b.append("Full sweep against incremental inference in one JVM, runs alternating, median of ").append(reps)
                .append(" (the incremental explainer after one untimed warm-up that builds its plan, whose extra time is")
                .append(" the last column), ").append(threads).append(" intra-op threads. `predicted` is the cost model's")
                .append(" figure, `FLOP ratio` the multiply-adds per variant incremental over full, `probe` the speed-up")
                .append(" the library itself reports (the full forward timed on 2 variants after the run).\n\n");
        b.append("- commit: ").append(BenchMain.Machine.commit()).append('\n');
        for (String m : BenchMain.Machine.describe()) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- load average before: ").append(loadBefore).append("; after: ").append(loadAfter).append('\n');
        b.append("\n| workload | mode | median s | runs s | speed-up | predicted | FLOP ratio | probe | switch | steps | max diff / range | SSIM | first-call extra s |\n");
        b.append("|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            IncrementalStats s = r.stats();
            b.append(String.format(Locale.ROOT, "| %s | %s%s | %.2f | %s | %.2fx | %s | %s | %s | %s | %d | %.1e | %.4f | %.1f |%n",
                    r.workload(), r.mode(), s.used() || r.mode().startsWith("full") ? "" : " (fell back)", r.medianSeconds(),
                    runs(r.seconds()), r.speedup(), s.used() ? String.format(Locale.ROOT, "%.2fx", s.predictedSpeedup()) : "-",
                    s.used() ? String.format(Locale.ROOT, "%.3f", s.flopRatio()) : "-",
                    s.used() && !Double.isNaN(s.measuredSpeedup()) ? String.format(Locale.ROOT, "%.2fx", s.measuredSpeedup()) : "-",
                    s.switchLayer().isEmpty() ? "-" : "`" + s.switchLayer() + "`", s.prefixLayers(), r.relDiff(), r.ssim(),
                    r.setupSeconds()));
        }
        b.append("\nSpeed-up of each alternating pair (full run r / incremental run r), and their median:\n\n");
        Row full = null;
        for (Row r : rows) {
            if (r.mode().startsWith("full")) {
                full = r;
                continue;
            }
            if (full == null || !full.workload().equals(r.workload()) || !r.mode().startsWith("incremental")) {
                continue; // approximation rows ran after the alternating pairs: no pairs of theirs
            }
            double[] pairs = new double[r.seconds().length];
            for (int i = 0; i < pairs.length; i++) {
                pairs[i] = full.seconds()[i] / r.seconds()[i];
            }
            b.append("- ").append(r.workload()).append(", ").append(r.mode()).append(": ").append(runs(pairs))
                    .append(String.format(Locale.ROOT, " (median %.2fx)", median(pairs)));
            if (full.cpu() != null && r.cpu() != null) {
                double[] cpu = new double[pairs.length];
                for (int i = 0; i < cpu.length; i++) {
                    cpu[i] = full.cpu()[i] / r.cpu()[i];
                }
                b.append("; process CPU seconds full ").append(runs(full.cpu())).append(", incremental ")
                        .append(runs(r.cpu())).append(", ratio ").append(runs(cpu))
                        .append(String.format(Locale.ROOT, " (median %.2fx)", median(cpu)));
            }
            b.append('\n');
        }
        b.append("\nReasons the library gave:\n\n");
        for (Row r : rows) {
            b.append("- ").append(r.workload()).append(", ").append(r.mode()).append(": ").append(r.stats().reason())
                    .append('\n');
        }
        return b.toString();
    }

    private static String runs(double[] s) {
        StringBuilder b = new StringBuilder();
        for (double v : s) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return b.toString();
    }
}
