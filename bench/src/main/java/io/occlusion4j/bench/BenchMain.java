package io.occlusion4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a benchmark workload through JMH and writes its results table (machine, date, commit,
 * settings, figures) under {@code bench/results/}. Usage: {@code BenchMain cpu-small [--out DIR]
 * [--quick]}.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws RunnerException, IOException {
        String workload = args.length > 0 ? args[0] : "cpu-small";
        Path out = Path.of("bench/results");
        boolean quick = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!workload.equals("cpu-small")) {
            throw new IllegalArgumentException("unknown workload " + workload + " (this bench runs: cpu-small)");
        }
        Options opts = new OptionsBuilder()
                .include(CpuSmallBenchmark.class.getName() + "\\.")
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .warmupIterations(quick ? 1 : 2)
                .warmupTime(TimeValue.seconds(quick ? 5 : 15))
                .measurementIterations(quick ? 2 : 5)
                .measurementTime(TimeValue.seconds(quick ? 5 : 15))
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        Figures engine = null;
        Figures bare = null;
        int batch = CpuSmallBenchmark.engineBatch();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            var s = r.getPrimaryResult();
            if (name.endsWith(".explain")) {
                engine = new Figures(s.getScore(), s.getScoreError());
            } else if (name.endsWith(".bareInference")) {
                bare = new Figures(s.getScore() * batch, s.getScoreError() * batch);
            }
        }
        if (engine == null || bare == null) {
            throw new IllegalStateException("JMH did not report both benchmarks");
        }
        String table = ResultsTable.cpuSmall(Machine.describe(), LocalDate.now(ZoneOffset.UTC), Machine.commit(), batch, engine, bare);
        Files.createDirectories(out);
        Path file = out.resolve("cpu-small-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    /** A throughput with its JMH error (99.9 % confidence half-width), in samples per second. */
    public record Figures(double perSecond, double error) {}

    /** The Markdown tables. */
    public static final class ResultsTable {
        private ResultsTable() {}

        public static String cpuSmall(List<String> machine, LocalDate date, String commit, int batch, Figures engine, Figures bare) {
            double ratio = engine.perSecond() / bare.perSecond();
            StringBuilder b = new StringBuilder();
            b.append("# cpu-small, ").append(date).append("\n\n");
            b.append("Workload: ResNet-18-shaped model (seeded random weights), 224x224, window 32, stride 16 (169 variants), ")
                    .append(CpuSmallBenchmark.THREADS).append(" intra-op threads, batch ").append(batch).append(".\n\n");
            b.append("- commit: ").append(commit).append('\n');
            for (String m : machine) {
                b.append("- ").append(m).append('\n');
            }
            b.append("\n| measure | samples/s | ± (99.9 %) |\n|---|---:|---:|\n");
            b.append(String.format("| occlusion4j explain (variants/s) | %.2f | %.2f |%n", engine.perSecond(), engine.error()));
            b.append(String.format("| bare ONNX Runtime batched inference (images/s) | %.2f | %.2f |%n", bare.perSecond(), bare.error()));
            b.append(String.format("%nEngine / bare inference: **%.1f %%** (target >= 90 %%).%n", 100 * ratio));
            return b.toString();
        }
    }

    /** What the numbers ran on. */
    static final class Machine {
        private Machine() {}

        static List<String> describe() {
            String cpu = "unknown CPU";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException ignored) {
                // not Linux: keep the placeholder
            }
            return List.of("machine: " + cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores visible, "
                            + (Runtime.getRuntime().maxMemory() >> 20) + " MiB max heap",
                    "java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                    "onnxruntime: " + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
        }

        static String commit() {
            try {
                Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
                String s = new String(p.getInputStream().readAllBytes()).trim();
                return p.waitFor() == 0 ? s : "unknown";
            } catch (IOException | InterruptedException e) {
                return "unknown";
            }
        }
    }
}
