// The gpu-std workload on the device: plan-only throughput, end-to-end occlusion through the CUDA back end, overhead.
package io.occlusion4j.bench;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
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
 * Exit status 0 when every precision ran, 1 when one failed (its error is in the JSON), 2 for bad arguments.
 */
public final class GpuStdBenchmark {
    static final int[] SHAPE = {3, 224, 224};
    static final int WINDOW = 16;
    static final int STRIDE = 4;
    static final int VARIANTS = 53 * 53;
    static final String USAGE = "usage: GpuStdBenchmark --model D/model.onnx --input D/input.npy --out DIR"
            + " [--reps N (3)] [--plan-reps N (20)] [--precisions FP32,TF32,FP16] [--batch B (0: the library's choice)]";

    /** Parsed arguments. */
    record Settings(Path model, Path input, Path out, int reps, int planReps, List<Precision> precisions, int batch) {}

    private GpuStdBenchmark() {}

    /** Runs the workload; a bad argument or a failed step ends in an exception (the JVM's exit status 1). */
    public static void main(String[] args) {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GpuStdBenchmark: " + e.getMessage() + "\n" + USAGE, e);
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
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("help asked for");
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
        return new Settings(model, input, out, reps, planReps, precisions, batch);
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

    /** One precision's figures. */
    record Figures(Precision precision, int batch, int forwards, int target, float baseScore, double[] endToEndSeconds,
                   double planMillisPerForward, long hostToDevice, long deviceToHost, String error) {

        double medianSeconds() {
            double[] s = endToEndSeconds.clone();
            Arrays.sort(s);
            return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
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
                double ms = planOnly(graph, p, endToEnd.batch(), s.planReps());
                Figures f = new Figures(p, endToEnd.batch(), endToEnd.forwards(), endToEnd.target(), endToEnd.baseScore(),
                        endToEnd.endToEndSeconds(), ms, endToEnd.hostToDevice(), endToEnd.deviceToHost(), null);
                all.add(f);
                System.out.printf(Locale.ROOT, "[gpu-std] %s batch %d forwards %d: end to end %.4f s (%.1f variants/s), plan %.3f ms"
                        + "/forward (%.1f images/s), overhead %.3f, host->device %d B, device->host %d B%n", p, f.batch(), f.forwards(),
                        f.medianSeconds(), f.variantsPerSecond(), ms, f.planImagesPerSecond(), f.overhead(), f.hostToDevice(),
                        f.deviceToHost());
            } catch (RuntimeException | LinkageError e) {
                failed = true;
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                System.err.println("[gpu-std] " + p + " failed: " + trace);
                all.add(new Figures(p, 0, 0, -1, Float.NaN, new double[0], Double.NaN, 0, 0,
                        e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        try {
            Files.writeString(s.out().resolve("gpu-std.occlusion4j.json"), json(s, all));
        } catch (IOException e) {
            System.err.println("GpuStdBenchmark: cannot write the figures: " + e.getMessage());
            return 1;
        }
        return failed ? 1 : 0;
    }

    private static Figures endToEnd(Settings s, Precision p, Tensor x) {
        try (CudaBackendSession session = CudaBackendSession.open(s.model(), p, Devices.gpu())) {
            io.occlusion4j.Settings settings = Occlusion.builder().window(WINDOW, WINDOW).stride(STRIDE, STRIDE).edge(Edge.CROP)
                    .fill(Fill.constant(0f)).score(Score.RAW).batchSize(s.batch()).settings()
                    .withOutputs(List.of(session.signature().outputs().getFirst().name()));
            ExplainRequest r = new ExplainRequest(x, settings, WindowGrid.of(new int[] {224, 224}, new int[] {WINDOW, WINDOW},
                    new int[] {STRIDE, STRIDE}, Edge.CROP, false));
            SensitivityMap map = session.explain(r); // warm-up: plan, algorithms, kernels, the plan's graph
            if (map.stats().windows() != VARIANTS) {
                throw new IllegalStateException("gpu-std has " + VARIANTS + " variants, the run scored " + map.stats().windows());
            }
            double[] seconds = new double[s.reps()];
            TransferLedger ledger = new TransferLedger();
            for (int i = 0; i < seconds.length; i++) {
                ledger = new TransferLedger();
                long t0 = System.nanoTime();
                map = session.explain(r, ledger);
                seconds[i] = (System.nanoTime() - t0) / 1e9;
            }
            Npy.write(s.out().resolve("gpu-std." + p + ".pixel.npy"), Tensor.of(map.pixelMap(0).data(), 224, 224));
            Npy.write(s.out().resolve("gpu-std." + p + ".grid.npy"), Tensor.of(map.gridMap(0).data(), 53, 53));
            System.out.println("[gpu-std] " + p + ": " + session.storage());
            return new Figures(p, map.stats().batchSize(), map.stats().forwards(), map.targets()[0], map.baseScores()[0],
                    seconds, Double.NaN, ledger.hostToDeviceBytes(), ledger.deviceToHostBytes(), null);
        }
    }

    /**
     * Milliseconds per forward of the plan alone at {@code batch}: wall time over {@code reps} graph replays between
     * two synchronisations, after a warm-up.
     */
    private static double planOnly(Graph graph, Precision p, int batch, int reps) {
        try (Device device = Devices.gpu();
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

    static String json(Settings s, List<Figures> all) {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"workload\": \"gpu-std\",\n  \"variants\": ").append(VARIANTS)
                .append(",\n  \"window\": ").append(WINDOW).append(",\n  \"stride\": ").append(STRIDE)
                .append(",\n  \"reps\": ").append(s.reps()).append(",\n  \"plan_reps\": ").append(s.planReps())
                .append(",\n  \"java\": \"").append(esc(System.getProperty("java.version"))).append("\",\n  \"precisions\": {");
        for (int i = 0; i < all.size(); i++) {
            Figures f = all.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    \"").append(f.precision()).append("\": {");
            if (f.error() != null) {
                b.append("\"error\": \"").append(esc(f.error())).append("\"}");
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
                    .append(", \"pixel_npy\": \"gpu-std.").append(f.precision()).append(".pixel.npy\"}");
        }
        return b.append("\n  }\n}\n").toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String esc(String v) {
        if (v == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
