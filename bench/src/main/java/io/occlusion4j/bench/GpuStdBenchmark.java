// The gpu-std workload on the device: plan-only throughput, end-to-end occlusion through the CUDA back end, overhead.
package io.occlusion4j.bench;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Incremental;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.backend.cuda.CudaBackendSession;
import io.occlusion4j.backend.cuda.CudaPlan;
import io.occlusion4j.backend.cuda.Device;
import io.occlusion4j.backend.cuda.Devices;
import io.occlusion4j.backend.cuda.PlanOptions;
import io.occlusion4j.backend.cuda.Precision;
import io.occlusion4j.backend.cuda.TransferLedger;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.io.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * DESIGN section 6's {@code gpu-std}: ResNet-50 at 224x224, window 16, stride 4 (2,809 variants), Captum's
 * settings (CROP, constant fill 0, RAW scores, the argmax target, no normalisation: the exported network
 * takes the raw input), on the model and input written by
 * {@code bench/python/occlusion_baseline.py export --workload gpu-std --dir D}. Per precision it measures
 * <ol>
 *   <li>end to end: {@link Occlusion#explain(Tensor)} on the CUDA back end (the device loop, zero copy),
 *       one warm-up run, then {@code --reps} timed runs (wall clock, median kept); variants/s;</li>
 *   <li>plan only: a {@link CudaPlan} at the batch the end-to-end run chose, forwards timed with CUDA events
 *       after a warm-up; images/s;</li>
 *   <li>the occlusion overhead: end-to-end time over plan-only time for the same number of forwards
 *       (target &lt;= 1.05).</li>
 * </ol>
 * Writes {@code gpu-std.occlusion4j.json} and the pixel and grid maps of each precision
 * ({@code gpu-std.<P>.pixel.npy}, {@code [224, 224]}, as the Python baseline writes them) to the output folder.
 * With {@code --incremental off,on} (issue 17) the end-to-end runs of each precision take each listed mode in the same
 * session, alternating ({@link IncrementalRuns}); the precision's main figures are the first mode's, and every mode's
 * times, variants/s and incremental block (switch layer, predicted and measured speed-up, reason) go to the JSON's
 * {@code incremental_runs} and to {@code gpu-std.incremental.md}. The CUDA back end runs incremental inference in fp32
 * storage only (FP32, TF32): FP16 runs the full sweep and its reason says so. {@code --label} names another model of
 * the same input shape (ViT-B/16, ConvNeXt-T: issue 19) in the files. {@code --dry-run} checks the arguments, the model
 * and the input and prints the runs it would make, without a GPU.
 * Exit status 0 when every precision ran, 1 when one failed (its error is in the JSON), 2 for bad arguments.
 */
public final class GpuStdBenchmark {
    static final int[] SHAPE = {3, 224, 224};
    static final int WINDOW = 16;
    static final int STRIDE = 4;
    static final int VARIANTS = 53 * 53;
    static final String USAGE = "usage: GpuStdBenchmark --model D/model.onnx --input D/input.npy --out DIR"
            + " [--reps N (3)] [--plan-reps N (20)] [--precisions FP32,TF32,FP16] [--batch B (0: the library's choice)]"
            + " [--incremental MODE,.. (off,on: each in turn; default: the library's, auto)] [--label NAME (gpu-std)]"
            + " [--dry-run] [--device gpu|host (the host stand-in: a check of this program on a small model, no speed)]";

    /** Parsed arguments. */
    record Settings(Path model, Path input, Path out, int reps, int planReps, List<Precision> precisions, int batch,
                    List<Incremental> modes, String label, boolean dryRun, String device) {

        /** A new device of the kind asked for: the GPU, or the host stand-in (the same operations on the CPU, slow). */
        Device open() {
            return device.equals("host") ? Devices.host() : Devices.gpu();
        }
    }

    private GpuStdBenchmark() {}

    /** Runs the workload; a bad argument or a failed step ends in an exception (the JVM's exit status 1). */
    public static void main(String[] args) {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GpuStdBenchmark: " + e.getMessage() + "\n" + USAGE, e);
        }
        if (s.dryRun()) {
            System.exit(dryRun(s));
        }
        if (run(s) != 0) {
            throw new IllegalStateException("GpuStdBenchmark: a step failed (see the log and " + s.out() + ")");
        }
    }

    /** Checks every argument and the two files; the output folder is created. */
    static Settings parse(String[] args) {
        Path model = null;
        Path input = null;
        Path out = null;
        int reps = 3;
        int planReps = 20;
        int batch = 0;
        List<Precision> precisions = List.of(Precision.FP32, Precision.TF32, Precision.FP16);
        List<Incremental> modes = List.of();
        String label = "gpu-std";
        boolean dryRun = false;
        String device = "gpu";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("help asked for");
            }
            if (a.equals("--dry-run")) {
                dryRun = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = Path.of(v);
                case "--input" -> input = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--reps" -> reps = positive(a, v, 1);
                case "--plan-reps" -> planReps = positive(a, v, 1);
                case "--batch" -> batch = positive(a, v, 0);
                case "--incremental" -> modes = IncrementalRuns.parseModes(a, v);
                case "--device" -> {
                    if (!v.equals("gpu") && !v.equals("host")) {
                        throw new IllegalArgumentException("--device is gpu or host, got '" + v + "'");
                    }
                    device = v;
                }
                case "--label" -> {
                    if (!v.matches("[A-Za-z0-9._-]+")) {
                        throw new IllegalArgumentException("--label takes letters, digits, '.', '_' and '-', got '" + v + "'");
                    }
                    label = v;
                }
                case "--precisions" -> {
                    List<Precision> list = new ArrayList<>();
                    for (String p : v.split(",")) {
                        try {
                            list.add(Precision.valueOf(p.trim().toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--precisions: '" + p + "' is not one of "
                                    + Arrays.toString(Precision.values()));
                        }
                    }
                    precisions = List.copyOf(list);
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (model == null || input == null || out == null) {
            throw new IllegalArgumentException("--model, --input and --out are required");
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("no model file " + model);
        }
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("no input file " + input);
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the output folder " + out + ": " + e.getMessage());
        }
        return new Settings(model, input, out, reps, planReps, precisions, batch, modes, label, dryRun, device);
    }

    private static int positive(String option, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + value + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    /** The gpu-std input {@code [3, 224, 224]} from the NPY file, or an IllegalArgumentException. */
    static Tensor readInput(Path file) {
        Tensor x = Npy.read(file);
        if (!Arrays.equals(x.shape(), SHAPE)) {
            throw new IllegalArgumentException("input " + file + " has shape " + Arrays.toString(x.shape()) + ", gpu-std takes "
                    + Arrays.toString(SHAPE));
        }
        return x;
    }

    /** One precision's figures; {@code modes}: every {@code --incremental} mode's runs (empty without the option). */
    record Figures(Precision precision, int batch, int forwards, int target, float baseScore, double[] endToEndSeconds,
                   double planMillisPerForward, long hostToDevice, long deviceToHost, String error,
                   List<IncrementalRuns.ModeRun> modes) {

        double medianSeconds() {
            return IncrementalRuns.median(endToEndSeconds);
        }

        double variantsPerSecond() {
            return VARIANTS / medianSeconds();
        }

        double planImagesPerSecond() {
            return batch * 1000.0 / planMillisPerForward;
        }

        /** End-to-end time over the plan's time for the same number of forwards. */
        double overhead() {
            return medianSeconds() / (forwards * planMillisPerForward / 1000.0);
        }
    }

    /** Checks the model (read, its input and outputs) and the input, prints the runs; no GPU. 0, or 1 if the model fails. */
    static int dryRun(Settings s) {
        try {
            readInput(s.input());
            Graph graph = OnnxModelReader.read(s.model());
            System.out.println("[" + s.label() + "] dry run: model " + s.model() + " (" + graph.nodes().size() + " nodes, input "
                    + graph.inputs().getFirst().name() + ", output " + graph.outputs().getFirst() + "), input " + s.input()
                    + " " + Arrays.toString(SHAPE) + ", window " + WINDOW + " stride " + STRIDE + " (" + VARIANTS + " variants)");
            for (Precision p : s.precisions()) {
                System.out.println("[" + s.label() + "] would run " + p + ": end to end "
                        + (s.modes().isEmpty() ? "(default incremental mode)" : "--incremental " + s.modes() + " alternating")
                        + ", 1 warm-up + " + s.reps() + " timed run(s) each, batch "
                        + (s.batch() == 0 ? "the library's" : s.batch()) + "; plan only " + s.planReps() + " forwards");
            }
            System.out.println("[" + s.label() + "] would write " + s.out().resolve(s.label() + ".occlusion4j.json")
                    + (s.modes().isEmpty() ? "" : " and " + s.out().resolve(s.label() + ".incremental.md")));
            return 0;
        } catch (RuntimeException e) {
            System.err.println("GpuStdBenchmark: dry run: " + e);
            return 1;
        }
    }

    static int run(Settings s) {
        Tensor x;
        try {
            x = readInput(s.input());
        } catch (RuntimeException e) {
            System.err.println("GpuStdBenchmark: " + e.getMessage());
            return 2;
        }
        List<Figures> all = new ArrayList<>();
        Graph graph = null;
        boolean failed = false;
        for (Precision p : s.precisions()) {
            try {
                Figures endToEnd = endToEnd(s, p, x);
                if (graph == null) {
                    graph = OnnxModelReader.read(s.model());
                }
                double ms = planOnly(s, graph, p, endToEnd.batch());
                Figures f = new Figures(p, endToEnd.batch(), endToEnd.forwards(), endToEnd.target(), endToEnd.baseScore(),
                        endToEnd.endToEndSeconds(), ms, endToEnd.hostToDevice(), endToEnd.deviceToHost(), null,
                        endToEnd.modes());
                all.add(f);
                System.out.printf(Locale.ROOT, "[%s] %s batch %d forwards %d: end to end %.4f s (%.1f variants/s), plan %.3f ms"
                        + "/forward (%.1f images/s), overhead %.3f, host->device %d B, device->host %d B%n", s.label(), p,
                        f.batch(), f.forwards(), f.medianSeconds(), f.variantsPerSecond(), ms, f.planImagesPerSecond(),
                        f.overhead(), f.hostToDevice(), f.deviceToHost());
            } catch (RuntimeException | LinkageError e) {
                failed = true;
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                System.err.println("[" + s.label() + "] " + p + " failed: " + trace);
                all.add(new Figures(p, 0, 0, -1, Float.NaN, new double[0], Double.NaN, 0, 0,
                        e.getClass().getSimpleName() + ": " + e.getMessage(), List.of()));
            }
        }
        try {
            Files.writeString(s.out().resolve(s.label() + ".occlusion4j.json"), json(s, all));
            if (!s.modes().isEmpty()) {
                Files.writeString(s.out().resolve(s.label() + ".incremental.md"), incrementalTable(s, all));
            }
        } catch (IOException e) {
            System.err.println("GpuStdBenchmark: cannot write the figures: " + e.getMessage());
            return 1;
        }
        return failed ? 1 : 0;
    }

    /** The request of one mode (null: the settings' default mode). */
    private static ExplainRequest request(Settings s, Tensor x, String output, Incremental mode) {
        Occlusion.Builder b = Occlusion.builder().window(WINDOW, WINDOW).stride(STRIDE, STRIDE).edge(Edge.CROP)
                .fill(Fill.constant(0f)).score(Score.RAW).batchSize(s.batch());
        if (mode != null) {
            b.incremental(mode);
        }
        io.occlusion4j.Settings settings = b.settings().withOutputs(List.of(output));
        return new ExplainRequest(x, settings, WindowGrid.of(new int[] {224, 224}, new int[] {WINDOW, WINDOW},
                new int[] {STRIDE, STRIDE}, Edge.CROP, false));
    }

    /**
     * One session: a warm-up run per mode, then {@code reps} rounds of one timed run per mode (round i starts with mode
     * i mod n). The first mode's runs are the precision's main figures and maps.
     */
    private static Figures endToEnd(Settings s, Precision p, Tensor x) {
        List<Incremental> modes = s.modes().isEmpty() ? java.util.Collections.singletonList(null) : s.modes();
        int n = modes.size();
        try (CudaBackendSession session = CudaBackendSession.open(s.model(), p, s.open())) {
            String output = session.signature().outputs().getFirst().name();
            ExplainRequest[] r = new ExplainRequest[n];
            SensitivityMap[] maps = new SensitivityMap[n];
            for (int k = 0; k < n; k++) {
                r[k] = request(s, x, output, modes.get(k));
                maps[k] = session.explain(r[k]); // warm-up: plan, algorithms, kernels, the plan's graph, the incremental plan
                if (maps[k].stats().windows() != VARIANTS) {
                    throw new IllegalStateException(s.label() + " has " + VARIANTS + " variants, the run scored "
                            + maps[k].stats().windows());
                }
            }
            double[][] seconds = new double[n][s.reps()];
            TransferLedger[] ledgers = new TransferLedger[n];
            for (int i = 0; i < s.reps(); i++) {
                for (int j = 0; j < n; j++) {
                    int k = (i + j) % n;
                    ledgers[k] = new TransferLedger();
                    long t0 = System.nanoTime();
                    maps[k] = session.explain(r[k], ledgers[k]);
                    seconds[k][i] = (System.nanoTime() - t0) / 1e9;
                }
            }
            SensitivityMap map = maps[0];
            Npy.write(s.out().resolve(s.label() + "." + p + ".pixel.npy"), Tensor.of(map.pixelMap(0).data(), 224, 224));
            Npy.write(s.out().resolve(s.label() + "." + p + ".grid.npy"), Tensor.of(map.gridMap(0).data(), 53, 53));
            System.out.println("[" + s.label() + "] " + p + ": " + session.storage());
            List<IncrementalRuns.ModeRun> runs = new ArrayList<>();
            for (int k = 0; k < n && !s.modes().isEmpty(); k++) {
                runs.add(new IncrementalRuns.ModeRun(modes.get(k), maps[k].stats().batchSize(), maps[k].stats().forwards(),
                        seconds[k], maps[k].stats().incremental(), IncrementalRuns.mapDifference(maps[k], map)));
                System.out.println("[" + s.label() + "] " + p + " --incremental " + modes.get(k) + ": median "
                        + IncrementalRuns.num(runs.getLast().medianSeconds()) + " s; " + maps[k].stats().incremental());
            }
            return new Figures(p, map.stats().batchSize(), map.stats().forwards(), map.targets()[0], map.baseScores()[0],
                    seconds[0], Double.NaN, ledgers[0].hostToDeviceBytes(), ledgers[0].deviceToHostBytes(), null, runs);
        }
    }

    /**
     * Milliseconds per forward of the plan alone at {@code batch}: wall time over {@code reps} graph replays between
     * two synchronisations, after a warm-up.
     */
    private static double planOnly(Settings s, Graph graph, Precision p, int batch) {
        int reps = s.planReps();
        try (Device device = s.open();
             CudaPlan plan = CudaPlan.create(device, PlanBuilder.build(graph, batch, PlanBuilder.Options.all()), batch,
                     PlanOptions.defaults(p))) {
            System.out.println("[gpu-std] " + p + " batch " + batch + ": " + plan.storage() + "; " + plan.convolutions());
            Device.Buffer in = plan.slot(graph.inputs().get(0).name());
            // 0.5 in either storage: fp32 words, or two fp16 halves (0x3800) for an fp16 NHWC input slot.
            device.fill32(in, plan.isHalf(graph.inputs().get(0).name()) ? 0x38003800 : Float.floatToRawIntBits(0.5f));
            for (int i = 0; i < 3; i++) {
                plan.forward();
            }
            device.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                plan.forward();
            }
            device.synchronize();
            return (System.nanoTime() - t0) / 1e6 / reps;
        }
    }

    /** {@code gpu-std.incremental.md}: every mode of every precision, one row each. */
    static String incrementalTable(Settings s, List<Figures> all) {
        StringBuilder b = new StringBuilder("# " + s.label() + ": --incremental " + s.modes() + " on the CUDA back end\n\n"
                + "Model " + s.model().getFileName() + " on the " + (s.device().equals("host") ? "host stand-in (no speed figure)"
                : "GPU") + ", input " + Arrays.toString(SHAPE) + ", window " + WINDOW + ", stride "
                + STRIDE + " (" + VARIANTS + " variants), CROP, constant fill 0, RAW scores; one session per precision, a "
                + "warm-up run per mode, then " + s.reps() + " rounds alternating the modes (median kept). End to end vs off:"
                + " off's median over this mode's. Predicted: the cost model's; measured: the back end's probe batch.\n\n");
        b.append(IncrementalRuns.header());
        for (Figures f : all) {
            if (f.error() != null) {
                b.append("| ").append(f.precision()).append(" | error | | | | | | | | | | | | ")
                        .append(f.error().replace('|', '/').replace('\n', ' ')).append(" |\n");
            } else {
                b.append(IncrementalRuns.rows(f.precision().toString(), f.modes(), VARIANTS));
            }
        }
        return b.toString();
    }

    static String json(Settings s, List<Figures> all) {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"workload\": \"").append(IncrementalRuns.esc(s.label())).append("\",\n  \"model\": \"")
                .append(IncrementalRuns.esc(s.model().getFileName().toString())).append("\",\n  \"variants\": ").append(VARIANTS)
                .append(",\n  \"window\": ").append(WINDOW).append(",\n  \"stride\": ").append(STRIDE)
                .append(",\n  \"reps\": ").append(s.reps()).append(",\n  \"plan_reps\": ").append(s.planReps())
                .append(",\n  \"device\": \"").append(s.device())
                .append("\",\n  \"incremental_modes\": \"").append(s.modes().isEmpty() ? "default" : s.modes().toString())
                .append("\",\n  \"java\": \"").append(IncrementalRuns.esc(System.getProperty("java.version")))
                .append("\",\n  \"precisions\": {");
        for (int i = 0; i < all.size(); i++) {
            Figures f = all.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    \"").append(f.precision()).append("\": {");
            if (f.error() != null) {
                b.append("\"error\": \"").append(IncrementalRuns.esc(f.error())).append("\"}");
                continue;
            }
            b.append("\"batch\": ").append(f.batch()).append(", \"forwards\": ").append(f.forwards())
                    .append(", \"target\": ").append(f.target()).append(", \"base_score\": ").append(num(f.baseScore()))
                    .append(", \"seconds\": [");
            for (int k = 0; k < f.endToEndSeconds().length; k++) {
                b.append(k == 0 ? "" : ", ").append(num(f.endToEndSeconds()[k]));
            }
            b.append("], \"seconds_median\": ").append(num(f.medianSeconds()))
                    .append(", \"variants_per_s\": ").append(num(f.variantsPerSecond()))
                    .append(", \"plan_ms_per_forward\": ").append(num(f.planMillisPerForward()))
                    .append(", \"plan_images_per_s\": ").append(num(f.planImagesPerSecond()))
                    .append(", \"overhead\": ").append(num(f.overhead()))
                    .append(", \"h2d_bytes\": ").append(f.hostToDevice()).append(", \"d2h_bytes\": ").append(f.deviceToHost())
                    .append(", \"pixel_npy\": \"").append(s.label()).append('.').append(f.precision()).append(".pixel.npy\"");
            if (!f.modes().isEmpty()) {
                b.append(", \"incremental_runs\": ").append(IncrementalRuns.json(f.modes(), VARIANTS));
            }
            b.append('}');
        }
        return b.append("\n  }\n}\n").toString();
    }

    private static String num(double v) {
        return IncrementalRuns.num(v);
    }
}
