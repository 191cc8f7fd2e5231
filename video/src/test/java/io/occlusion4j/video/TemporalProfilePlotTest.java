package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Occlusion;
import io.occlusion4j.Targets;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemporalProfilePlotTest {
    @TempDir
    Path dir;

    /** Pixels of {@code rgb} in the middle column of frame {@code t}'s bar. */
    static int barPixels(BufferedImage img, double[] profile, int t, int rgb) {
        int[] span = TemporalProfilePlot.barSpan(profile, img.getWidth(), t);
        int x = (span[0] + span[1] - 1) / 2;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            n += (img.getRGB(x, y) & 0xFFFFFF) == (rgb & 0xFFFFFF) ? 1 : 0;
        }
        return n;
    }

    @Test
    void barsFollowTheProfileAndTheHighlightedFrameStandsOut() {
        double[] profile = {1, 5, 2, -1, 0};
        BufferedImage img = TemporalProfilePlot.render(profile, 300, 120, 1, "profile");
        assertThat(img.getWidth()).isEqualTo(300);
        assertThat(img.getHeight()).isEqualTo(120);
        int b0 = barPixels(img, profile, 0, TemporalProfilePlot.BAR);
        int b1 = barPixels(img, profile, 1, TemporalProfilePlot.HIGHLIGHT);
        int b2 = barPixels(img, profile, 2, TemporalProfilePlot.BAR);
        int b3 = barPixels(img, profile, 3, TemporalProfilePlot.BAR);
        assertThat(barPixels(img, profile, 1, TemporalProfilePlot.BAR)).isZero();
        assertThat(b1).isGreaterThan(b2).isGreaterThan(b0);
        assertThat(b3).as("a negative value draws a bar below the zero line").isPositive();
        assertThat(b1 / (double) b0).isBetween(4.0, 6.0);
    }

    @Test
    void tooSmallOrEmptyIsRefused() {
        assertThatThrownBy(() -> TemporalProfilePlot.render(new double[0], 300, 120, -1, "")).hasMessageContaining("empty");
        assertThatThrownBy(() -> TemporalProfilePlot.render(new double[] {1}, 20, 10, -1, "")).hasMessageContaining("too small");
    }

    @Test
    void videoFramesShareOneColourScale() {
        int[] box = {4, 10, 12, 18};
        Path model = PlantedModels.frameModel(dir.resolve("frame.onnx"), 20, 24, box);
        try (Occlusion occ = Occlusion.builder().model(model).window(4, 4).stride(2, 2).targets(Targets.of(0)).build()) {
            var clipTensor = PlantedRegionTest.randomClip(3, 20, 24, 5);
            VideoMap map = VideoExplainer.explainPerFrame(occ, clipTensor, null);
            List<BufferedImage> frames = new java.util.ArrayList<>();
            for (int t = 0; t < 3; t++) {
                frames.add(new BufferedImage(24, 20, BufferedImage.TYPE_INT_RGB));
            }
            Clip clip = new Clip(clipTensor, frames, new int[] {0, 1, 2}, 3, 0, "test");
            HeatmapVideoWriter writer = new HeatmapVideoWriter();
            var r = writer.rendererFor(map, 0);
            float max = Float.NEGATIVE_INFINITY;
            for (float v : map.pixelMap(0).data()) {
                max = Math.max(max, v);
            }
            assertThat(r.options().vmax()).isEqualTo((double) max);
            assertThat(r.options().vmin()).isEqualTo(0.0);
            assertThat(writer.renderFrames(map, clip, 0)).hasSize(3);
        }
    }
}
