package io.occlusion4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Incremental;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.metrics.MapSimilarity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * occlusion4j against the Python baseline (bench/python/occlusion_baseline.py) on the same ONNX file
 * and the same input tensor: the baseline exports the network, then the two run alternately (Python,
 * occlusion4j, Python, ...) for the given repetitions; each side times its occlusion loop after a
 * warm-up (Python: one batch in each process on the CPU, a whole run on a GPU; occlusion4j: one whole run in this JVM
 * before the first repetition), model loading excluded. Prints and writes variants per second for each, the ratio of the
 * medians, and the agreement of the pixel maps. occlusion4j runs the full sweep ({@code --incremental off});
 * with {@code --incremental on|auto} each repetition also runs incremental inference (after its own warm-up, which
 * builds its plan), so the table has the full sweep, incremental inference and the PyTorch loop side by side.
 *
 * <p>Usage: {@code BaselineComparison --python PY [--workload cpu-small|cpu-vgg16|cpu-resnet50] [--reps 3]
 * [--incremental on|auto] [--work DIR] [--out DIR]}
 */
public final class BaselineComparison {
    private BaselineComparison() {}

    record Workload(String name, int[] window, int[] stride, int threads) {}

    static Workload workload(String name) {
        return switch (name) {
            case "cpu-small" -> new Workload(name, new int[] {32, 32}, new int[] {16, 16}, 2);
            // issue 17's incremental-inference workloads (torchvision VGG16 and ResNet-50 at 224x224)
            case "cpu-vgg16" -> new Workload(name, new int[] {16, 16}, new int[] {16, 16}, 2);
            case "cpu-resnet50" -> new Workload(name, new int[] {16, 16}, new int[] {8, 8}, 2);
            default -> throw new IllegalArgumentException("unknown CPU workload " + name
                    + " (known: cpu-small, cpu-vgg16, cpu-resnet50)");
        };
    }

