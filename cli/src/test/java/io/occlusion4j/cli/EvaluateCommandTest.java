package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.metrics.Faithfulness;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code occlusion4j evaluate}: every score matches {@link Faithfulness} and {@link MapSimilarity} called
 * directly with the same settings; bad flags and files give one-line errors with exit code 2 or 1.
 */
class EvaluateCommandTest {
    @TempDir
    static Path dir;
    static Path cnn;        // small CNN [N, 3, 8, 8] -> [N, 3]
    static Path linearNhwc; // [N, 8, 8, 3] -> [N, 4]
    static Path linear3d;   // [N, 1, 4, 4, 4] -> [N, 2]
    static Path input;      // [3, 8, 8]
    static Path volume;     // [1, 4, 4, 4]
    static Path image;      // 16 x 12 RGB
    static Path mapNpy;     // explain's pixel maps of cnn on input, [2, 8, 8] (top-2)
    static Path otherNpy;   // a map of another window, [1, 8, 8]
    static Tensor x;
    static Tensor vol;
    static Tensor map;      // the first target's map [8, 8]
    static int target;      // the first target

    @BeforeAll
    static void models() throws IOException {
        cnn = Files.write(dir.resolve("cnn.onnx"), TestModels.smallCnn(3, 8, 8, 3, 31).onnx());
        linearNhwc = Files.write(dir.resolve("nhwc.onnx"), TestModels.linear(8, new int[] {8, 3}, 4, 32).onnx());
        linear3d = Files.write(dir.resolve("vol.onnx"), TestModels.linear(1, new int[] {4, 4, 4}, 2, 33).onnx());
        SplittableRandom rnd = new SplittableRandom(7);
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
        mapNpy = dir.resolve("map.npy");
        Path json = dir.resolve("map.json");
        Cli.Result r = Cli.run("explain", "--model", cnn, "--tensor", input, "--window", 2, "--stride", 1, "--top-k", 2, "--quiet",
                "--out-npy", mapNpy, "--out-json", json);
        assertThat(r.code()).as(r.err()).isZero();
        target = new ObjectMapper().readTree(json.toFile()).get("targets").get(0).get("index").asInt();
        Tensor maps = Npy.read(mapNpy);
        map = Tensor.of(Arrays.copyOf(maps.data(), 64), 8, 8);
        otherNpy = dir.resolve("other.npy");
        assertThat(Cli.run("explain", "--model", cnn, "--tensor", input, "--window", 4, "--stride", 2, "--quiet",
                "--out-npy", otherNpy).code()).isZero();
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

    /** Runs evaluate with {@code args} plus --out-json; returns the JSON. */
    private static JsonNode evaluate(Object... args) throws IOException {
        Path json = file("eval.json");
        Object[] all = new Object[args.length + 3];
        all[0] = "evaluate";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--out-json";
        all[args.length + 2] = json;
        Cli.Result r = Cli.run(all);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return new ObjectMapper().readTree(json.toFile());
    }

    private static Occlusion model(Path model, Consumer<Occlusion.Builder> settings) {
        Occlusion.Builder b = Occlusion.builder().model(model).window(1, 1); // no windows run; the metrics need none
        settings.accept(b);
        return b.build();
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static void assertCurve(JsonNode node, Faithfulness.Curve expected) {
        assertThat(node.get("auc").asDouble()).isCloseTo(expected.auc(), within(1e-6));
        assertThat(doubles(node.get("fractions"))).containsExactly(expected.fractions());
        assertThat(doubles(node.get("scores"))).usingComparatorWithPrecision(1e-6).containsExactly(expected.scores());
    }

    private static void error(int code, String mentions, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = "evaluate";
        System.arraycopy(args, 0, all, 1, args.length);
        Cli.Result r = Cli.run(all);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(code);
        assertThat(r.errLines()).as("stderr: %s", r.err()).hasSize(1);
        assertThat(r.err()).contains(mentions);
    }

    @Test
    void deletionAndInsertionMatchTheLibraryWithTheDefaults() throws IOException {
        Path json = file("default.json");
        Cli.Result r = Cli.run("evaluate", "--model", cnn, "--tensor", input, "--map", mapNpy, "--out-json", json);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("target").asInt()).isEqualTo(target); // the argmax, the first target of the top-k map
        assertThat(root.get("steps").asInt()).isEqualTo(20);
        try (Occlusion o = model(cnn, b -> {})) {
            Faithfulness.Curve deletion = Faithfulness.deletion(o, x, map, target, Fill.constant(0), 20);
            Faithfulness.Curve insertion = Faithfulness.insertion(o, x, map, target, 5.0, 20);
            assertCurve(root.get("deletion"), deletion);
            assertCurve(root.get("insertion"), insertion);
            assertThat(root.get("base_score").asDouble()).isCloseTo(Faithfulness.score(o, x, target), within(1e-6));
            assertThat(root.get("deletion").get("scores")).hasSize(21);
            assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "deletion AUC %.6g", deletion.auc()))
                    .contains(String.format(java.util.Locale.ROOT, "insertion AUC %.6g", insertion.auc()))
                    .contains("wrote " + json);
        }
        assertThat(root.has("pointing_game")).isFalse();
        assertThat(root.has("compare")).isFalse();
    }

    @Test
    void stepsBlurFillScoreAndTarget() throws IOException {
        JsonNode root = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--steps", 5, "--blur", 2, "--fill", "0.5",
                "--score", "softmax", "--target", 1);
        assertThat(root.get("target").asInt()).isEqualTo(1);
        try (Occlusion o = model(cnn, b -> b.score(Score.SOFTMAX))) {
            assertCurve(root.get("deletion"), Faithfulness.deletion(o, x, map, 1, Fill.constant(0.5f), 5));
            assertCurve(root.get("insertion"), Faithfulness.insertion(o, x, map, 1, 2.0, 5));
        }
        assertThat(root.get("deletion").get("scores")).hasSize(6);
        // softmax scores are probabilities, so both AUCs lie in [0, 1]
        assertThat(root.get("deletion").get("auc").asDouble()).isBetween(0.0, 1.0);
        assertThat(root.get("insertion").get("auc").asDouble()).isBetween(0.0, 1.0);

        JsonNode mean = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--fill", "mean", "--steps", 4);
        try (Occlusion o = model(cnn, b -> {})) {
            assertCurve(mean.get("deletion"), Faithfulness.deletion(o, x, map, target, Fill.mean(), 4));
        }
    }

    @Test
    void aPlainMapEqualsTheFirstTargetOfAStack() throws IOException {
        Path plain = file("plain.npy");
        Npy.write(plain, map);
        JsonNode a = evaluate("--model", cnn, "--tensor", input, "--map", plain, "--steps", 6);
        JsonNode b = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--steps", 6);
        assertThat(a.get("deletion").get("auc").asDouble()).isEqualTo(b.get("deletion").get("auc").asDouble());
        assertThat(a.get("insertion").get("auc").asDouble()).isEqualTo(b.get("insertion").get("auc").asDouble());
    }

    @Test
    void pointingGameUsesMapCoordinatesWithExclusiveEnds() throws IOException {
        Faithfulness.Pointing peak = Faithfulness.pointingGame(map, new int[] {0, 0}, new int[] {8, 8}, 0);
        int py = peak.peak()[0];
        int px = peak.peak()[1];
        // a box of one element on the peak: x0,y0 = peak, x1,y1 = peak + 1
        JsonNode hit = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--steps", 2,
                "--box", px + "," + py + "," + (px + 1) + "," + (py + 1));
        assertThat(hit.get("pointing_game").get("hit").asBoolean()).isTrue();
        assertThat(hit.get("pointing_game").get("peak_xy").toString()).isEqualTo("[" + px + "," + py + "]");
        // the box that ends exactly at the peak's column misses it
        int x0 = px > 0 ? 0 : 1;
        int x1 = px > 0 ? px : 8;
        JsonNode miss = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--steps", 2, "--box", x0 + ",0," + x1 + ",8");
        boolean expected = Faithfulness.pointingGame(map, new int[] {0, x0}, new int[] {8, x1}, 0).hit();
        assertThat(miss.get("pointing_game").get("hit").asBoolean()).isEqualTo(expected);
        Cli.Result r = Cli.run("evaluate", "--model", cnn, "--tensor", input, "--map", mapNpy, "--steps", 2,
                "--box", px + "," + py + "," + (px + 1) + "," + (py + 1));
        assertThat(r.out()).contains("pointing game: hit (map peak at x " + px + ", y " + py);
    }

    @Test
    void compareGivesSsimAndSpearman() throws IOException {
        JsonNode root = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--compare", otherNpy, "--steps", 2);
        Tensor other = Npy.read(otherNpy);
        Tensor other2d = Tensor.of(other.data(), 8, 8);
        assertThat(root.get("compare").get("ssim").asDouble()).isCloseTo(MapSimilarity.ssim(map, other2d), within(1e-12));
        assertThat(root.get("compare").get("spearman").asDouble()).isCloseTo(MapSimilarity.spearman(map, other2d), within(1e-12));
        assertThat(root.get("compare").get("ssim").asDouble()).isLessThan(1.0);

        JsonNode self = evaluate("--model", cnn, "--tensor", input, "--map", mapNpy, "--compare", mapNpy, "--steps", 2);
        assertThat(self.get("compare").get("ssim").asDouble()).isCloseTo(1.0, within(1e-9));
        assertThat(self.get("compare").get("spearman").asDouble()).isCloseTo(1.0, within(1e-9));
        Cli.Result r = Cli.run("evaluate", "--model", cnn, "--tensor", input, "--map", mapNpy, "--compare", mapNpy, "--steps", 2);
        assertThat(r.out()).contains("SSIM 1.000000, Spearman 1.000000");
    }

    @Test
    void imageWithSizeMeanStdAndBgr() throws IOException {
        Path m = file("img-map.npy");
        Npy.write(m, map);
        JsonNode root = evaluate("--model", cnn, "--image", image, "--size", "8x8", "--mean", "0.5", "--std", "0.25", "--bgr",
                "--map", m, "--steps", 4);
        try (Occlusion o = model(cnn, b -> b.imageSize(8, 8).normalize(new float[] {0.5f}, new float[] {0.25f}).bgr(true))) {
            Tensor in = o.imageTensor(ImageIO.read(image.toFile()));
            float[] scores = o.explain(in, new int[0]).allBaseScores();
            int t = ExplanationReport.argmax(scores);
            assertThat(root.get("target").asInt()).isEqualTo(t);
            assertCurve(root.get("deletion"), Faithfulness.deletion(o, in, map, t, Fill.constant(0), 4));
            assertCurve(root.get("insertion"), Faithfulness.insertion(o, in, map, t, 5.0, 4));
        }
    }

    @Test
    void anImageOverTheLimitsIsRefusedFromItsHeaderAsExplainRefusesIt() throws IOException {
        Path m = file("limit-map.npy");
        Npy.write(m, map);
        Object[] base = {"--model", cnn, "--image", image, "--size", "8x8", "--map", m, "--steps", 2};
        error(1, "16x12 (192 pixels); the limits are 100 pixels", concat(base, "--max-pixels", 100));
        error(1, "--max-pixels and --max-side raise them", concat(base, "--max-side", 15));
        error(2, "--max-pixels and --max-side must be positive", concat(base, "--max-pixels", 0));
        assertThat(evaluate(concat(base, "--max-pixels", 192, "--max-side", 16)).get("deletion").size()).isPositive();
    }

    @Test
    void channelsLastOutputsAndReduce() throws IOException {
        JsonNode root = evaluate("--model", linearNhwc, "--tensor", input, "--map", mapNpy, "--layout", "nhwc", "--steps", 3,
                "--output", TestModels.OUTPUT, "--reduce", "max");
        assertThat(root.get("target").asInt()).isZero(); // one score: the maximum over the outputs
        try (Occlusion o = model(linearNhwc, b -> b.layout(Layout.CHANNELS_LAST).outputs(TestModels.OUTPUT).reduce(Reduce.MAX))) {
            assertCurve(root.get("deletion"), Faithfulness.deletion(o, x, map, 0, Fill.constant(0), 3));
        }
    }

    @Test
    void volumesAreEvaluatedToo() throws IOException {
        Path m = file("vol-map.npy");
        Npy.write(m, Tensor.of(random(new SplittableRandom(1), 64), 4, 4, 4));
        JsonNode root = evaluate("--model", linear3d, "--tensor", volume, "--map", m, "--steps", 4, "--blur", 1);
        try (Occlusion o = Occlusion.builder().model(linear3d).window(1, 1, 1).build()) {
            int t = root.get("target").asInt();
            assertCurve(root.get("deletion"), Faithfulness.deletion(o, vol, Npy.read(m), t, Fill.constant(0), 4));
        }
        error(2, "--box is for 2-D maps", "--model", linear3d, "--tensor", volume, "--map", m, "--box", "0,0,1,1");
    }

    @Test
    void usageErrorsExitTwo() {
        Object[] base = {"--model", cnn, "--tensor", input, "--map", mapNpy};
        error(2, "--steps must be >= 1", concat(base, "--steps", 0));
        error(2, "--blur must be a finite sigma > 0", concat(base, "--blur", 0));
        error(2, "--box takes 4 values", concat(base, "--box", "1,2,3"));
        error(2, "is empty", concat(base, "--box", "3,0,1,4"));
        error(2, "lies outside the map of 8 x 8", concat(base, "--box", "0,0,9,4"));
        error(2, "--target 7 is out of range: the model gives 3 scores", concat(base, "--target", 7));
        error(2, "nothing to do", concat(base, "--quiet"));
        error(2, "invalid value for --fill", concat(base, "--fill", "purple"));
        error(2, "--mean and --std go together", concat(base, "--mean", 0.5));
        error(2, "--size resizes images", concat(base, "--size", "8x8"));
        error(2, "Missing required option: '--map", "--model", cnn, "--tensor", input);
        error(2, "Invalid value for option '--steps'", concat(base, "--steps", "many"));
        error(2, "mutually exclusive", concat(base, "--image", image));
    }

    @Test
    void badFilesExitOne() throws IOException {
        Object[] base = {"--model", cnn, "--tensor", input};
        Path wrong = file("wrong.npy");
        Npy.write(wrong, Tensor.zeros(4, 4));
        error(1, "expected [D1..Dk] or [targets, D1..Dk]", concat(base, "--map", wrong));
        error(1, "map file " + dir.resolve("absent.npy") + " does not exist", concat(base, "--map", dir.resolve("absent.npy")));
        float[] nan = new float[64];
        nan[5] = Float.NaN;
        Path withNan = file("nan.npy");
        Npy.write(withNan, Tensor.of(nan, 8, 8));
        error(1, "non-finite value NaN at element 5", concat(base, "--map", withNan));
        error(1, "--compare " + wrong, concat(base, "--map", mapNpy, "--compare", wrong));
        Path notADir = Files.writeString(file("plain.txt"), "x");
        Cli.Result r = Cli.run(concat(new Object[] {"evaluate"}, concat(base, "--map", mapNpy, "--steps", 1,
                "--out-json", notADir.resolve("e.json"))));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
    }

    @Test
    void listedInTheTopLevelHelp() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("evaluate");
        Cli.Result help = Cli.run("evaluate", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--box").contains("--box=x0,y0,x1,y1 ").contains("x0,y0 included");
    }

    private static Object[] concat(Object[] a, Object... b) {
        return ExploreFlagsTest.concat(a, b);
    }
}
