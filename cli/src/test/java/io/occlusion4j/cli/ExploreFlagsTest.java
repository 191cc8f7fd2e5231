package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.explore.AdaptiveOcclusion;
import io.occlusion4j.explore.Interactions;
import io.occlusion4j.explore.MultiScale;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.render.HeatmapRenderer;
import io.occlusion4j.render.InteractionPlot;
import io.occlusion4j.render.TensorPicture;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain --multi-scale} and {@code explain --interactions K}: the outputs match {@link MultiScale} and
 * {@link Interactions} called directly with the same settings; bad combinations are one-line usage errors.
 */
class ExploreFlagsTest {
    @TempDir
    static Path dir;
    static Path linear;   // [N, 3, 8, 8] -> [N, 4]
    static Path cnn;      // small CNN [N, 3, 8, 8] -> [N, 3]: windows interact
    static Path linear3d; // [N, 1, 4, 4, 4] -> [N, 2]
    static Path input;    // [3, 8, 8]
    static Path volume;   // [1, 4, 4, 4]
    static Path image;    // 16 x 12 RGB
    static Tensor x;
    static Tensor vol;

    @BeforeAll
    static void models() throws IOException {
        linear = Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {8, 8}, 4, 21).onnx());
        cnn = Files.write(dir.resolve("cnn.onnx"), TestModels.smallCnn(3, 8, 8, 3, 22).onnx());
        linear3d = Files.write(dir.resolve("vol.onnx"), TestModels.linear(1, new int[] {4, 4, 4}, 2, 23).onnx());
        SplittableRandom rnd = new SplittableRandom(5);
        x = Tensor.of(random(rnd, 3 * 64), 3, 8, 8);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
        vol = Tensor.of(random(rnd, 64), 1, 4, 4, 4);
        volume = dir.resolve("vol.npy");
        Npy.write(volume, vol);
        BufferedImage img = new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int xx = 0; xx < 16; xx++) {
                img.setRGB(xx, y, rnd.nextInt(1 << 24));
            }
        }
        image = dir.resolve("img.png");
        ImageIO.write(img, "png", image.toFile());
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) rnd.nextDouble();
        }
        return d;
    }

    private static Path file(String name) {
        return dir.resolve(System.nanoTime() + "-" + name);
    }

    private static Cli.Result ok(Object... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return r;
    }

    private static void usageError(String mentions, Object... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.errLines()).as("stderr: %s", r.err()).hasSize(1);
        assertThat(r.err()).contains(mentions);
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    private static float[] combined(MultiScale.Result r) {
        return MultiScaleExplanation.stack(r.combined()).data();
    }

    private static List<int[]> squares(int axes, int... sizes) {
        List<int[]> out = new ArrayList<>();
        for (int s : sizes) {
            int[] w = new int[axes];
            Arrays.fill(w, s);
            out.add(w);
        }
        return out;
    }

    private static void assertSamePixels(BufferedImage a, BufferedImage b, int fromRow) {
        assertThat(a.getWidth()).isEqualTo(b.getWidth());
        assertThat(a.getHeight()).isEqualTo(b.getHeight());
        int w = a.getWidth();
        int h = a.getHeight() - fromRow;
        int[] pa = a.getRGB(0, fromRow, w, h, null, 0, w);
        int[] pb = b.getRGB(0, fromRow, w, h, null, 0, w);
        for (int i = 0; i < pa.length; i++) {
            if ((pa[i] & 0xFFFFFF) != (pb[i] & 0xFFFFFF)) {
                throw new AssertionError("pixel " + i % w + "," + (fromRow + i / w) + " differs: " + Integer.toHexString(pa[i])
                        + " vs " + Integer.toHexString(pb[i]));
            }
        }
    }

    // ------------------------------------------------------------------------------------ multi-scale

    @Test
    void multiScaleNpyAndJsonMatchTheLibrary() throws IOException {
        Path npy = file("ms.npy");
        Path json = file("ms.json");
        Cli.Result r = ok("explain", "--model", linear, "--tensor", input, "--window", "2,4", "--stride", "1,2", "--multi-scale",
                "--fill", 0.5, "--out-npy", npy, "--out-json", json);
        MultiScale.Result lib;
        try (Occlusion o = Occlusion.builder().model(linear).window(2, 2).fill(Fill.constant(0.5f)).build()) {
            lib = MultiScale.explain(o, x, squares(2, 2, 4), List.of(new int[] {1, 1}, new int[] {2, 2}));
        }
        Tensor map = Npy.read(npy);
        assertThat(map.shape()).containsExactly(1, 8, 8);
        assertThat(map.data()).usingComparatorWithPrecision(1e-6f).containsExactly(combined(lib));
        JsonNode root = json(json);
        JsonNode ms = root.get("multi_scale");
        assertThat(ms.get("windows").toString()).isEqualTo("[[2,2],[4,4]]");
        assertThat(ms.get("strides").toString()).isEqualTo("[[1,1],[2,2]]");
        assertThat(ms.get("variants").asInt()).isEqualTo(lib.stats().variants()).isEqualTo(49 + 9);
        assertThat(ms.get("unoccluded_samples").asInt()).isEqualTo(2);
        assertThat(ms.get("model_calls").asInt()).isEqualTo(lib.stats().modelCalls());
        assertThat(ms.get("seconds").asDouble()).isPositive();
        assertThat(ms.get("scales")).hasSize(2);
        assertThat(ms.get("scales").get(1).get("window_grid_shape").toString()).isEqualTo("[3,3]");
        JsonNode target = root.get("targets").get(0);
        assertThat(target.get("index").asInt()).isEqualTo(lib.targets()[0]);
        assertThat((float) target.get("base_score").asDouble()).isCloseTo(lib.baseScores()[0], org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(root.has("window")).isFalse();
        assertThat(r.out()).contains("multi-scale: 2 scales (windows 2x2 4x4, strides 1x1 2x2)").contains("wrote " + npy);
    }

    @Test
    void multiScaleStridesDefaultToHalfTheWindowAndTopKStacksTargets() {
        Path npy = file("ms-topk.npy");
        ok("explain", "--model", linear, "--tensor", input, "--window", "2,4,8", "--multi-scale", "--top-k", 2, "--quiet",
                "--out-npy", npy);
        MultiScale.Result lib;
        try (Occlusion o = Occlusion.builder().model(linear).window(2, 2).targets(Targets.topK(2)).build()) {
            lib = MultiScale.explain(o, x, squares(2, 2, 4, 8));
        }
        Tensor map = Npy.read(npy);
        assertThat(map.shape()).containsExactly(2, 8, 8);
        assertThat(map.data()).usingComparatorWithPrecision(1e-6f).containsExactly(combined(lib));
    }

    @Test
    void multiScaleOnAVolumeUsesCubicWindows() {
        Path npy = file("ms-vol.npy");
        ok("explain", "--model", linear3d, "--tensor", volume, "--window", "2,4", "--multi-scale", "--quiet", "--out-npy", npy);
        MultiScale.Result lib;
        try (Occlusion o = Occlusion.builder().model(linear3d).window(2, 2, 2).build()) {
            lib = MultiScale.explain(o, vol, squares(3, 2, 4));
        }
        assertThat(Npy.read(npy).shape()).containsExactly(1, 4, 4, 4);
        assertThat(Npy.read(npy).data()).usingComparatorWithPrecision(1e-6f).containsExactly(combined(lib));
    }

    @Test
    void multiScalePngShowsTheCombinedMapThenEachScaleOneRowPerTarget() throws IOException {
        Path png = file("ms.png");
        ok("explain", "--model", linear, "--tensor", input, "--window", "2,4", "--multi-scale", "--out-png", png);
        MultiScale.Result lib;
        try (Occlusion o = Occlusion.builder().model(linear).window(2, 2).build()) {
            lib = MultiScale.explain(o, x, squares(2, 2, 4));
        }
        BufferedImage expected = new HeatmapRenderer().renderPanels(
                lib.panels(TensorPicture.of(x, false), 0, "class " + lib.targets()[0]));
        assertSamePixels(ImageIO.read(png.toFile()), expected, 0);

        Path two = file("ms-top2.png");
        ok("explain", "--model", linear, "--tensor", input, "--window", "2,4", "--multi-scale", "--top-k", 2, "--out-png", two);
        BufferedImage stacked = ImageIO.read(two.toFile());
        assertThat(stacked.getHeight()).isEqualTo(2 * expected.getHeight());
        assertThat(stacked.getWidth()).isEqualTo(expected.getWidth());
        assertSamePixels(stacked.getSubimage(0, 0, expected.getWidth(), expected.getHeight()), expected, 0);
    }

    @Test
    void multiScaleOnAnImage() throws IOException {
        Path json = file("ms-img.json");
        Path npy = file("ms-img.npy");
        ok("explain", "--model", linear, "--image", image, "--size", "8x8", "--window", "2,4", "--multi-scale", "--out-json", json,
                "--out-npy", npy);
        MultiScale.Result lib;
        try (Occlusion o = Occlusion.builder().model(linear).imageSize(8, 8).window(2, 2).build()) {
            lib = MultiScale.explain(o, o.imageTensor(ImageIO.read(image.toFile())), squares(2, 2, 4));
        }
        assertThat(Npy.read(npy).data()).usingComparatorWithPrecision(1e-6f).containsExactly(combined(lib));
        assertThat(json(json).get("targets").get(0).get("max_combined_at_image_xy")).hasSize(2);
    }

    @Test
    void multiScaleUsageErrors() {
        Object[] base = {"explain", "--model", linear, "--tensor", input, "--window", "2,4", "--multi-scale", "--out-npy", file("e.npy")};
        usageError("--multi-scale does not go with --adaptive", concat(base, "--adaptive", 0.5));
        usageError("--multi-scale does not go with --per-channel", concat(base, "--per-channel"));
        usageError("--multi-scale does not go with --out-grid-npy", concat(base, "--out-grid-npy", file("g.npy")));
        usageError("--multi-scale does not go with --interactions", concat(base, "--interactions", 2,
                "--out-interactions-json", file("i.json")));
        usageError("one --stride value per --window value (2)", concat(base, "--stride", "1,1,1"));
        usageError("--multi-scale does not go with --video", "explain", "--model", linear, "--video", dir, "--window", "2,4",
                "--multi-scale", "--out-npy", file("v.npy"));
        // a window larger than the input, at any scale
        usageError("window", "explain", "--model", linear, "--tensor", input, "--window", "2,16", "--multi-scale",
                "--out-npy", file("big.npy"));
        assertThat(Cli.run("explain", "--model", linear, "--tensor", input, "--window", "2,0", "--multi-scale").code()).isEqualTo(2);
    }

    @Test
    void multiScaleProgressCountsTheScalesAsOneRun() {
        List<String> seen = new ArrayList<>();
        MultiScaleExplanation.ScaleProgress p = new MultiScaleExplanation.ScaleProgress((done, total) -> seen.add(done + "/" + total));
        p.total = 12;
        p.progress(4, 9);  // first scale, 9 windows, in two batches
        p.progress(9, 9);
        p.progress(3, 3);  // second scale, one batch
        assertThat(seen).containsExactly("4/12", "9/12", "12/12");
    }

    // ----------------------------------------------------------------------------------- interactions

    private static Interactions.Result libraryInteractions(Path model, int k, Fill fill, int window, int stride) {
        try (Occlusion o = Occlusion.builder().model(model).window(window, window).stride(stride, stride).fill(fill).build()) {
            SensitivityMap map = o.explain(x);
            return Interactions.compute(o, x, map, 0, k, fill);
        }
    }

    @Test
    void interactionsJsonIsTheLibrarysResult() throws IOException {
        Path out = file("pairs.json");
        Cli.Result r = ok("explain", "--model", cnn, "--tensor", input, "--window", 2, "--fill", 0.5, "--interactions", 4,
                "--out-interactions-json", out);
        Interactions.Result lib = libraryInteractions(cnn, 4, Fill.constant(0.5f), 2, 2);
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(lib.toJson());
        JsonNode root = json(out);
        assertThat(root.get("windows")).hasSize(4);
        assertThat(root.get("interaction")).hasSize(4);
        // the CNN's windows do interact; the matrix is symmetric with a zero diagonal
        double largest = 0;
        for (int i = 0; i < 4; i++) {
            assertThat(root.get("interaction").get(i).get(i).asDouble()).isZero();
            for (int j = 0; j < 4; j++) {
                assertThat(root.get("interaction").get(i).get(j).asDouble()).isEqualTo(root.get("interaction").get(j).get(i).asDouble());
                largest = Math.max(largest, Math.abs(root.get("interaction").get(i).get(j).asDouble()));
            }
        }
        assertThat(largest).isPositive();
        assertThat(r.out()).contains("interactions of 4 windows of target " + lib.target()).contains("wrote " + out);
    }

    @Test
    void aLinearModelsWindowsDoNotInteract() throws IOException {
        Path out = file("linear-pairs.json");
        ok("explain", "--model", linear, "--tensor", input, "--window", 3, "--stride", 1, "--interactions", 3, "--quiet",
                "--out-interactions-json", out);
        JsonNode m = json(out).get("interaction");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertThat(Math.abs(m.get(i).get(j).asDouble())).isLessThan(1e-5);
            }
        }
        assertThat(Files.readString(out)).isEqualTo(libraryInteractions(linear, 3, Fill.constant(0), 3, 1).toJson());
    }

    @Test
    void interactionsPngDrawsTheWindowsBesideTheMatrix() throws IOException {
        Path png = file("pairs.png");
        ok("explain", "--model", cnn, "--tensor", input, "--window", 2, "--interactions", 3, "--out-interactions-png", png);
        Interactions.Result lib = libraryInteractions(cnn, 3, Fill.constant(0), 2, 2);
        BufferedImage expected = InteractionPlot.render(TensorPicture.of(x, false), 8, 8, lib.starts(), lib.extents(),
                lib.interaction(), "");
        // everything but the title line is the library's drawing
        assertSamePixels(ImageIO.read(png.toFile()), expected, HeatmapRenderer.TITLE_HEIGHT);
    }

    @Test
    void interactionsOnAnImageAndAfterAnAdaptiveMap() throws IOException {
        Path png = file("img-pairs.png");
        Path json = file("img-pairs.json");
        ok("explain", "--model", cnn, "--image", image, "--size", "8x8", "--window", 2, "--interactions", 2,
                "--out-interactions-png", png, "--out-interactions-json", json);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThan(InteractionPlot.SIDE);
        assertThat(json(json).get("windows")).hasSize(2);

        Path adaptive = file("adaptive-pairs.json");
        ok("explain", "--model", cnn, "--tensor", input, "--window", 2, "--stride", 1, "--adaptive", 0.3, "--interactions", 3,
                "--out-interactions-json", adaptive);
        Interactions.Result lib;
        try (Occlusion o = Occlusion.builder().model(cnn).window(2, 2).stride(1, 1).build()) {
            SensitivityMap map = AdaptiveOcclusion.explain(o, x, 0.3).map();
            lib = Interactions.compute(o, x, map, 0, 3, Fill.constant(0));
        }
        assertThat(Files.readString(adaptive)).isEqualTo(lib.toJson());
    }

    @Test
    void interactionsUsageAndRuntimeErrors() throws IOException {
        Object[] base = {"explain", "--model", cnn, "--tensor", input, "--window", 2};
        usageError("--interactions K needs K >= 2", concat(base, "--interactions", 1, "--out-interactions-json", file("a.json")));
        usageError("--interactions needs --out-interactions-json FILE or --out-interactions-png FILE", concat(base, "--interactions", 3));
        usageError("go with --interactions K", concat(base, "--out-interactions-json", file("b.json")));
        usageError("--interactions does not go with --per-channel", concat(base, "--per-channel", "--interactions", 2,
                "--out-interactions-json", file("c.json")));
        usageError("--interactions needs 2 non-overlapping windows", "explain", "--model", cnn, "--tensor", input, "--window", 8,
                "--interactions", 2, "--out-interactions-json", file("d.json"));
        usageError("--out-interactions-png draws windows on 2-D inputs", "explain", "--model", linear3d, "--tensor", volume,
                "--window", 2, "--interactions", 2, "--out-interactions-png", file("e.png"));
        usageError("Invalid value for option '--interactions'", concat(base, "--interactions", "many", "--out-interactions-json",
                file("f.json")));
        // an output that cannot be written is a runtime error
        Path notADir = Files.writeString(file("plain.txt"), "x");
        Cli.Result r = Cli.run(concat(base, "--interactions", 2, "--out-interactions-json", notADir.resolve("pairs.json")));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
    }

    @Test
    void interactionsOnAVolumeWriteJson() throws IOException {
        Path out = file("vol-pairs.json");
        ok("explain", "--model", linear3d, "--tensor", volume, "--window", 2, "--interactions", 2, "--quiet",
                "--out-interactions-json", out);
        JsonNode w = json(out).get("windows");
        assertThat(w).hasSize(2);
        assertThat(w.get(0).get("start")).hasSize(3);
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
