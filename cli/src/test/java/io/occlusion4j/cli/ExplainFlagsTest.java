package io.occlusion4j.cli;

import io.occlusion4j.explore.AdaptiveResult;
import io.occlusion4j.explore.AutoSettings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every flag of {@code explain}, run in-process on small generated models; each map is checked against the
 * library called directly with the setting the flag stands for.
 */
class ExplainFlagsTest {
    @TempDir
    static Path dir;
    static Path linear;      // [N, 3, 8, 8] -> [N, 4]
    static Path linearNhwc;  // [N, 8, 8, 3] -> [N, 4]
    static Path linear3d;    // [N, 1, 4, 4, 4] -> [N, 2]
    static Path input;       // x.npy [3, 8, 8]
    static Path image;       // 16 x 12 RGB PNG
    static Tensor x;

    @BeforeAll
    static void models() throws IOException {
        linear = Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {8, 8}, 4, 11).onnx());
        linearNhwc = Files.write(dir.resolve("nhwc.onnx"), TestModels.linear(8, new int[] {8, 3}, 4, 12).onnx());
        linear3d = Files.write(dir.resolve("vol.onnx"), TestModels.linear(1, new int[] {4, 4, 4}, 2, 13).onnx());
        SplittableRandom rnd = new SplittableRandom(3);
        float[] data = new float[3 * 64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextDouble();
        }
        x = Tensor.of(data, 3, 8, 8);
        input = dir.resolve("x.npy");
        Npy.write(input, x);
        BufferedImage img = new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int xx = 0; xx < 16; xx++) {
                img.setRGB(xx, y, rnd.nextInt(1 << 24));
            }
        }
        image = dir.resolve("img.png");
        ImageIO.write(img, "png", image.toFile());
    }

    /** Runs explain with {@code args} plus --out-npy and returns the pixel maps. */
    private static Tensor cli(Object... args) {
        Path npy = dir.resolve("out-" + System.nanoTime() + ".npy");
        List<Object> all = new ArrayList<>(List.of("explain"));
        all.addAll(Arrays.asList(args));
        all.addAll(List.of("--out-npy", npy));
        Cli.Result r = Cli.run(all.toArray());
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return Npy.read(npy);
    }

    private static SensitivityMap library(Path model, Tensor in, Consumer<Occlusion.Builder> settings) {
        Occlusion.Builder b = Occlusion.builder().model(model);
        settings.accept(b);
        try (Occlusion o = b.build()) {
            return o.explain(in);
        }
    }

    private static void assertSame(Tensor cli, SensitivityMap lib) {
        assertThat(cli.shape()).isEqualTo(lib.pixelMaps().shape());
        assertThat(cli.data()).usingComparatorWithPrecision(1e-5f).containsExactly(lib.pixelMaps().data());
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void modelTensorWindowAndStride() {
        assertSame(cli("--model", linear, "--tensor", input, "--window", 3, "--stride", 2),
                library(linear, x, b -> b.window(3, 3).stride(2, 2)));
        assertSame(cli("--model", linear, "--tensor", input, "--window", "3,2", "--stride", "1,2"),
                library(linear, x, b -> b.window(3, 2).stride(1, 2)));
        // the stride defaults to the window
        assertSame(cli("--model", linear, "--tensor", input, "--window", 4), library(linear, x, b -> b.window(4, 4)));
    }

    @Test
    void adaptiveMatchesTheLibraryAndReportsItsSavings() throws IOException {
        Path json = dir.resolve("adaptive.json");
        Tensor map = cli("--model", linear, "--tensor", input, "--window", 2, "--stride", 1, "--adaptive", 0.2,
                "--out-json", json);
        io.occlusion4j.explore.AdaptiveResult expected;
        try (Occlusion o = Occlusion.builder().model(linear).window(2, 2).stride(1, 1).build()) {
            expected = io.occlusion4j.explore.AdaptiveOcclusion.explain(o, x, 0.2);
        }
        assertThat(map.data()).usingComparatorWithPrecision(1e-6f).containsExactly(expected.map().pixelMaps().data());
        JsonNode adaptive = json(json).get("adaptive");
        assertThat(adaptive.get("r").asDouble()).isEqualTo(0.2);
        assertThat(adaptive.get("fine_windows").asInt()).isEqualTo(49);
        // the savings are the library's own figures for this run, not just some positive count
        assertThat(adaptive.get("coarse_variants").asInt()).isEqualTo(expected.stats().coarseVariants());
        assertThat(adaptive.get("exact_windows").asInt()).isEqualTo(expected.stats().exactVariants());
        assertThat(adaptive.get("forwards_used").asInt()).isEqualTo(expected.stats().forwardsUsed());
        assertThat(adaptive.get("exact_run_forwards").asInt()).isEqualTo(expected.stats().exactForwards());
        assertThat(adaptive.get("fraction_saved").asDouble()).isEqualTo(expected.stats().fractionSaved());
        Cli.Result bad = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 2, "--adaptive", 1.5,
                "--out-npy", dir.resolve("never.npy"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("adaptive fraction r must be in (0, 1]");
        assertThat(Files.exists(dir.resolve("never.npy"))).isFalse();
    }

    @Test
    void adaptiveWithoutAValueIsAutoAndReportsItsErrorEstimate() throws IOException {
        Path json = dir.resolve("adaptive-auto.json");
        Tensor map = cli("--model", linear, "--tensor", input, "--window", 2, "--stride", 1, "--out-json", json, "--adaptive");
        io.occlusion4j.explore.AdaptiveResult expected;
        try (Occlusion o = Occlusion.builder().model(linear).window(2, 2).stride(1, 1).build()) {
            expected = io.occlusion4j.explore.AdaptiveOcclusion.explainAuto(o, x, io.occlusion4j.explore.AutoSettings.defaults());
        }
        assertThat(map.data()).usingComparatorWithPrecision(1e-6f).containsExactly(expected.map().pixelMaps().data());
        JsonNode adaptive = json(json).get("adaptive");
        assertThat(adaptive.get("mode").asText()).isEqualTo("auto");
        assertThat(adaptive.get("target_ssim").asDouble()).isEqualTo(0.95);
        assertThat(adaptive.get("forwards_used").asInt()).isEqualTo(expected.stats().forwardsUsed());
        JsonNode est = adaptive.get("error_estimate");
        assertThat(est.get("ssim").asDouble()).isEqualTo(expected.stats().estimate().ssim());
        assertThat(est.get("ssim").asDouble()).isGreaterThanOrEqualTo(0.95);
        assertThat(est.get("method").asText()).isNotEmpty();
        Path json2 = dir.resolve("adaptive-auto2.json");
        cli("--model", linear, "--tensor", input, "--window", 2, "--stride", 1, "--adaptive", "auto", "--out-json", json2);
        assertThat(json(json2).get("adaptive").get("forwards_used").asInt()).isEqualTo(expected.stats().forwardsUsed());
        Cli.Result bad = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 2, "--adaptive", "most",
                "--out-npy", dir.resolve("never2.npy"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--adaptive takes auto or a fraction R in (0, 1], got 'most'");
        assertThat(Files.exists(dir.resolve("never2.npy"))).isFalse();
    }

    @Test
    void incrementalFlagsReachTheEngineAndTheJson() throws IOException {
        Path cnn = Files.write(dir.resolve("cnn.onnx"), TestModels.smallCnn(3, 8, 8, 4, 14).onnx());
        Path json = dir.resolve("incremental.json");
        Tensor on = cli("--model", cnn, "--tensor", input, "--window", 3, "--stride", 2, "--incremental", "on",
                "--out-json", json);
        Tensor off = cli("--model", cnn, "--tensor", input, "--window", 3, "--stride", 2, "--incremental", "off");
        assertThat(on.data()).usingComparatorWithPrecision(1e-6f).containsExactly(off.data());
        JsonNode inc = json(json).get("incremental");
        assertThat(inc.get("mode").asText()).isEqualTo("on");
        assertThat(inc.get("used").asBoolean()).isTrue();
        assertThat(inc.get("switch_layer").asText()).isNotEmpty();
        assertThat(inc.get("tau").asDouble()).isEqualTo(1.0);
        Cli.Result bad = Cli.run("explain", "--model", cnn, "--tensor", input, "--window", 2, "--approximate", 2,
                "--out-npy", dir.resolve("never2.npy"));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("approximate");
    }

    @Test
    void edgePolicies() throws IOException {
        for (io.occlusion4j.Edge e : io.occlusion4j.Edge.values()) {
            Path json = dir.resolve("edge-" + e + ".json");
            Tensor map = cli("--model", linear, "--tensor", input, "--window", 3, "--stride", 2, "--edge",
                    e.name().toLowerCase(), "--out-json", json);
            SensitivityMap lib = library(linear, x, b -> b.window(3, 3).stride(2, 2).edge(e));
            assertSame(map, lib);
            assertThat(json(json).get("window_grid_shape").toString())
                    .isEqualTo(e == io.occlusion4j.Edge.INSIDE ? "[3,3]" : "[4,4]");
        }
    }

    @Test
    void everyKindOfFill() {
        Tensor baseline = Tensor.of(new float[3 * 64], 3, 8, 8);
        Arrays.fill(baseline.data(), 0.3f);
        Path baselineFile = dir.resolve("baseline.npy");
        Npy.write(baselineFile, baseline);
        Object[][] cases = {
            {"0.25", Fill.constant(0.25f)},
            {"0.1,0.2,0.3", Fill.constantPerChannel(0.1f, 0.2f, 0.3f)},
            {"mean", Fill.mean()},
            {"blur", Fill.blur(Fill.DEFAULT_BLUR_SIGMA)},
            {"blur:1.5", Fill.blur(1.5)},
            {"noise", Fill.noise(0)},
            {"noise:7", Fill.noise(7)},
            {baselineFile.toString(), Fill.baseline(baseline)},
        };
        Tensor zeroFill = cli("--model", linear, "--tensor", input, "--window", 3);
        for (Object[] c : cases) {
            Fill fill = (Fill) c[1];
            Tensor map = cli("--model", linear, "--tensor", input, "--window", 3, "--fill", c[0]);
            assertSame(map, library(linear, x, b -> b.window(3, 3).fill(fill)));
            assertThat(map.data()).as("fill %s differs from the default 0", c[0]).isNotEqualTo(zeroFill.data());
        }
    }

    @Test
    void perChannelAddsAChannelAxis() {
        Tensor map = cli("--model", linear, "--tensor", input, "--window", 4, "--per-channel");
        assertThat(map.shape()).containsExactly(1, 3, 8, 8);
        assertSame(map, library(linear, x, b -> b.window(4, 4).perChannel(true)));
    }

    @Test
    void allowGapsAcceptsAStrideLargerThanTheWindow() {
        Cli.Result refused = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 2, "--stride", 4, "--quiet",
                "--out-npy", dir.resolve("gaps.npy"));
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("larger than the window");
        assertSame(cli("--model", linear, "--tensor", input, "--window", 2, "--stride", 4, "--allow-gaps"),
                library(linear, x, b -> b.window(2, 2).stride(4, 4).allowGaps(true)));
    }

    @Test
    void scoreTransforms() {
        for (Score s : Score.values()) {
            assertSame(cli("--model", linear, "--tensor", input, "--window", 4, "--score", s.name().toLowerCase()),
                    library(linear, x, b -> b.window(4, 4).score(s)));
        }
    }

    @Test
    void outputAndReduce() throws IOException {
        assertSame(cli("--model", linear, "--tensor", input, "--window", 4, "--output", TestModels.OUTPUT),
                library(linear, x, b -> b.window(4, 4)));
        Path json = dir.resolve("reduce.json");
        Tensor max = cli("--model", linear, "--tensor", input, "--window", 4, "--output", TestModels.OUTPUT,
                "--reduce", "max", "--score", "sigmoid", "--out-json", json);
        assertSame(max, library(linear, x, b -> b.window(4, 4).outputs(TestModels.OUTPUT).reduce(Reduce.MAX).score(Score.SIGMOID)));
        JsonNode target = json(json).get("targets").get(0);
        assertThat(target.get("index").asInt()).isZero();
        assertThat(target.get("label").asText()).isEqualTo("max sigmoid score");
        Cli.Result noSuchOutput = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 4, "--output", "nope");
        assertThat(noSuchOutput.code()).isEqualTo(2);
        assertThat(noSuchOutput.err()).contains("no output named 'nope'");
    }

    @Test
    void targetsAndTopK() throws IOException {
        Path json = dir.resolve("targets.json");
        Tensor two = cli("--model", linear, "--tensor", input, "--window", 4, "--target", "2,0", "--out-json", json);
        assertSame(two, library(linear, x, b -> b.window(4, 4).targets(Targets.of(2, 0))));
        assertThat(json(json).get("targets").findValuesAsText("index")).containsExactly("2", "0");

        Tensor top = cli("--model", linear, "--tensor", input, "--window", 4, "--top-k", 3, "--out-json", json);
        SensitivityMap lib = library(linear, x, b -> b.window(4, 4).targets(Targets.topK(3)));
        assertSame(top, lib);
        JsonNode targets = json(json).get("targets");
        assertThat(targets).hasSize(3);
        for (int t = 0; t < 3; t++) {
            assertThat(targets.get(t).get("index").asInt()).isEqualTo(lib.targets()[t]);
            assertThat(targets.get(t).get("base_score").floatValue()).isEqualTo(lib.baseScores()[t]);
        }
        assertThat(targets.get(0).get("base_score").floatValue()).isGreaterThanOrEqualTo(targets.get(1).get("base_score").floatValue());
    }

    @Test
    void batchThreadsAndBackend() throws IOException {
        Path json = dir.resolve("batch.json");
        Tensor map = cli("--model", linear, "--tensor", input, "--window", 2, "--batch", 5, "--threads", 1,
                "--backend", "cpu", "--out-json", json);
        assertSame(map, library(linear, x, b -> b.window(2, 2)));
        JsonNode j = json(json);
        assertThat(j.get("batch_size").asInt()).isEqualTo(5);
        assertThat(j.get("windows").asInt()).isEqualTo(16);
        assertThat(j.get("forwards").asInt()).isEqualTo(4); // 17 jobs (the unoccluded one too) in batches of 5
        assertThat(j.get("backend").asText()).isEqualTo("cpu");
        assertThat(j.get("device").asText()).contains("1 thread");

        Cli.Result cuda = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 2, "--backend", "cuda");
        assertThat(cuda.code()).isEqualTo(1);
        assertThat(cuda.errLines()).hasSize(1);
        assertThat(cuda.err()).contains("CUDA back end is not available");
    }

    @Test
    void imageSizeBgrMeanAndStd() {
        BufferedImage img = Images.read(image);
        float[] mean = {0.4f, 0.5f, 0.6f};
        float[] std = {0.2f, 0.25f, 0.3f};
        Tensor rgb = Images.toTensor(img, 8, 8, false);
        Tensor bgr = Images.toTensor(img, 8, 8, true);
        Tensor plain = cli("--model", linear, "--image", image, "--window", 3);
        assertSame(plain, library(linear, rgb, b -> b.window(3, 3)));
        Tensor sized = cli("--model", linear, "--image", image, "--size", "8x8", "--window", 3);
        assertThat(sized.data()).isEqualTo(plain.data());
        Tensor swapped = cli("--model", linear, "--image", image, "--window", 3, "--bgr");
        assertSame(swapped, library(linear, bgr, b -> b.window(3, 3)));
        assertThat(swapped.data()).isNotEqualTo(plain.data());
        Tensor normalised = cli("--model", linear, "--image", image, "--window", 3, "--mean", "0.4,0.5,0.6", "--std", "0.2,0.25,0.3");
        assertSame(normalised, library(linear, rgb, b -> b.window(3, 3).normalize(mean, std)));
        // a size the model does not take is a runtime error naming the mismatch
        Cli.Result wrong = Cli.run("explain", "--model", linear, "--image", image, "--size", "6x6", "--window", 3);
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("[3, 6, 6]");
    }

    @Test
    void channelsLastLayout() {
        assertSame(cli("--model", linearNhwc, "--tensor", input, "--window", 3, "--layout", "nhwc"),
                library(linearNhwc, x, b -> b.window(3, 3).layout(Layout.CHANNELS_LAST)));
        Cli.Result nchw = Cli.run("explain", "--model", linearNhwc, "--tensor", input, "--window", 3);
        assertThat(nchw.code()).isEqualTo(1);
        assertThat(nchw.err()).contains("CHANNELS_FIRST");
    }

    @Test
    void labelsJsonGridNpyAndPng() throws IOException {
        Path labels = Files.writeString(dir.resolve("labels.txt"), "cat\ndog\n\nbird\n");
        Path json = dir.resolve("all.json");
        Path png = dir.resolve("all.png");
        Path one = dir.resolve("one.png");
        Path grid = dir.resolve("grid.npy");
        Cli.Result r = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 3, "--stride", 2,
                "--target", "0,2", "--labels", labels, "--out-json", json, "--out-png", png, "--out-grid-npy", grid);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("target 0 (cat)").contains("target 2 (class 2)").contains("wrote " + png);
        JsonNode j = json(json);
        assertThat(j.get("targets").findValuesAsText("label")).containsExactly("cat", "class 2");
        for (String key : List.of("model", "input", "input_shape", "window", "stride", "edge", "fill", "score", "targets",
                "window_grid_shape", "pixel_map_shape", "windows", "forwards", "seconds", "variants_per_s", "backend", "device")) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.get("window_grid_shape").toString()).isEqualTo("[4,4]");
        assertThat(j.get("windows").asInt()).isEqualTo(16);
        SensitivityMap lib = library(linear, x, b -> b.window(3, 3).stride(2, 2).targets(Targets.of(0, 2)));
        Tensor g = Npy.read(grid);
        assertThat(g.shape()).containsExactly(2, 4, 4);
        assertThat(g.data()).usingComparatorWithPrecision(1e-5f).containsExactly(lib.gridMaps().data());
        assertThat(Cli.run("explain", "--model", linear, "--tensor", input, "--window", 3, "--stride", 2, "--out-png", one).code()).isZero();
        BufferedImage both = ImageIO.read(png.toFile());
        BufferedImage single = ImageIO.read(one.toFile());
        assertThat(both.getWidth()).isEqualTo(2 * single.getWidth());
        assertThat(both.getHeight()).isEqualTo(single.getHeight());
    }

    @Test
    void colormapAndAlphaChangeThePicture() throws IOException {
        Path viridis = dir.resolve("viridis.png");
        Path inferno = dir.resolve("inferno.png");
        Path opaque = dir.resolve("opaque.png");
        Object[] base = {"explain", "--model", linear, "--image", image, "--window", 3, "--quiet"};
        assertThat(Cli.run(concat(base, "--colormap", "viridis", "--out-png", viridis)).code()).isZero();
        assertThat(Cli.run(concat(base, "--colormap", "inferno", "--out-png", inferno)).code()).isZero();
        assertThat(Cli.run(concat(base, "--colormap", "viridis", "--alpha", 1, "--out-png", opaque)).code()).isZero();
        BufferedImage v = ImageIO.read(viridis.toFile());
        BufferedImage i = ImageIO.read(inferno.toFile());
        BufferedImage o = ImageIO.read(opaque.toFile());
        int cx = v.getWidth() / 2;
        int cy = v.getHeight() / 2;
        assertThat(v.getRGB(cx, cy)).isNotEqualTo(i.getRGB(cx, cy));
        assertThat(v.getRGB(cx, cy)).isNotEqualTo(o.getRGB(cx, cy));
        Cli.Result bad = Cli.run(concat(base, "--colormap", "rainbow", "--out-png", viridis));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown colormap 'rainbow'");
    }

    @Test
    void quietVerboseAndProgress() {
        Path npy = dir.resolve("q.npy");
        Cli.Result quiet = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 1, "--quiet",
                "--progress-delay-ms", 0, "--out-npy", npy);
        assertThat(quiet.code()).isZero();
        assertThat(quiet.out()).isEmpty();
        assertThat(quiet.err()).isEmpty();

        Cli.Result shown = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 1, "--batch", 4,
                "--progress-delay-ms", 0, "--out-npy", npy);
        assertThat(shown.code()).isZero();
        assertThat(shown.errLines()).hasSize(11); // 0 %, 10 %, ..., 100 % of 64 variants in batches of 4
        assertThat(shown.errLines()[10]).startsWith("explain: 100 % (64 of 64 variants");
        assertThat(shown.out()).contains("64 windows (grid 8x8)");

        Cli.Result verbose = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 4, "--verbose", "--out-npy", npy);
        assertThat(verbose.code()).isZero();
        assertThat(verbose.err()).contains("back end cpu").contains("model input input [N,3,8,8]");

        Cli.Result failing = Cli.run("explain", "--model", linear, "--tensor", input, "--window", 9, "--verbose");
        assertThat(failing.code()).isEqualTo(2);
        assertThat(failing.err()).contains("larger than the input").contains("\tat io.occlusion4j.");
    }

    @Test
    void volumesGiveNpyButNoPng() {
        float[] v = new float[64];
        Arrays.fill(v, 0.5f);
        Path vol = dir.resolve("vol.npy");
        Npy.write(vol, Tensor.of(v, 1, 4, 4, 4));
        Tensor map = cli("--model", linear3d, "--tensor", vol, "--window", 2);
        assertThat(map.shape()).containsExactly(1, 4, 4, 4);
        Cli.Result png = Cli.run("explain", "--model", linear3d, "--tensor", vol, "--window", 2, "--out-png", dir.resolve("vol.png"));
        assertThat(png.code()).isEqualTo(2);
        assertThat(png.err()).contains("--out-png draws 2-D maps");
        assertThat(dir.resolve("vol.png")).doesNotExist();
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