    public static void main(String[] args) throws Exception {
        String python = "python3";
        String name = "cpu-small";
        int reps = 3;
        Path work = Files.createTempDirectory("o4j-compare");
        Path out = Path.of("bench/results");
        Path script = Path.of("bench/python/occlusion_baseline.py");
        Incremental incremental = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--python" -> python = args[++i];
                case "--workload" -> name = args[++i];
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--script" -> script = Path.of(args[++i]);
                case "--incremental" -> incremental = Incremental.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (reps < 3) {
            throw new IllegalArgumentException("the comparison reports a median of at least 3 repetitions");
        }
        Workload w = workload(name);
        Files.createDirectories(work);
        run(List.of(python, script.toString(), "export", "--workload", name, "--dir", work.toString()));
        Path model = work.resolve("model.onnx");
        Tensor input = Npy.read(work.resolve("input.npy"));
        ObjectMapper json = new ObjectMapper();
        List<Double> pyRates = new ArrayList<>();
        List<Double> javaRates = new ArrayList<>();
        List<Double> incRates = new ArrayList<>();
        JsonNode pyResult = null;
        SensitivityMap map = null;
        SensitivityMap incMap = null;
        try (Occlusion base = Occlusion.builder().model(model).threads(w.threads()).window(w.window()).stride(w.stride())
                .incremental(Incremental.OFF).build()) {
            int batch = CpuSmallBenchmark.engineBatch();
            Occlusion full = null;
            Occlusion inc = null;
            try {
                for (int r = 0; r < reps; r++) {
                    run(List.of(python, script.toString(), "run", "--workload", name, "--dir", work.toString(), "--reps",
                            "1", "--batch", Integer.toString(batch), "--out-prefix", work.resolve("python").toString()));
                    pyResult = json.readTree(work.resolve("python.json").toFile());
                    pyRates.add(pyResult.get("variants_per_s").get(0).asDouble());
                    int target = pyResult.get("target").asInt();
                    if (full == null) { // one untimed warm-up per explainer (JIT; the incremental one builds its plan)
                        full = base.with(b -> b.targets(Targets.of(target)).batchSize(batch));
                        full.explain(input);
                        if (incremental != null) {
                            Incremental mode = incremental;
                            inc = base.with(b -> b.targets(Targets.of(target)).batchSize(batch).incremental(mode));
                            inc.explain(input);
                        }
                    }
                    long t0 = System.nanoTime();
                    map = full.explain(input);
                    javaRates.add(map.stats().windows() / ((System.nanoTime() - t0) / 1e9));
                    if (inc != null) {
                        t0 = System.nanoTime();
                        incMap = inc.explain(input);
                        incRates.add(incMap.stats().windows() / ((System.nanoTime() - t0) / 1e9));
                    }
                System.out.printf("rep %d: python %.2f variants/s, occlusion4j %.2f variants/s%s%n", r + 1,
                        pyRates.getLast(), javaRates.getLast(), incRates.isEmpty() ? ""
                                : String.format(", incremental %.2f variants/s", incRates.getLast()));
                }
            } finally {
                if (full != null) {
                    full.close();
                }
                if (inc != null) {
                    inc.close();
                }
            }
        }
        float[] ours = map.pixelMap(0).data();
        float[] theirs = Npy.read(work.resolve("python.pixel.npy")).data();
        Agreement agreement = Agreement.of(ours, theirs);
        String table = table(w, pyResult, CpuSmallBenchmark.engineBatch(), pyRates, javaRates, agreement, map);
        if (incMap != null) {
            table += incrementalRows(incremental, pyRates, javaRates, incRates, Agreement.of(incMap.pixelMap(0).data(), theirs),
                    Agreement.of(incMap.pixelMap(0).data(), ours), incMap);
        }
        Files.createDirectories(out);
        Path file = out.resolve("compare-" + name + "-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    /** How closely two maps agree: max |a-b| over the range of b, and Pearson's r. */
    public record Agreement(double maxAbsDiffOverRange, double pearson) {
        public static Agreement of(float[] a, float[] b) {
            return new Agreement(MapSimilarity.maxDifferenceOverRange(a, b), MapSimilarity.pearson(a, b));
        }
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String table(Workload w, JsonNode py, int batch, List<Double> pyRates, List<Double> javaRates, Agreement a,
            SensitivityMap map) {
        double pyMed = median(pyRates);
        double javaMed = median(javaRates);
        StringBuilder b = new StringBuilder();
        b.append("# ").append(w.name()).append(": occlusion4j vs the PyTorch baseline, ").append(LocalDate.now(ZoneOffset.UTC)).append("\n\n");
        b.append("Same ONNX export and the same input tensor; window ").append(Arrays.toString(w.window())).append(", stride ")
                .append(Arrays.toString(w.stride())).append(", ").append(map.stats().windows()).append(" variants, batch ")
                .append(batch).append(", ").append(w.threads()).append(" threads each, target ").append(py.get("target").asInt())
                .append(". Alternating runs, timed after warm-ups (PyTorch: one batch in each run's process; occlusion4j: one untimed run in its JVM before the first repetition); model loading excluded.\n\n");
        b.append("- commit: ").append(BenchMain.Machine.commit()).append('\n');
        for (String m : BenchMain.Machine.describe()) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- baseline: PyTorch ").append(py.get("torch").asText()).append(" (bench/python/occlusion_baseline.py)\n\n");
        b.append("| run | PyTorch baseline (variants/s) | occlusion4j (variants/s) |\n|---|---:|---:|\n");
        for (int i = 0; i < pyRates.size(); i++) {
            b.append(String.format("| %d | %.2f | %.2f |%n", i + 1, pyRates.get(i), javaRates.get(i)));
        }
        b.append(String.format("| **median** | **%.2f** | **%.2f** |%n%n", pyMed, javaMed));
        b.append(String.format("Speed-up (median / median): **%.2fx** (target >= 1.5x).%n%n", javaMed / pyMed));
        b.append(String.format("Map agreement: Pearson r = %.6f (target >= 0.999), max |difference| = %.2e of the"
                + " baseline map's range (target <= 1e-3).%n", a.pearson(), a.maxAbsDiffOverRange()));
        return b.toString();
    }

    static String incrementalRows(Incremental mode, List<Double> pyRates, List<Double> javaRates, List<Double> incRates,
                                  Agreement vsPython, Agreement vsFull, SensitivityMap incMap) {
        StringBuilder b = new StringBuilder();
        b.append("\n## Incremental inference (`--incremental ").append(mode.name().toLowerCase(java.util.Locale.ROOT))
                .append("`), in the same repetitions\n\n");
        b.append("| run | PyTorch baseline | occlusion4j full sweep | occlusion4j incremental | incremental / full |"
                + " incremental / PyTorch |\n|---|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < incRates.size(); i++) {
            b.append(String.format("| %d | %.2f | %.2f | %.2f | %.2fx | %.2fx |%n", i + 1, pyRates.get(i), javaRates.get(i),
                    incRates.get(i), incRates.get(i) / javaRates.get(i), incRates.get(i) / pyRates.get(i)));
        }
        double py = median(pyRates);
        double full = median(javaRates);
        double inc = median(incRates);
        b.append(String.format("| **median** | **%.2f** | **%.2f** | **%.2f** | **%.2fx** | **%.2fx** |%n%n", py, full, inc,
                inc / full, inc / py));
        b.append("(variants/s.) ").append(incMap.stats().incremental() == null ? "" : incMap.stats().incremental().reason())
                .append("\n\n");
        b.append(String.format("Incremental map against the full sweep's: max |difference| = %.2e of its range; against the"
                + " PyTorch baseline's: %.2e of its range, Pearson r = %.6f.%n", vsFull.maxAbsDiffOverRange(),
                vsPython.maxAbsDiffOverRange(), vsPython.pearson()));
        return b.toString();
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + rc);
        }
    }
}
