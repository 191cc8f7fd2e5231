package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on the committed models and pictures (assets/, see assets/NOTICE.md). */
class DemoAssetsTest {
    /** The astronaut's face in the 512 x 512 photo (assets/NOTICE.md): x in [170, 280), y in [70, 180). */
    static final int FACE_X0 = 170;
    static final int FACE_Y0 = 70;
    static final int FACE_X1 = 280;
    static final int FACE_Y1 = 180;

    @TempDir
    Path dir;

    static final Path BLAZEFACE = Cli.asset("models/blazeface_front_128.onnx");
    static final Path PPOCR = Cli.asset("models/ppocr_mobile_v2_cls.onnx");
    static final Path ASTRONAUT = Cli.asset("images/astronaut.png");

    /** BlazeFace as the demo runs it, through explain's flags. */
    private static Object[] blazeFace(Object fill, Object... more) {
        Object[] base = {"explain", "--model", BLAZEFACE, "--layout", "nhwc", "--mean", 0.5, "--std", 0.5,
            "--output", "Identity:0,Identity_1:0", "--reduce", "max", "--score", "sigmoid", "--fill", fill};
        return ExplainFlagsTest.concat(base, more);
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    private static boolean inFace(int x, int y) {
        return x >= FACE_X0 && x < FACE_X1 && y >= FACE_Y0 && y < FACE_Y1;
    }

    @Test
    void blazeFaceMapPeaksInsideTheFace() throws IOException {
        Path npy = dir.resolve("face.npy");
        Path json = dir.resolve("face.json");
        Cli.Result r = Cli.run(blazeFace(DemoCommand.FACE_FILL, "--image", ASTRONAUT, "--window", DemoCommand.FACE_WINDOW, "--stride",
                DemoCommand.FACE_STRIDE, "--labels", Files.writeString(dir.resolve("l.txt"), "face"),
                "--out-npy", npy, "--out-json", json));
        assertThat(r.code()).as(r.err()).isZero();
        Tensor map = Npy.read(npy);
        assertThat(map.shape()).containsExactly(1, 128, 128);
        int arg = ExplanationReport.argmax(map.data());
        // the 512 x 512 photo is resized to 128 x 128: map element (y, x) covers photo pixels [4x, 4x + 4)
        int photoX = (arg % 128) * 4 + 2;
        int photoY = (arg / 128) * 4 + 2;
        assertThat(inFace(photoX, photoY)).as("map maximum at photo x %d, y %d", photoX, photoY).isTrue();
        JsonNode target = json(json).get("targets").get(0);
        assertThat(target.get("label").asText()).isEqualTo("face");
        assertThat(target.get("base_score").asDouble()).isBetween(0.91, 0.93); // NOTICE: 0.921
        assertThat(target.get("max_drop").asDouble()).isGreaterThan(0.2);
        JsonNode at = target.get("max_drop_at_image_xy");
        assertThat(inFace(at.get(0).asInt(), at.get(1).asInt())).isTrue();
        // the face outweighs the rest of the picture: mean drop inside the box > 5x the mean outside
        double in = 0;
        double out = 0;
        int nIn = 0;
        for (int i = 0; i < map.size(); i++) {
            if (inFace((i % 128) * 4 + 2, (i / 128) * 4 + 2)) {
                in += map.data()[i];
                nIn++;
            } else {
                out += map.data()[i];
            }
        }
        assertThat(in / nIn).isGreaterThan(5 * out / (map.size() - nIn));
    }

    @Test
    void fillingTheFaceBoxDropsTheFaceScoreByMoreThanHalf() throws IOException {
        BufferedImage photo = Images.read(ASTRONAUT);
        Tensor x = Images.toTensor(photo, 128, 128, false);
        float[] filled = x.data().clone();
        // photo box x [170, 280), y [70, 180) at 128 x 128: columns 42..69, rows 17..44
        for (int c = 0; c < 3; c++) {
            for (int y = FACE_Y0 / 4; y < (FACE_Y1 + 3) / 4; y++) {
                for (int xx = FACE_X0 / 4; xx < (FACE_X1 + 3) / 4; xx++) {
                    filled[(c * 128 + y) * 128 + xx] = DemoCommand.FACE_FILL;
                }
            }
        }
        Path input = dir.resolve("astronaut.npy");
        Path baseline = dir.resolve("face-filled.npy");
        Npy.write(input, x);
        Npy.write(baseline, Tensor.of(filled, 3, 128, 128));
        Path grid = dir.resolve("grid.npy");
        Path json = dir.resolve("drop.json");
        // one window over the whole input whose fill is the photo with the box filled: its delta is the drop
        Cli.Result r = Cli.run(blazeFace(baseline, "--tensor", input, "--window", 128, "--out-grid-npy", grid, "--out-json", json));
        assertThat(r.code()).as(r.err()).isZero();
        float base = (float) json(json).get("targets").get(0).get("base_score").asDouble();
        float drop = Npy.read(grid).data()[0];
        assertThat(drop).as("face score %.4f drops by", base).isGreaterThan(0.5f);
    }

    @Test
    void orientationMapOfAPaddedUprightStripLiesOnTheText() throws IOException {
        // The first 72 of the strip's 248 columns ("Let us first d"): at height 48 the text is 173 wide,
        // so 19 of the 192 columns are padding. (The whole strip fills all 192 columns: no padding.)
        BufferedImage strip = Images.read(Cli.asset("images/text_strip.png")).getSubimage(0, 0, 72, 20);
        int textWidth = DemoCommand.textWidth(strip);
        assertThat(textWidth).isEqualTo(173);
        Path input = dir.resolve("strip.npy");
        Npy.write(input, DemoCommand.orientationInput(strip));
        Path npy = dir.resolve("strip-map.npy");
        Path json = dir.resolve("strip.json");
        Cli.Result r = Cli.run("explain", "--model", PPOCR, "--tensor", input, "--bgr", "--mean", 0.5, "--std", 0.5,
                "--window", DemoCommand.OCR_WINDOW_H + "," + DemoCommand.OCR_WINDOW_W, "--stride", DemoCommand.OCR_STRIDE,
                "--fill", DemoCommand.OCR_FILL, "--out-npy", npy, "--out-json", json, "--out-png", dir.resolve("strip.png"));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode target = json(json).get("targets").get(0);
        assertThat(target.get("index").asInt()).as("upright").isZero();
        assertThat(target.get("base_score").asDouble()).isGreaterThan(0.95);
        Tensor map = Npy.read(npy);
        assertThat(map.shape()).containsExactly(1, 48, 192);
        double onText = 0;
        double onPadding = 0;
        for (int i = 0; i < map.size(); i++) {
            double v = Math.max(0, map.data()[i]);
            if (i % 192 < textWidth) {
                onText += v;
            } else {
                onPadding += v;
            }
        }
        assertThat(onText / (onText + onPadding)).as("share of the positive mass on the text").isGreaterThan(0.9);
        // per column too: the padding only gets mass from windows that reach into the text
        assertThat(onText / textWidth).isGreaterThan(2 * onPadding / (192 - textWidth));
    }

    @Test
    void demoWritesItsPicturesAndSummaries() throws IOException {
        Path out = dir.resolve("demo");
        Cli.Result r = Cli.run("demo", "--out", out);
        assertThat(r.code()).as(r.err()).isZero();
        for (String name : new String[] {DemoCommand.FACE_PNG, DemoCommand.FACE_JSON, DemoCommand.OCR_PNG,
                DemoCommand.OCR_JSON, DemoCommand.OCR_180_JSON}) {
            assertThat(out.resolve(name)).isNotEmptyFile();
            assertThat(r.out()).contains(out.resolve(name).toString());
        }
        BufferedImage face = ImageIO.read(out.resolve(DemoCommand.FACE_PNG).toFile());
        assertThat(face.getWidth()).isGreaterThanOrEqualTo(512);
        JsonNode faceJson = json(out.resolve(DemoCommand.FACE_JSON));
        JsonNode at = faceJson.get("targets").get(0).get("max_drop_at_image_xy");
        assertThat(inFace(at.get(0).asInt(), at.get(1).asInt())).as("face map maximum at %s", at).isTrue();
        assertThat(faceJson.get("forwards").asInt()).isEqualTo(faceJson.get("windows").asInt() + 1); // batch fixed at 1

        JsonNode upright = json(out.resolve(DemoCommand.OCR_JSON)).get("targets").get(0);
        assertThat(upright.get("index").asInt()).isZero();
        assertThat(upright.get("base_score").asDouble()).isGreaterThan(0.99); // NOTICE: 0.9984
        JsonNode rotated = json(out.resolve(DemoCommand.OCR_180_JSON)).get("targets").get(0);
        assertThat(rotated.get("index").asInt()).isEqualTo(1);
        assertThat(rotated.get("base_score").asDouble()).isGreaterThan(0.99); // NOTICE: 0.9936
        BufferedImage strips = ImageIO.read(out.resolve(DemoCommand.OCR_PNG).toFile());
        assertThat(strips.getHeight()).isGreaterThan(2 * 96); // two panels, one above the other
    }
}
