// The Spark scale-out benchmark: plain loops over explain against Spark local and standalone clusters.
package io.occlusion4j.bench;

import io.occlusion4j.Occlusion;
import io.occlusion4j.io.Images;
import io.occlusion4j.spark.AppJars;
import io.occlusion4j.spark.BatchJob;
import io.occlusion4j.spark.ExecutorModels;
import io.occlusion4j.spark.ExplainSpec;
import io.occlusion4j.spark.ModelShipment;
import io.occlusion4j.spark.Occlusions;
import io.occlusion4j.spark.StandaloneCluster;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * What Spark adds to a batch of explanations: the same rows (scans cut from {@code assets/images/page.png},
 * PaddleOCR's orientation classifier, window 16 stride 8) explained by a plain loop over
 * {@link Occlusion#explain} in this JVM (one thread, then two), by two plain JVMs of one thread each sharing the
 * rows, and by {@link Occlusions#explain} on {@code local[1]}, {@code local[2]}, a standalone cluster of one
 * Worker with two cores and one of two Workers with one core each. Each Spark run is a fresh application that
 * explains the rows once to warm up (executor start, model load, JIT) and once timed; the configurations
 * alternate, round after round, and the table gives each one's median. Writes {@code spark-DATE.md}.
 *
 * <p>Usage (from the repository root; {@code bench/spark.sh} builds and runs it): {@code SparkBenchmark [--rows N]
 * [--rounds R] [--out DIR] [--only KEY,...]}, keys {@code loop1 loop2threads jvm2 loops-shared loops-own local1 local2
 * standalone1 standalone2} (default: all, in that order).
 */
public final class SparkBenchmark {
    private static final String FLAGS = "--window 16 --stride 8 --fill 0.5 --mean 0.5 --std 0.5 --bgr";
    /** Variants of one pass over the rows, counted by the first plain loop (every configuration explains the same). */
    private static long variants;

    /** The configurations, by the key {@code --only} names them with, in the order a round runs them. */
    private static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("loop1", "plain loop, 1 JVM, 1 thread");
        CONFIGS.put("loop2threads", "plain loop, 1 JVM, 2 threads");
        CONFIGS.put("jvm2", "plain loop, 2 JVMs x 1 thread");
        CONFIGS.put("loops-shared", "plain loop, 1 JVM, 2 loops, 1 model");
        CONFIGS.put("loops-own", "plain loop, 1 JVM, 2 loops, 2 models");
        CONFIGS.put("local1", "Spark local[1]");
        CONFIGS.put("local2", "Spark local[2]");
        CONFIGS.put("standalone1", "standalone, 1 worker x 2 cores");
        CONFIGS.put("standalone2", "standalone, 2 workers x 1 core");
    }

    private SparkBenchmark() {}

    /** The keys of {@code --only a,b,...}, checked against {@link #CONFIGS}, in the order given. */
    static List<String> only(String list) {
        List<String> keys = Arrays.stream(list.split(",")).map(String::trim).filter(k -> !k.isEmpty()).toList();
        for (String k : keys) {
            if (!CONFIGS.containsKey(k)) {
                throw new IllegalArgumentException("--only: unknown configuration '" + k + "' (known: "
                        + String.join(", ", CONFIGS.keySet()) + ")");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("--only: no configuration named");
        }
        return keys;
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("io.occlusion4j").setLevel(Level.WARNING); // the engine's line per explanation, times hundreds
        if (args.length > 0 && args[0].equals("plain-loop")) {
            plainLoopChild(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        int rows = 24;
        int rounds = 3;
        Path out = Path.of("bench/results");
        List<String> only = List.copyOf(CONFIGS.keySet());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = only(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--rows N, --rounds R, --out DIR, --only " + String.join(",", CONFIGS.keySet()) + ")");
            }
        }
        Path work = Files.createTempDirectory("occlusion4j-spark-bench");
        Path model = Path.of("assets/models/ppocr_mobile_v2_cls.onnx");
        List<Path> files = writeRows(Images.read(Path.of("assets/images/page.png")), work.resolve("rows"), rows);
        String loadBefore = VideoBenchmark.loadAverage();
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        try (StandaloneCluster one = only.contains("standalone1")
                ? StandaloneCluster.start(sparkJars(), 1, 2, "1g", work.resolve("cluster-1")) : null;
                StandaloneCluster two = only.contains("standalone2")
                        ? StandaloneCluster.start(sparkJars(), 2, 1, "1g", work.resolve("cluster-2")) : null) {
            for (int r = 0; r < rounds; r++) {
                for (String key : only) {
                    String name = CONFIGS.get(key);
                    record(seconds, name, switch (key) {
                        case "loop1" -> plainLoop(model, files, 1);
                        case "loop2threads" -> plainLoop(model, files, 2);
                        case "jvm2" -> twoJvms(model, files, work);
                        case "loops-shared" -> concurrentLoops(model, files, true);
                        case "loops-own" -> concurrentLoops(model, files, false);
                        case "local1" -> spark("local[1]", model, work.resolve("rows"));
                        case "local2" -> spark("local[2]", model, work.resolve("rows"));
                        case "standalone1" -> spark(one.masterUrl(), model, work.resolve("rows"));
                        case "standalone2" -> spark(two.masterUrl(), model, work.resolve("rows"));
                        default -> throw new IllegalStateException(key);
                    });
                }
            }
        }
        String table = table(seconds, rows, rounds, loadBefore, VideoBenchmark.loadAverage());
        Files.createDirectories(out);
        Path file = out.resolve("spark-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table, StandardCharsets.UTF_8);
        System.out.print(table);
        System.out.println("wrote " + file);
    }

    private static void record(Map<String, List<Double>> seconds, String config, double s) {
        seconds.computeIfAbsent(config, k -> new ArrayList<>()).add(s);
        System.out.printf(Locale.ROOT, "%-34s %7.2f s%n", config, s);
    }

    /** {@code n} crops of the scanned page, each a different window of it, as PNG files. */
    static List<Path> writeRows(BufferedImage page, Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int w = Math.min(page.getWidth(), 240 + 7 * i);
            int h = Math.min(page.getHeight(), 48 + i);
            BufferedImage crop = Images.toRgb(page.getSubimage((41 * i) % (page.getWidth() - w + 1), (67 * i) % (page.getHeight() - h + 1), w, h));
            Path f = dir.resolve(String.format(Locale.ROOT, "row%03d.png", i));
            ImageIO.write(crop, "png", f.toFile());
            out.add(f);
        }
        return out;
    }

    /** Seconds for one timed pass over {@code files} after one warm-up pass, one model, {@code threads} threads. */
    static double plainLoop(Path model, List<Path> files, int threads) {
        try (Occlusion occlusion = ExplainSpec.parse(FLAGS).applyTo(Occlusion.builder().model(model).threads(threads), 2).build()) {
            pass(occlusion, files);
            return pass(occlusion, files);
        }
    }

    /**
     * Two loops of one intra-op thread each running at once in this JVM, over alternate rows (as the two JVMs split
     * them), sharing one model session ({@code shared}, as a Spark executor's tasks do) or with one each: seconds of
     * one timed pass after a warm-up pass.
     */
    static double concurrentLoops(Path model, List<Path> files, boolean shared) {
        List<List<Path>> halves = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < files.size(); i++) {
            halves.get(i % 2).add(files.get(i));
        }
        try (Occlusion a = ExplainSpec.parse(FLAGS).applyTo(Occlusion.builder().model(model).threads(1), 2).build();
                Occlusion b = shared ? null : ExplainSpec.parse(FLAGS).applyTo(Occlusion.builder().model(model).threads(1), 2).build()) {
            Occlusion second = shared ? a : b;
            inParallel(a, second, halves);
            long start = System.nanoTime();
            inParallel(a, second, halves);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static void inParallel(Occlusion a, Occlusion b, List<List<Path>> halves) {
        java.util.concurrent.CompletableFuture<Void> other = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (Path f : halves.get(1)) {
                b.explainImage(f);
            }
        }, r -> new Thread(r, "second-loop").start());
        for (Path f : halves.get(0)) {
            a.explainImage(f);
        }
        other.join();
    }

    private static double pass(Occlusion occlusion, List<Path> files) {
        long start = System.nanoTime();
        long windows = 0;
        for (Path f : files) {
            windows += occlusion.explainImage(f).stats().windows();
        }
        variants = windows;
        return (System.nanoTime() - start) / 1e9;
    }

    /** A child JVM's part of {@link #twoJvms}: warm up, then wait for the go file, then one timed pass. */
    private static void plainLoopChild(Path list, Path go) throws IOException, InterruptedException {
        List<Path> files = Files.readAllLines(list).stream().map(Path::of).toList();
        Path model = Path.of("assets/models/ppocr_mobile_v2_cls.onnx");
        try (Occlusion occlusion = ExplainSpec.parse(FLAGS).applyTo(Occlusion.builder().model(model).threads(1), 2).build()) {
            pass(occlusion, files);
            System.out.println("ready");
            System.out.flush();
            while (!Files.exists(go)) {
                Thread.sleep(5);
            }
            System.out.printf(Locale.ROOT, "seconds %.6f%n", pass(occlusion, files));
        }
    }

    /** Two JVMs of one thread each, half the rows each, started together once both are warm: the slower one's time. */
    static double twoJvms(Path model, List<Path> files, Path work) throws IOException, InterruptedException {
        Path go = work.resolve("go-" + System.nanoTime());
        Path argfile = work.resolve("classpath.args");
        Files.writeString(argfile, "-cp \"" + System.getProperty("java.class.path") + "\"\n");
        List<Process> children = new ArrayList<>();
        for (int half = 0; half < 2; half++) {
            Path list = work.resolve("half-" + half + ".txt");
            List<String> mine = new ArrayList<>();
            for (int i = half; i < files.size(); i += 2) {
                mine.add(files.get(i).toAbsolutePath().toString());
            }
            Files.write(list, mine);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "@" + argfile, SparkBenchmark.class.getName(), "plain-loop", list.toString(),
                    go.toString()).redirectErrorStream(true);
            pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
            children.add(pb.start());
        }
        List<java.io.BufferedReader> outs = children.stream()
                .map(p -> new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))).toList();
        for (java.io.BufferedReader r : outs) {
            expectLine(r, "ready");
        }
        Files.createFile(go);
        double slowest = 0;
        for (java.io.BufferedReader r : outs) {
            slowest = Math.max(slowest, Double.parseDouble(expectLine(r, "seconds ").substring(8)));
        }
        for (Process p : children) {
            p.waitFor();
        }
        return slowest;
    }

    private static String expectLine(java.io.BufferedReader r, String prefix) throws IOException {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("a plain-loop JVM ended before printing '" + prefix + "'");
    }

    /** One application on {@code master}: a warm-up job over the rows, then the timed one (Spark's no-op sink). */
    static double spark(String master, Path model, Path rows) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName("occlusion4j spark benchmark")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").config("spark.executor.memory", "512m");
        if (master.startsWith("spark://")) {
            b.config("spark.jars", AppJars.forExecutors().stream().map(p -> p.toUri().toString()).collect(Collectors.joining(",")));
        }
        SparkSession spark = b.getOrCreate();
        try {
            if (master.startsWith("spark://")) {
                BatchJob.awaitExecutors(spark, master);
            }
            var results = Occlusions.explain(spark.read().format("binaryFile").load(rows.toString()), ModelShipment.broadcast(spark, model),
                    ExplainSpec.parse(FLAGS));
            results.write().format("noop").mode("overwrite").save();
            long start = System.nanoTime();
            results.write().format("noop").mode("overwrite").save();
            return (System.nanoTime() - start) / 1e9;
        } finally {
            spark.stop();
            ExecutorModels.closeAll();
        }
    }

    /** Every jar of this JVM's class path: the Workers' executors get Spark's and ours from SPARK_HOME/jars. */
    private static List<Path> sparkJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).filter(s -> s.endsWith(".jar")).map(Path::of)
                .toList();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** {@code base / s} as "1.23x", or "-" where the base configuration did not run. */
    private static String ratio(double base, double s) {
        return Double.isNaN(base) ? "-" : String.format(Locale.ROOT, "%.2fx", base / s);
    }

    static String table(Map<String, List<Double>> seconds, int rows, int rounds, String loadBefore, String loadAfter) {
        StringBuilder b = new StringBuilder();
        b.append("# Spark scale-out: rows/s and variants/s against plain loops over explain\n\n");
        b.append("- date: ").append(LocalDate.now(ZoneOffset.UTC)).append('\n');
        b.append("- commit: ").append(BenchMain.Machine.commit()).append('\n');
        for (String m : BenchMain.Machine.describe()) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- load average before / after: ").append(loadBefore).append(" / ").append(loadAfter).append('\n');
        b.append("- workload: ").append(rows).append(" PNG crops of assets/images/page.png (each explained at the size")
                .append(" explain --image gives it), PaddleOCR orientation classifier, `").append(FLAGS).append("`: ")
                .append(variants > 0 ? variants + " variants a pass" : "variants not counted (no in-process loop ran)")
                .append(", ONNX Runtime on the CPU, one intra-op thread per Spark task\n");
        b.append("- method: ").append(rounds).append(" rounds, the configurations alternating within each; every figure is the")
                .append(" median of the rounds' timed passes. A timed pass follows a warm-up pass in the same JVM or application")
                .append(" (model load, JIT, executor start excluded); Spark's passes write to the no-op sink.\n");
        b.append("- command: `bench/spark.sh` (`--rows N --rounds R` to change the workload, `--only KEY,...` to run some")
                .append(" configurations: ").append(String.join(", ", seconds.keySet())).append(" ran)\n\n");
        double plain1 = median(seconds.getOrDefault("plain loop, 1 JVM, 1 thread", List.of(Double.NaN)));
        double twoJvm = median(seconds.getOrDefault("plain loop, 2 JVMs x 1 thread", List.of(Double.NaN)));
        b.append("| configuration | median s | rows/s | variants/s | vs plain loop, 1 thread | vs 2 plain JVMs | runs (s) |\n");
        b.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
            double s = median(e.getValue());
            b.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %s | %s |%n", e.getKey(), s, rows / s,
                    variants > 0 ? String.format(Locale.ROOT, "%.1f", variants / s) : "-", ratio(plain1, s), ratio(twoJvm, s),
                    e.getValue().stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).collect(Collectors.joining(" "))));
        }
        double local2 = median(seconds.getOrDefault("Spark local[2]", List.of(Double.NaN)));
        b.append(String.format(Locale.ROOT, "%nSpark local[2] takes %.1f %% %s than two plain JVMs of one thread each over the same rows"
                        + " (target: within 15 %%).%n", Math.abs(local2 / twoJvm - 1) * 100, local2 >= twoJvm ? "longer" : "less time"));
        b.append("\nThe machine is shared with other work while this runs (see the load averages): medians move with it,"
                + " and the ratios, measured side by side in alternating rounds, are the figures to read.\n");
        return b.toString();
    }
}
