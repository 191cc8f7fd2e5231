package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Occlusion;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real clips: encoded through FFmpeg here, decoded back, explained end to end, written as heatmap videos. */
class VideoRoundTripTest {
    static final int N = 24;
    static final int WIDTH = 64;
    static final int HEIGHT = 48;

    @TempDir
    Path dir;

    /** Column of the brightest mass (mean over rows) of frame {@code t} of a [3, T, H, W] clip. */
    static double brightColumn(Tensor clip, int t) {
        int frames = clip.dim(1);
        int h = clip.dim(2);
        int w = clip.dim(3);
        float[] d = clip.data();
        double num = 0;
        double den = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = d[((0 * frames + t) * h + y) * w + x];
                if (v > 0.7f) {
                    num += x;
                    den++;
                }
            }
        }
        return num / den;
    }

    @Test
    void decodedMp4HasTheMovingSquareWhereItWasDrawn() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(N, WIDTH, HEIGHT), "mp4", 12);
        VideoInfo info = VideoReader.probe(mp4);
        assertThat(info.codec()).isEqualTo("mpeg4");
        assertThat(info.width()).isEqualTo(WIDTH);
        assertThat(info.height()).isEqualTo(HEIGHT);
        assertThat(info.declaredFrames()).isEqualTo(N);
        assertThat(info.frameRate()).isEqualTo(12.0);

        Clip clip = VideoReader.read(mp4, ClipSpec.uniform(4));
        assertThat(clip.frameIndices()).containsExactly(0, 8, 15, 23);
        assertThat(clip.sourceFrames()).isEqualTo(N);
        assertThat(clip.tensor().shape()).containsExactly(3, 4, HEIGHT, WIDTH);
        for (int t = 0; t < 4; t++) {
            int i = clip.frameIndices()[t];
            double expected = TestClips.squareX(i, N, WIDTH) + (TestClips.SQUARE - 1) / 2.0;
            assertThat(brightColumn(clip.tensor(), t)).as("square centre in frame %d", i).isBetween(expected - 1.5, expected + 1.5);
        }
        // values are raw [0, 1]
        for (float v : clip.tensor().data()) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void stridedSamplingAndResizingToTheModelSize() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(N, WIDTH, HEIGHT), "mp4", 12);
        Clip clip = VideoReader.read(mp4, ClipSpec.strided(5, 2, 5).withSize(24, 32).withBgr(true));
        assertThat(clip.frameIndices()).containsExactly(2, 7, 12, 17, 22);
        assertThat(clip.tensor().shape()).containsExactly(3, 5, 24, 32);
        assertThat(clip.frames().getFirst().getWidth()).isEqualTo(WIDTH); // display frames keep the source size
        for (int t = 1; t < 5; t++) {
            assertThat(brightColumn(clip.tensor(), t)).isGreaterThan(brightColumn(clip.tensor(), t - 1));
        }
    }

    @Test
    void aviAndAnimatedGifDecodeToo() throws Exception {
        List<BufferedImage> frames = TestClips.movingSquare(10, WIDTH, HEIGHT);
        Path avi = TestClips.encode(dir.resolve("square.avi"), frames, "avi", 10);
        Path gif = TestClips.encode(dir.resolve("square.gif"), frames, "gif", 10);
        for (Path p : List.of(avi, gif)) {
            Clip clip = VideoReader.read(p, ClipSpec.uniform(10));
            assertThat(clip.sourceFrames()).as(p.toString()).isEqualTo(10);
            assertThat(clip.tensor().shape()).containsExactly(3, 10, HEIGHT, WIDTH);
            assertThat(brightColumn(clip.tensor(), 9)).isGreaterThan(brightColumn(clip.tensor(), 0) + 30);
        }
        assertThat(VideoReader.probe(avi).codec()).isEqualTo("mjpeg");
        assertThat(VideoReader.probe(gif).codec()).isEqualTo("gif");
    }

    @Test
    void folderOfFramesInNaturalOrder() throws Exception {
        List<BufferedImage> frames = TestClips.movingSquare(12, WIDTH, HEIGHT);
        Path folder = Files.createDirectories(dir.resolve("frames"));
        for (int i = 0; i < frames.size(); i++) {
            ImageIO.write(frames.get(i), "png", folder.resolve("f" + i + ".png").toFile());
        }
        Files.writeString(folder.resolve("notes.txt"), "not a frame");
        Clip clip = VideoReader.read(folder, ClipSpec.strided(3, 1, 5));
        assertThat(clip.sourceFrames()).isEqualTo(12);
        assertThat(clip.frameIndices()).containsExactly(1, 6, 11);
        for (int t = 0; t < 3; t++) {
            double expected = TestClips.squareX(clip.frameIndices()[t], 12, WIDTH) + (TestClips.SQUARE - 1) / 2.0;
            assertThat(brightColumn(clip.tensor(), t)).isCloseTo(expected, org.assertj.core.api.Assertions.within(0.01));
        }
    }

    @Test
    void explainedEndToEndWithHeatmapVideosThatDecode() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(N, WIDTH, HEIGHT), "mp4", 12);
        int t = 8;
        Path model = dir.resolve("cnn3d.onnx");
        Files.write(model, TestModels.cnn3d(3, t, 32, 32, 5, 42).onnx());
        try (Occlusion occ = Occlusion.builder().model(model).window(2, 8, 8).stride(2, 4, 4).targets(Targets.topK(2)).build()) {
            ClipSpec spec = ClipSpec.forModel(occ, 0);
            assertThat(spec).isEqualTo(new ClipSpec(t, 0, 0, 32, 32, false));
            Clip clip = VideoReader.read(mp4, spec);
            VideoMap map = VideoExplainer.explain(occ, clip);
            assertThat(map.targetCount()).isEqualTo(2);
            assertThat(map.pixelMaps().shape()).containsExactly(2, t, 32, 32);
            assertThat(map.variants()).isEqualTo(4L * 7 * 7);

            HeatmapVideoWriter writer = new HeatmapVideoWriter();
            List<BufferedImage> rendered = writer.renderFrames(map, clip, 0);
            assertThat(rendered).hasSize(t);
            int w = rendered.getFirst().getWidth();
            int h = rendered.getFirst().getHeight();
            assertThat(rendered).allSatisfy(img -> assertThat(img.getWidth() * 10000 + img.getHeight()).isEqualTo(w * 10000 + h));

            Path outMp4 = dir.resolve("out/heatmap.mp4");
            Path outGif = dir.resolve("out/heatmap.gif");
            writer.writeVideo(outMp4, map, clip, 0);
            writer.writeVideo(outGif, map, clip, 0);
            VideoInfo mp4Info = VideoReader.probe(outMp4);
            assertThat(mp4Info.codec()).isEqualTo("mpeg4");
            assertThat(mp4Info.width()).isEqualTo(w + (w & 1));
            assertThat(mp4Info.height()).isEqualTo(h + (h & 1));
            assertThat(VideoReader.countFrames(outMp4)).isEqualTo(t);
            VideoInfo gifInfo = VideoReader.probe(outGif);
            assertThat(gifInfo.codec()).isEqualTo("gif");
            assertThat(gifInfo.width()).isEqualTo(w);
            assertThat(gifInfo.height()).isEqualTo(h);
            assertThat(VideoReader.countFrames(outGif)).isEqualTo(t);
            // the decoded GIF frame looks like the rendered one (palette quantisation aside)
            Clip back = VideoReader.read(outGif, ClipSpec.uniform(t));
            assertThat(meanAbsDiff(back.frames().get(3), rendered.get(3))).isLessThan(6.0);
            try (var files = Files.list(dir.resolve("out"))) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly("heatmap.gif", "heatmap.mp4"); // no temporary files left
            }

            List<Path> pngs = writer.writeFramePngs(dir.resolve("frames"), map, clip, 1);
            assertThat(pngs).hasSize(t);
            assertThat(pngs.getFirst().getFileName().toString()).isEqualTo("frame-000.png");
            assertThat(ImageIO.read(pngs.get(t - 1).toFile()).getWidth()).isEqualTo(w);

            Path summary = dir.resolve("summary.png");
            writer.writeSummaryPng(summary, map, clip, 0);
            BufferedImage s = ImageIO.read(summary.toFile());
            assertThat(s.getHeight()).isGreaterThan(TemporalProfilePlot.DEFAULT_HEIGHT);

            Path npy = dir.resolve("map.npy");
            Npy.write(npy, map.pixelMaps());
            Tensor read = Npy.read(npy);
            assertThat(read.shape()).containsExactly(2, t, 32, 32);
            assertThat(read.data()).containsExactly(map.pixelMaps().data());

            Map<String, Object> json = map.summary(clip);
            assertThat(json).containsEntry("mode", "clip-3d").containsEntry("frames", t).containsEntry("source_frames", N);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> targets = (List<Map<String, Object>>) json.get("targets");
            assertThat(targets).hasSize(2);
            assertThat((List<?>) targets.getFirst().get("temporal_profile")).hasSize(t);
        }
    }

    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s < 24; s += 8) {
                    sum += Math.abs(((p >> s) & 255) - ((q >> s) & 255));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }
}
