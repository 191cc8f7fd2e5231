package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.video.Clip;
import io.occlusion4j.video.ClipSpec;
import io.occlusion4j.video.VideoExplainer;
import io.occlusion4j.video.VideoReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code explain --video}: a folder of frames through a clip model and a frame-wise model. */
class VideoFlagsTest {
    @TempDir
    static Path dir;
    static Path frames;
    static Path clipModel;   // [N, 3, 8, 16, 16]
    static Path frameModel;  // [N, 3, 16, 16]

    @BeforeAll
    static void clip() throws IOException {
        frames = Files.createDirectories(dir.resolve("frames"));
        for (int t = 0; t < 10; t++) {
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    img.setRGB(2 * t + x, 10 + y, 0xffffff);
                }
            }
            ImageIO.write(img, "png", frames.resolve("f" + t + ".png").toFile());
        }
        clipModel = Files.write(dir.resolve("c3d.onnx"), TestModels.cnn3d(3, 8, 16, 16, 3, 7).onnx());
        frameModel = Files.write(dir.resolve("c2d.onnx"), TestModels.smallCnn(3, 16, 16, 3, 8).onnx());
    }

    @Test
    void clipModelWritesTheFullMapVideoFramesAndProfile() throws IOException {
        Path npy = dir.resolve("clip.npy");
        Path gif = dir.resolve("clip.gif");
        Path png = dir.resolve("clip.png");
        Path json = dir.resolve("clip.json");
        Path perFrame = dir.resolve("clip-frames");
        Cli.Result r = Cli.run("explain", "--model", clipModel, "--video", frames, "--window", "2,4,4", "--out-npy", npy,
                "--out-video", gif, "--out-png", png, "--out-json", json, "--out-frames", perFrame, "--quiet");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        Tensor map = Npy.read(npy);
        assertThat(map.shape()).containsExactly(1, 8, 16, 16);
        // The CLI's map is the library's on the same clip.
        try (Occlusion o = Occlusion.builder().model(clipModel).window(2, 4, 4).build()) {
            Clip clip = VideoReader.read(frames, ClipSpec.forModel(o, 0));
            assertThat(map.data()).usingComparatorWithPrecision(1e-6f)
                    .containsExactly(VideoExplainer.explain(o, clip).pixelMaps().data());
        }
        assertThat(ImageIO.read(png.toFile())).isNotNull();
        assertThat(Files.size(gif)).isPositive();
        try (var s = Files.list(perFrame)) {
            assertThat(s.count()).isEqualTo(8);
        }
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertThat(doc.get("window").toString()).isEqualTo("[2,4,4]");
        assertThat(doc.toString()).contains("temporal_profile");
    }

    @Test
    void frameWiseModelExplainsEachSampledFrame() {
        Path npy = dir.resolve("frames.npy");
        Cli.Result r = Cli.run("explain", "--model", frameModel, "--video", frames, "--frames", 4, "--frame-stride", 2,
                "--start-frame", 1, "--window", 4, "--out-npy", npy, "--quiet");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        assertThat(Npy.read(npy).shape()).containsExactly(1, 4, 16, 16);
    }

    @Test
    void videoFlagsNeedAVideoAndAVideoMustExist() {
        Cli.Result noVideo = Cli.run("explain", "--model", frameModel, "--tensor", dir.resolve("x.npy"), "--window", 4,
                "--out-video", dir.resolve("v.mp4"));
        assertThat(noVideo.code()).isEqualTo(2);
        assertThat(noVideo.err()).contains("go with --video");
        Cli.Result missing = Cli.run("explain", "--model", clipModel, "--video", dir.resolve("absent.mp4"), "--window", 2,
                "--out-npy", dir.resolve("never.npy"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("absent.mp4 does not exist");
        Cli.Result wrongFrames = Cli.run("explain", "--model", clipModel, "--video", frames, "--frames", 5, "--window", 2,
                "--out-npy", dir.resolve("never.npy"));
        assertThat(wrongFrames.code()).isEqualTo(2);
        assertThat(wrongFrames.err()).contains("takes clips of 8 frames");
        assertThat(Files.exists(dir.resolve("never.npy"))).isFalse();
    }
}
