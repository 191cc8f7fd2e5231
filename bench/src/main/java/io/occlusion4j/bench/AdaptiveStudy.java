package io.occlusion4j.bench;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.explore.AdaptiveResult;
import io.occlusion4j.explore.AdaptiveStats;
import io.occlusion4j.explore.AdaptiveOcclusion;
import io.occlusion4j.io.Images;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.TestModels;
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
 * Adaptive (coarse-to-fine) occlusion against the exact map: SSIM and Spearman correlation of the
 * adaptive pixel map to the exact one, as a function of the fraction of the exact run's forwards used, for
 * several top fractions r and coarse factors, on the cpu-small workload, the same model and input at gpu-std's
 * dense grid (window 16, stride 4), and the two demo models. Writes
 * {@code bench/results/adaptive-<date>.md}.
 *
 * <p>Usage: {@code AdaptiveStudy [--out DIR] [--assets DIR] [--r 0.05,0.1,0.2,0.3] [--factors 3,4]
 * [--only resnet18|resnet18-dense|blazeface|ppocr]}.
 */
public final class AdaptiveStudy {
    private AdaptiveStudy() {}

    record Workload(String name, String description, Function<Path, Occlusion> open, Function<Occlusion, Tensor> input) {}

    record Row(String workload, AdaptiveOcclusion.Rule rule, int factor, int margin, double r, AdaptiveStats stats, double ssim, double spearman) {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of("bench/results");
        Path assets = Path.of("assets");
        double[] rs = {0.05, 0.1, 0.2, 0.3};
        int[] factors = {3, 4};
        String only = null;
        List<AdaptiveOcclusion.Rule> rules = List.of(AdaptiveOcclusion.Rule.CENTRE);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--assets" -> assets = Path.of(args[++i]);
                case "--r" -> rs = Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble).toArray();
                case "--factors" -> factors = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--only" -> only = args[++i];
                case "--rules" -> rules = Arrays.stream(args[++i].split(",")).map(AdaptiveOcclusion.Rule::valueOf).toList();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path tmp = Files.createTempDirectory("o4j-adaptive");
        Path models = assets.resolve("models");
        Path images = assets.resolve("images");
        BufferedImage astronaut = Images.read(images.resolve("astronaut.png"));
        BufferedImage strip = Images.read(images.resolve("text_strip.png"));
        List<Workload> workloads = List.of(
                new Workload("resnet18", "cpu-small: ResNet-18 shape (seeded random weights, 1000 classes), astronaut.png at 224x224, "
                        + "ImageNet normalisation, RAW argmax, window 32 stride 16 (13x13 = 169 windows), fill 0, 2 threads",
                        dir -> Occlusion.builder().model(TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42)).threads(2)
                                .window(32, 32).stride(16, 16)
                                .normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}).build(),
                        occ -> occ.imageTensor(astronaut)),
                new Workload("resnet18-dense", "cpu-small's model and input at gpu-std's grid: window 16 stride 4 (53x53 = 2,809 "
                        + "windows), fill 0, 2 threads",
                        dir -> Occlusion.builder().model(TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42)).threads(2)
                                .window(16, 16).stride(4, 4)
                                .normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}).build(),
                        occ -> occ.imageTensor(astronaut)),
                new Workload("blazeface", "BlazeFace 128x128 NHWC, astronaut.png, face score sigmoid(max logit), window 16 stride 4 "
                        + "(29x29 = 841 windows), fill 0 (black), batch fixed at 1, 2 threads",
                        dir -> Occlusion.builder().model(models.resolve("blazeface_front_128.onnx")).threads(2).layout(Layout.CHANNELS_LAST)
                                .normalize(new float[] {0.5f}, new float[] {0.5f}).outputs("Identity:0", "Identity_1:0")
                                .reduce(Reduce.MAX).score(Score.SIGMOID).window(16, 16).stride(4, 4).build(),
                        occ -> occ.imageTensor(astronaut)),
                new Workload("ppocr", "PaddleOCR direction classifier [N,3,48,192] BGR, text_strip.png, softmax output (RAW), "
                        + "argmax, window 8 stride 4 (11x47 = 517 windows), fill 0.5 (paper white-ish grey), 2 threads",
                        dir -> Occlusion.builder().model(models.resolve("ppocr_mobile_v2_cls.onnx")).threads(2).imageSize(48, 192).bgr(true)
                                .normalize(new float[] {0.5f}, new float[] {0.5f}).fill(io.occlusion4j.Fill.constant(0.5f))
                                .window(8, 8).stride(4, 4).build(),
                        occ -> occ.imageTensor(strip)));
        List<Row> rows = new ArrayList<>();
        List<String> exactLines = new ArrayList<>();
        for (Workload w : workloads) {
            if (only != null && !only.equals(w.name())) {
                continue;
            }
            try (Occlusion occ = w.open().apply(tmp)) {
                Tensor x = w.input().apply(occ);
                SensitivityMap exact = occ.explain(x);
                Tensor exactMap = exact.pixelMap(0);
                String line = String.format(Locale.ROOT, "| %s | %s | %d | %d | %.4f | %.2f |", w.name(), Arrays.toString(exact.grid().gridShape()),
                        exact.stats().windows(), exact.stats().windows() + 1, exact.baseScores()[0], exact.stats().seconds());
                exactLines.add(line);
                System.out.println("exact " + line);
                for (AdaptiveOcclusion.Rule rule : rules) {
                for (int f : factors) {
                    for (double r : rs) {
                        AdaptiveResult a = AdaptiveOcclusion.explain(occ, x, new AdaptiveOcclusion.Settings(r, f, 1, rule));
                        Tensor am = a.map().pixelMap(0);
                        Row row = new Row(w.name(), rule, f, 1, r, a.stats(), MapSimilarity.ssim(am, exactMap), MapSimilarity.spearman(am, exactMap));
                        rows.add(row);
                        System.out.println(format(row));
                    }
                }
                }
            }
        }
        String table = table(rows, exactLines, BenchMain.Machine.describe(), LocalDate.now(ZoneOffset.UTC), BenchMain.Machine.commit(), rs, factors);
        Files.createDirectories(out);
        Path file = out.resolve("adaptive-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        Files.writeString(file, table);
        System.out.println(table);
        System.out.println("written to " + file);
    }

    static String format(Row r) {
        AdaptiveStats s = r.stats();
        return String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %s / %s | %d | %d of %d | %d / %d | **%.1f %%** | **%.3f** | %.3f | %.2f |",
                r.workload(), r.rule().name().toLowerCase(Locale.ROOT), r.factor(), r.margin(), r.r(), join(s.coarseWindow()), join(s.coarseStride()), s.coarseVariants(),
                s.exactVariants(), s.fineVariants(), s.forwardsUsed(), s.exactForwards(), 100 * s.fractionUsed(), r.ssim(), r.spearman(),
                s.seconds());
    }

    static String join(int[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : "x").append(v[i]);
        }
        return b.toString();
    }

    static String table(List<Row> rows, List<String> exact, List<String> machine, LocalDate date, String commit, double[] rs, int[] factors) {
        StringBuilder b = new StringBuilder();
        b.append("# Adaptive (coarse-to-fine) occlusion vs the exact map, ").append(date).append("\n\n");
        b.append("- commit: ").append(commit).append('\n');
        for (String m : machine) {
            b.append("- ").append(m).append('\n');
        }
        b.append("- produced by `io.occlusion4j.bench.AdaptiveStudy` (r = ").append(Arrays.toString(rs)).append(", coarse factors ")
                .append(Arrays.toString(factors)).append(", margin 1 coarse cell)\n\n");
        b.append("Method (`io.occlusion4j.explore.AdaptiveOcclusion`): coarse pass with window and stride `f` times the requested ones; "
                + "the top `ceil(r n)` of the `n` coarse positions, dilated by one coarse position per axis, select coarse cells; every "
                + "fine window overlapping a selected cell is computed exactly, the others are filled from the coarse pixel map "
                + "(scaled by a least-squares fit on the exact windows). *Forwards* count model samples: coarse variants + fine "
                + "variants + one unoccluded sample per pass, against the exact run's variants + 1. SSIM: Wang et al. on pixel maps "
                + "min-max normalised to [0, 1] each, Gaussian 11x11 window, sigma 1.5, valid positions. Spearman: average ranks for ties.\n\n");
        b.append("## Exact runs\n\n| workload | grid | windows | forwards (samples) | base score | seconds |\n|---|---|---:|---:|---:|---:|\n");
        for (String e : exact) {
            b.append(e).append('\n');
        }
        b.append("\n## Adaptive runs\n\n| workload | rule | f | margin | r | coarse window / stride | coarse variants | exact windows | forwards used / exact "
                + "| fraction of exact forwards | SSIM to exact | Spearman to exact | seconds |\n|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append(format(r)).append('\n');
        }
        return b.toString();
    }
}
