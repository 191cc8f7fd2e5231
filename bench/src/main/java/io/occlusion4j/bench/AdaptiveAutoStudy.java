package io.occlusion4j.bench;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.explore.AdaptiveResult;
import io.occlusion4j.explore.AdaptiveStats;
import io.occlusion4j.explore.AutoSettings;
import io.occlusion4j.explore.ErrorEstimate;
import io.occlusion4j.explore.AdaptiveOcclusion;
import io.occlusion4j.io.Images;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.EvidenceModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code --adaptive auto} against the exact map: forwards used, true SSIM and the run's own SSIM estimate, on models
 * whose evidence sits in one region (the masked CNN of {@link EvidenceModels#region}, several boxes, seeds and sizes;
 * BlazeFace on astronaut.png) and on models whose evidence is spread ({@link EvidenceModels#spread}; PaddleOCR's text
 * line), next to {@code --adaptive 0.05} (fixed budget, with the painting rule) on the same explainer. Writes
 * {@code bench/results/adaptive-<date>.md}.
 *
 * <p>Usage: {@code AdaptiveAutoStudy [--out DIR] [--assets DIR] [--seeds 1,2,3] [--only NAME-PREFIX] [--threshold T]
 * [--sample F] [--target SSIM] [--maps DIR]} (threshold, sample and target change {@code auto}'s first threshold, sample
 * fraction and goal). {@code --maps DIR} writes each workload's exact grid map to {@code DIR/<name>.map} ({@link #writeMap})
 * and runs nothing else: the engine's {@code AutoStudyReplayTest} replays {@code auto} on those maps.
 */
public final class AdaptiveAutoStudy {
    private AdaptiveAutoStudy() {}

    record Workload(String name, String evidence, String description, Function<Path, Occlusion> open, Function<Occlusion, Tensor> input) {}

    record Row(String workload, String evidence, String mode, long seed, AdaptiveStats stats, double ssim, double spearman) {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench/results");
        Path assets = Path.of("assets");
        long[] seeds = {1, 2, 3};
        String only = null;
        Path maps = null;
        AutoSettings auto = AutoSettings.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--assets" -> assets = Path.of(args[++i]);
                case "--seeds" -> seeds = Arrays.stream(args[++i].split(",")).mapToLong(Long::parseLong).toArray();
                case "--only" -> only = args[++i];
                case "--threshold" -> {
                    AutoSettings a = auto;
                    auto = new AutoSettings(a.targetSsim(), a.sampleFraction(), a.minSample(), Double.parseDouble(args[++i]),
                            a.maxStep(), a.draws(), a.seed());
                }
                case "--target" -> auto = auto.withTarget(Double.parseDouble(args[++i]));
                case "--maps" -> maps = Path.of(args[++i]);
                case "--sample" -> {
                    AutoSettings a = auto;
                    auto = new AutoSettings(a.targetSsim(), Double.parseDouble(args[++i]), a.minSample(), a.threshold(),
                            a.maxStep(), a.draws(), a.seed());
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path tmp = Files.createTempDirectory("o4j-adaptive-auto");
        BufferedImage astronaut = Images.read(assets.resolve("images/astronaut.png"));
        BufferedImage strip = Images.read(assets.resolve("images/text_strip.png"));
        Path models = assets.resolve("models");
        List<Workload> workloads = workloads(astronaut, strip, models);
        List<Row> rows = new ArrayList<>();
        List<String> exactLines = new ArrayList<>();
        for (Workload w : workloads) {
            if (only != null && !w.name().startsWith(only)) {
                continue;
            }
            try (Occlusion occ = w.open().apply(tmp)) {
                Tensor x = w.input().apply(occ);
                SensitivityMap exact = occ.explain(x);
                if (!(exact.pixelMap(0).data().length > 0) || maxAbs(exact.gridMap(0).data()) == 0) {
                    throw new IllegalStateException(w.name() + ": the exact map is all zero; the model does not respond to the input");
                }
                float[] eg = exact.gridMap(0).data();
                String line = String.format(Locale.ROOT, "| %s | %s | %s | %d | %.1f %% | %.1f %% | %.4f | %.2f |", w.name(), w.evidence(),
                        Arrays.toString(exact.grid().gridShape()), exact.stats().windows() + 1, 100 * footprint(eg, 0.05),
                        100 * footprint(eg, 0.01), exact.baseScores()[0], exact.stats().seconds());
                exactLines.add(line);
                System.out.println("exact " + line);
                if (maps != null) {
                    writeMap(maps.resolve(w.name() + ".map"), w, exact);
                    continue;
                }
                Tensor exactMap = exact.pixelMap(0);
                for (long seed : seeds) {
                    AdaptiveResult a = AdaptiveOcclusion.explainAuto(occ, x, auto.withSeed(seed));
                    rows.add(row(w, "auto", seed, a, exactMap));
                    System.out.println(format(rows.getLast()));
                }
                AdaptiveResult f = AdaptiveOcclusion.explain(occ, x, AdaptiveOcclusion.DEFAULT_R);
                rows.add(row(w, "0.05", 42, f, exactMap));
                System.out.println(format(rows.getLast()));
            }
        }
        if (maps != null) {
            System.out.println("exact grid maps written to " + maps);
            return;
        }
        String table = table(rows, exactLines, workloads, seeds, auto);
        Files.createDirectories(out);
        Path file = out.resolve("adaptive-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    /**
     * Writes an exact grid map (first target) as text: a {@code #} line saying what it is, a line
     * {@code spatial H W window h w stride sh sw edge EDGE}, then one value per line ({@link Float#toString}, which reads
     * back exactly).
     */
    static void writeMap(Path file, Workload w, SensitivityMap exact) throws IOException {
        WindowGrid g = exact.grid();
        StringBuilder sb = new StringBuilder();
        sb.append("# exact grid map (target ").append(exact.targets()[0]).append(") of ").append(w.name()).append(": ")
                .append(w.description()).append('\n');
        sb.append("spatial").append(ints(g.spatialShape())).append(" window").append(ints(g.window())).append(" stride")
                .append(ints(g.stride())).append(" edge ").append(g.edge()).append('\n');
        for (float v : exact.gridMap(0).data()) {
            sb.append(v).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, sb);
    }

    private static String ints(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int x : v) {
            sb.append(' ').append(x);
        }
        return sb.toString();
    }

    static List<Workload> workloads(BufferedImage astronaut, BufferedImage strip, Path models) {
        List<Workload> list = new ArrayList<>();
        int[][] boxes = {{24, 72, 56, 104}, {80, 16, 104, 56}, {40, 40, 72, 88}};
        for (int b = 0; b < boxes.length; b++) {
            int[] box = boxes[b];
            long seed = 11 + b;
            list.add(new Workload("region-128-" + (b + 1), "one region",
                    "masked CNN (EvidenceModels.region, seed " + seed + "), 3x128x128, box " + Arrays.toString(box)
                            + " (top, left, bottom, right), astronaut.png, RAW argmax, window 16 stride 4 (29x29 = 841), fill 0",
                    dir -> Occlusion.builder().model(EvidenceModels.region(dir.resolve("region" + seed + ".onnx"), 3, 128, 128, 10, seed, box))
                            .threads(2).window(16, 16).stride(4, 4).build(),
                    occ -> occ.imageTensor(astronaut)));
        }
        list.add(new Workload("region-192", "one region",
                "masked CNN (seed 21), 3x192x192, box [120, 30, 168, 78], astronaut.png, RAW argmax, window 16 stride 4 (45x45 = 2,025), fill 0",
                dir -> Occlusion.builder().model(EvidenceModels.region(dir.resolve("region192.onnx"), 3, 192, 192, 10, 21, new int[] {120, 30, 168, 78}))
                        .threads(2).window(16, 16).stride(4, 4).build(),
                occ -> occ.imageTensor(astronaut)));
        list.add(new Workload("region-96-w8", "one region",
                "masked CNN (seed 31), 3x96x96, box [8, 8, 32, 40], astronaut.png, RAW argmax, window 8 stride 2 (45x45 = 2,025), fill 0",
                dir -> Occlusion.builder().model(EvidenceModels.region(dir.resolve("region96.onnx"), 3, 96, 96, 10, 31, new int[] {8, 8, 32, 40}))
                        .threads(2).window(8, 8).stride(2, 2).build(),
                occ -> occ.imageTensor(astronaut)));
        list.add(new Workload("blazeface", "one region (a face)",
                "BlazeFace 128x128 NHWC, astronaut.png, face score sigmoid(max logit), window 16 stride 4 (29x29 = 841), fill 0, batch 1",
                dir -> Occlusion.builder().model(models.resolve("blazeface_front_128.onnx")).threads(2).layout(Layout.CHANNELS_LAST)
                        .normalize(new float[] {0.5f}, new float[] {0.5f}).outputs("Identity:0", "Identity_1:0")
                        .reduce(Reduce.MAX).score(Score.SIGMOID).window(16, 16).stride(4, 4).build(),
                occ -> occ.imageTensor(astronaut)));
        for (long seed : new long[] {41, 42}) {
            list.add(new Workload("spread-128-" + seed, "spread",
                    "unmasked CNN (EvidenceModels.spread, seed " + seed + "), 3x128x128, astronaut.png, RAW argmax, window 16 stride 4 (841), fill 0",
                    dir -> Occlusion.builder().model(EvidenceModels.spread(dir.resolve("spread" + seed + ".onnx"), 3, 128, 128, 10, seed))
                            .threads(2).window(16, 16).stride(4, 4).build(),
                    occ -> occ.imageTensor(astronaut)));
        }
        list.add(new Workload("spread-96-w8", "spread",
                "unmasked CNN (seed 43), 3x96x96, astronaut.png, RAW argmax, window 8 stride 2 (45x45 = 2,025), fill 0",
                dir -> Occlusion.builder().model(EvidenceModels.spread(dir.resolve("spread96.onnx"), 3, 96, 96, 10, 43))
                        .threads(2).window(8, 8).stride(2, 2).build(),
                occ -> occ.imageTensor(astronaut)));
        list.add(new Workload("ppocr", "spread (a text line)",
                "PaddleOCR direction classifier, text_strip.png, softmax (RAW), argmax, window 8 stride 4 (11x47 = 517), fill 0.5",
                dir -> Occlusion.builder().model(models.resolve("ppocr_mobile_v2_cls.onnx")).threads(2).imageSize(48, 192).bgr(true)
                        .normalize(new float[] {0.5f}, new float[] {0.5f}).fill(io.occlusion4j.Fill.constant(0.5f))
                        .window(8, 8).stride(4, 4).build(),
                occ -> occ.imageTensor(strip)));
        list.add(new Workload("resnet18", "not placed (random weights)",
                "cpu-small: ResNet-18 shape (TestModels, seeded random weights, 1000 classes), astronaut.png at 224x224, ImageNet "
                        + "normalisation, RAW argmax, window 32 stride 16 (13x13 = 169), fill 0: the workload of the 2026-11-28 study",
                dir -> Occlusion.builder().model(io.occlusion4j.onnx.TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42))
                        .threads(2).window(32, 32).stride(16, 16)
                        .normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}).build(),
                occ -> occ.imageTensor(astronaut)));
        return list;
    }

    static Row row(Workload w, String mode, long seed, AdaptiveResult a, Tensor exactMap) {
        Tensor am = a.map().pixelMap(0);
        return new Row(w.name(), w.evidence(), mode, seed, a.stats(), MapSimilarity.ssim(am, exactMap), MapSimilarity.spearman(am, exactMap));
    }

    /** Fraction of the windows whose |exact drop| is at least {@code level} of the largest: the evidence's footprint. */
    static double footprint(float[] grid, double level) {
        double max = maxAbs(grid);
        int n = 0;
        for (float v : grid) {
            n += Math.abs(v) >= level * max ? 1 : 0;
        }
        return (double) n / grid.length;
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static String format(Row r) {
        AdaptiveStats s = r.stats();
        ErrorEstimate e = s.estimate();
        String est = e == null ? "- | - | - | -" : String.format(Locale.ROOT, "%.3f | %.3f | %.3f | %d", e.ssim(), Math.abs(e.ssim() - r.ssim()),
                e.ssimLow(), e.samples());
        int[] sp = s.spent();
        String spent = sp == null ? "-" : sp[0] + " + " + sp[1] + " + " + sp[2] + (sp[3] > 0 ? " + " + sp[3] : "");
        return String.format(Locale.ROOT, "| %s | %s | %s | %d | %d of %d | %d / %d | **%.1f %%** | %s | **%.3f** | %s | %.3f | %d | %.2f |",
                r.workload(), r.evidence(), r.mode(), r.seed(), s.exactVariants(), s.fineVariants(), s.forwardsUsed(), s.exactForwards(),
                100 * s.fractionUsed(), spent, r.ssim(), est, r.spearman(), s.passes(), s.seconds());
    }

    static String table(List<Row> rows, List<String> exact, List<Workload> workloads, long[] seeds, AutoSettings auto) {
        LocalDate date = LocalDate.now(ZoneOffset.UTC);
        StringBuilder b = new StringBuilder();
        b.append("# Adaptive occlusion, `auto` (refine until the map is right) vs the exact map, ").append(date).append("\n\n");
        b.append("- commit: ").append(BenchMain.Machine.commit()).append('\n');
        for (String m : BenchMain.Machine.describe()) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- produced by `io.occlusion4j.bench.AdaptiveAutoStudy` (auto seeds ").append(Arrays.toString(seeds))
                .append("; `").append(auto).append("`)\n\n");
        b.append("Forwards count model samples: every variant of every pass plus the unoccluded input (`auto`: once, by its first "
                + "pass, later passes reuse its scores; fixed budget: once per pass), against the exact run's variants + 1. *stop bound*: the lowest of the bootstrap draws, "
                + "which `auto` stops on (the fixed budget reports it and does not stop on it). *footprint*: the fraction of windows whose exact |drop| is at least 5 % (1 %) of the largest. SSIM: `MapSimilarity.ssim` (pixel maps min-max normalised, Gaussian 11x11, sigma 1.5), "
                + "first target. *estimate* is the run's own estimate of that SSIM, made without the exact map; *|est - true|* its error. "
                + "*lattice + refined + sampled (+ rest)*: where `auto`'s scored windows went (the first lattice, refinement, the error "
                + "sample over all rounds, a final sweep of the rest); *sampled*: the windows in the last estimate's sample (kept across "
                + "rounds; a sampled window that refinement made a corner leaves it). "
                + "Rows `0.05` are `--adaptive 0.05` (fixed budget: coarse pass, top 5 % cells, painting rule, 2 % sample for the estimate).\n\n");
        b.append("## Workloads\n\n");
        for (Workload w : workloads) {
            b.append("- `").append(w.name()).append("`: ").append(w.description()).append('\n');
        }
        b.append("\n## Exact runs\n\n| workload | evidence | grid | forwards | footprint >= 5 % of max | footprint >= 1 % of max | base score | seconds |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|\n");
        for (String e : exact) {
            b.append(e).append('\n');
        }
        b.append("\n## Adaptive runs\n\n| workload | evidence | mode | seed | exact windows | forwards used / exact | fraction of exact "
                + "forwards | lattice + refined + sampled (+ rest) | SSIM to exact | estimated SSIM | abs(est - true) | stop bound | sampled | Spearman | passes | seconds |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append(format(r)).append('\n');
        }
        return b.toString();
    }
}
