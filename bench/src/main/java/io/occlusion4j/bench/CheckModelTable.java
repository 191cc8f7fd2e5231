// check-model on every model this machine has, as one table under bench/results.
package io.occlusion4j.bench;

import io.occlusion4j.core.ModelCheck;
import io.occlusion4j.core.ModelChecker;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.TransformerModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the test models (TestModels' linear model, small CNN, 3-D CNN and ResNet-18; {@link ZooModels}' ResNet-50,
 * MobileNetV2 and one-block ViT; the demo's BlazeFace and PaddleOCR from {@code assets/models}) to a temporary folder,
 * runs the CUDA back end's {@link ModelChecker} on each (found by the service loader, as {@code occlusion4j check-model}
 * finds it), and writes {@code check-model-DATE.md}: operators, steps after fusion, the fp32 and fp16 host runs'
 * differences to ONNX Runtime and their wall times. The torchvision zoo rows ({@code bench/python/export_zoo.py}) are
 * listed as pending. Usage: {@code CheckModelTable [--out DIR] [--only NAME,..] [--device host|gpu]} ({@code gpu}: the
 * same table with the plan on this machine's GPU, written to {@code check-model-gpu-DATE.md}).
 */
public final class CheckModelTable {

    private CheckModelTable() {
    }

    private record Entry(String name, String what, Path file, int batch, int height, int width) {
        Entry(String name, String what, Path file, int batch) {
            this(name, what, file, batch, 0, 0);
        }
    }

    private record Row(Entry entry, ModelCheck check, double seconds, String error, String responds) {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench/results");
        List<String> only = List.of();
        String device = "host";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                case "--device" -> device = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--out DIR, --only NAME,.., --device host|gpu)");
            }
        }
        ModelChecker checker = ModelChecker.discover().stream().filter(c -> c.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the CUDA back end is not on the class path"));
        Path dir = Files.createTempDirectory("check-model-table");
        List<Row> rows = new ArrayList<>();
        for (Entry e : entries(dir, only)) {
            System.out.println("[check-model] " + e.name() + " ...");
            long t0 = System.nanoTime();
            try {
                ModelCheck c = checker.check(e.file(), new ModelChecker.Request(e.batch(), e.height(), e.width(), 7, device));
                rows.add(new Row(e, c, (System.nanoTime() - t0) / 1e9, null, responds(e.file(), c)));
            } catch (RuntimeException ex) {
                rows.add(new Row(e, null, (System.nanoTime() - t0) / 1e9, ex.toString(), ""));
            }
            Row r = rows.getLast();
            System.out.println("[check-model] " + row(r));
        }
        LocalDate date = LocalDate.now(ZoneOffset.UTC);
        String table = table(rows, BenchMain.Machine.describe(), date, BenchMain.Machine.commit());
        Files.createDirectories(out);
        Path file = out.resolve("check-model-" + (device.equals("gpu") ? "gpu-" : "") + date + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    private static List<Entry> entries(Path dir, List<String> only) throws IOException {
        List<Entry> all = new ArrayList<>();
        all.add(write(dir, "linear", "TestModels.linear(3, 32x32, 10)", TestModels.linear(3, new int[] {32, 32}, 10, 1).onnx(), 2));
        all.add(write(dir, "smallCnn", "TestModels.smallCnn(3, 32, 32, 10)", TestModels.smallCnn(3, 32, 32, 10, 1).onnx(), 4));
        all.add(write(dir, "cnn3d", "TestModels.cnn3d(3, 8, 32, 32, 10)", TestModels.cnn3d(3, 8, 32, 32, 10, 2).onnx(), 2));
        if (only.isEmpty() || only.contains("resnet18")) {
            all.add(write(dir, "resnet18", "TestModels.resnet18(1000), 224x224", TestModels.resnet18(1000, 3).onnx(), 1));
        }
        if (only.isEmpty() || only.contains("resnet50")) {
            all.add(write(dir, "resnet50", "ZooModels.resnet50 (torchvision layout, BN calibrated), 224x224",
                    ZooModels.resnet50(5), 1));
        }
        if (only.isEmpty() || only.contains("mobilenetV2")) {
            all.add(write(dir, "mobilenetV2", "ZooModels.mobilenetV2 (torchvision layout, BN calibrated), 224x224",
                    ZooModels.mobilenetV2(6), 1));
        }
        all.add(write(dir, "vitBlock", "ZooModels.vitBlock (LayerNorm, attention, exact GELU), 32x32", ZooModels.vitBlock(8), 2));
        all.add(write(dir, "vitLike", "TransformerModels.vitLike(2 blocks): class token, written-out LayerNorm, erf GELU, 32x32",
                TransformerModels.vitLike(2, 11).onnx(), 2));
        all.add(write(dir, "convNextLike", "TransformerModels.convNextLike: depthwise 7x7, channels-last LayerNorm, GELU, 32x32",
                TransformerModels.convNextLike(12).onnx(), 2));
        all.add(write(dir, "swinLike", "TransformerModels.swinLike: shifted windows, relative position bias, folded mask, 16x16",
                TransformerModels.swinLike(13).onnx(), 2));
        Path assets = assets();
        all.add(new Entry("blazeface", "assets/models/blazeface_front_128.onnx (NHWC 128x128)",
                assets.resolve("blazeface_front_128.onnx"), 0));
        all.add(new Entry("ppocr", "assets/models/ppocr_mobile_v2_cls.onnx (3x48x192)",
                assets.resolve("ppocr_mobile_v2_cls.onnx"), 2, 48, 192));
        return all.stream().filter(e -> only.isEmpty() || only.contains(e.name())).toList();
    }

    /**
     * Whether the model's output depends on its input: ONNX Runtime on two seeded inputs (uniform in [-1, 1)), the
     * largest difference of the first output as a fraction of its range (a random-statistics BatchNorm can make it 0).
     */
    private static String responds(Path model, ModelCheck c) {
        try {
            var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
            try (var session = env.createSession(model.toString(), new ai.onnxruntime.OrtSession.SessionOptions())) {
                float[][] y = new float[2][];
                for (int k = 0; k < 2; k++) {
                    java.util.Map<String, ai.onnxruntime.OnnxTensor> feed = new java.util.LinkedHashMap<>();
                    for (var in : c.inputs().entrySet()) {
                        long[] shape = in.getValue().stream().mapToLong(Long::longValue).toArray();
                        var x = ZooModels.random(shape, 100 + k);
                        feed.put(in.getKey(), ai.onnxruntime.OnnxTensor.createTensor(env,
                                java.nio.FloatBuffer.wrap(x.floats()), shape));
                    }
                    try (var result = session.run(feed)) {
                        var t = (ai.onnxruntime.OnnxTensor) result.get(0);
                        var b = t.getFloatBuffer();
                        y[k] = new float[b.remaining()];
                        b.get(y[k]);
                    } finally {
                        feed.values().forEach(ai.onnxruntime.OnnxTensor::close);
                    }
                }
                double rel = MapSimilarity.maxDifferenceOverRange(y[1], y[0]);
                return String.format(Locale.ROOT, "%s (%.2f of range)", rel > 1e-3 ? "yes" : "NO", rel);
            }
        } catch (ai.onnxruntime.OrtException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static Entry write(Path dir, String name, String what, byte[] onnx, int batch) throws IOException {
        return new Entry(name, what, Files.write(dir.resolve(name + ".onnx"), onnx), batch);
    }

    private static Path assets() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("assets/models"))) {
                return p.resolve("assets/models");
            }
        }
        return Path.of("assets/models");
    }

    private static String row(Row r) {
        Entry e = r.entry();
        if (r.check() == null) {
            return String.format(Locale.ROOT, "| %s | %s | error | | | | | | | %s |", e.name(), e.what(), r.error());
        }
        ModelCheck c = r.check();
        String input = String.join(", ", c.inputs().values().stream().map(Object::toString).toList());
        String fp32 = c.fp32() == null ? "not run" : String.format(Locale.ROOT, "%.1e (%.1e of range) %s",
                c.fp32().maxDifference(), c.fp32().relative(), c.fp32().passed() ? "PASS" : "FAIL");
        String fp16 = c.fp16() == null ? "not run" : String.format(Locale.ROOT, "%.1e vs simulated %.1e (%.2fx) %s; "
                + "fixed criterion %.1e%s", c.fp16().maxDifference(), c.fp16().simulatedDifference(),
                c.fp16().maxDifference() / Math.max(c.fp16().simulatedDifference(), Double.MIN_VALUE),
                c.fp16().passed() ? "PASS" : "FAIL", c.fp16().scaledError(),
                c.fp16().scaledError() <= 1e-2 ? "" : " (over 1e-2)") + (c.fp16().storage().startsWith("fp32") ? " (no fp16 region)" : "");
        String ms = c.fp32() == null ? "" : String.format(Locale.ROOT, "%.0f / %.0f", c.fp32().hostMillis(),
                c.fp16() == null ? Double.NaN : c.fp16().hostMillis());
        String status = c.passed() ? "runs" : c.supported() ? "out of tolerance" : "unsupported: " + String.join("; ",
                c.unsupported().stream().map(u -> u.node() + " (" + u.operator() + "): " + u.reason()).toList());
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %d nodes, %d types | %s | %s | %s | %s | %s |", e.name(),
                e.what(), input, r.responds(), c.nodes(), c.census().size(), c.steps() == 0 ? "-" : Integer.toString(c.steps()), fp32,
                fp16, ms, status + notes(c));
    }

    private static String notes(ModelCheck c) {
        return c.notes().isEmpty() ? "" : " (" + String.join("; ", c.notes()) + ")";
    }

    static String table(List<Row> rows, List<String> machine, LocalDate date, String commit) {
        StringBuilder sb = new StringBuilder();
        sb.append("# check-model on every model this machine has, ").append(date).append("\n\n");
        sb.append("`java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.occlusion4j.bench.CheckModelTable`: "
                + "each model written to a temporary folder and checked by the CUDA back end's `ModelChecker` (what "
                + "`occlusion4j check-model M.onnx --batch B` prints): the lowered plan runs on the device below (the host "
                + "device: the kernels' host build, convolutions and products in Java, no GPU) on a seeded input uniform "
                + "in [-1, 1). "
                + "fp32: max |diff| to ONNX Runtime, and that as a fraction of the output's range (passes at 1e-4). "
                + "fp16: the fp16-storage plan's max |diff| to ONNX Runtime against that of the reference executor run in "
                + "simulated fp16 (every value rounded to fp16 after each step); passes within 2x with each sample's top-1 "
                + "unchanged; fixed criterion: the same difference over max(1, max |output|), what the earlier fixed "
                + "FP16 tolerance of 1e-2 judged. Run ms: one run of the lowered plan on the device, fp32 / fp16 storage (the host device is plain Java: "
                + "not a speed figure for the GPU). Steps: plan steps after constant folding, BN folding and "
                + "fusion. Output responds to input: ONNX Runtime on two seeded inputs, the largest change of the output as "
                + "a fraction of its range (the BN statistics of the Java-built ResNet-50 and MobileNetV2 are calibrated "
                + "on a random batch so that it is not 0).\n\n");
        sb.append("- commit: ").append(commit).append('\n');
        rows.stream().filter(r -> r.check() != null).findFirst()
                .ifPresent(r -> sb.append("- device: ").append(r.check().device()).append('\n'));
        machine.forEach(m -> sb.append("- ").append(m).append('\n'));
        sb.append("\n| model | what | input | output responds to input | operators | steps | fp32 max diff | fp16 max diff "
                + "| run ms fp32 / fp16 | status |\n");
        sb.append("|---|---|---|---|---|---:|---|---|---:|---|\n");
        for (Row r : rows) {
            sb.append(row(r)).append('\n');
        }
        sb.append("\nOperators per model as read, then each operator count the rewrites changed (nodes as read -> plan steps):\n\n");
        for (Row r : rows) {
            if (r.check() == null) {
                continue;
            }
            List<String> ops = new ArrayList<>();
            r.check().census().forEach((op, n) -> ops.add(op + " " + n));
            List<String> rw = new ArrayList<>();
            r.check().rewrites().forEach(w -> rw.add(w.operator() + " " + w.before() + " -> " + w.after()));
            sb.append("- ").append(r.entry().name()).append(": ").append(String.join(", ", ops))
                    .append(rw.isEmpty() ? "" : "; rewrites: " + String.join(", ", rw)).append('\n');
        }
        sb.append("\n").append(PENDING);
        return sb.toString();
    }

    private static final String PENDING = """
            ## Pending: the torchvision zoo

            torchvision's models cannot be exported on this machine (no torch, no PyPI). `bench/python/export_zoo.py`
            exports them (seeded weights, BatchNorm statistics calibrated on a batch, `torch.onnx.export` with
            `dynamo=False`, opset 17) for the GPU machine or a user's; then `occlusion4j check-model M.onnx` on each.
            These rows are pending:

            | model | status |
            |---|---|
            | ResNet-50 | pending export (a ResNet-50 of torchvision's layout built in Java is above) |
            | MobileNetV2 | pending export (a MobileNetV2 of torchvision's layout built in Java is above) |
            | MobileNetV3-Large | pending export |
            | EfficientNet-B0 | pending export |
            | DenseNet-121 | pending export |
            | SqueezeNet 1.1 | pending export |
            | ShuffleNetV2 x1.0 | pending export |
            | GoogLeNet | pending export |
            | RegNetY-400MF | pending export |
            | VGG-16-BN | pending export |
            | R3D-18 | pending export |
            | ViT-B/16 | pending export (the plan lacks LayerNormalization, Erf and shape folding today: issue 19 items 1-3) |
            | Swin-T | pending export (as ViT, plus Mod, Range, ScatterND, Not) |
            | ConvNeXt-T | pending export (LayerNormalization, or Pow/Sqrt/Erf at opset 13) |
            """;
}
