package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.occlusion4j.ModelFiles;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiScaleTest {
    @TempDir
    Path dir;

    @Test
    void combinedIsTheMeanOfTheMaxNormalisedScaleMaps() {
        TestModels.LinearModel m = TestModels.linear(3, new int[] {16, 16}, 5, 21);
        Path file = ModelFiles.write(dir, "lin.onnx", m.onnx());
        try (Occlusion occ = Occlusion.builder().model(file).window(4, 4).targets(Targets.topK(2)).build()) {
            Tensor x = Tensor.of(ModelFiles.random(8, 3 * 256), 3, 16, 16);
            List<int[]> windows = List.of(new int[] {2, 2}, new int[] {4, 4}, new int[] {8, 8});
            MultiScale.Result r = MultiScale.explain(occ, x, windows);
            assertThat(r.scales()).hasSize(3);
            assertThat(r.stats().unoccludedSamples()).isEqualTo(3);
            int variants = 0;
            for (int s = 0; s < 3; s++) {
                int[] w = windows.get(s);
                int[] st = {w[0] / 2, w[1] / 2};
                try (Occlusion single = occ.with(b -> b.window(w).stride(st))) {
                    SensitivityMap alone = single.explain(x);
                    assertThat(r.scales().get(s).pixelMap(1).data()).containsExactly(alone.pixelMap(1).data(), offset(1e-6f));
                    variants += alone.stats().windows();
                }
                assertThat(r.scales().get(s).targets()).containsExactly(r.targets());
            }
            assertThat(r.stats().variants()).isEqualTo(variants);
            for (int t = 0; t < 2; t++) {
                float[] c = r.combined().get(t).data();
                for (int i = 0; i < c.length; i += 37) {
                    double sum = 0;
                    for (SensitivityMap s : r.scales()) {
                        float[] p = s.pixelMap(t).data();
                        double max = 0;
                        for (float v : p) {
                            max = Math.max(max, Math.abs(v));
                        }
                        sum += p[i] / max;
                    }
                    assertThat((double) c[i]).isCloseTo(sum / 3, offset(1e-6));
                }
                float max = 0;
                for (float v : c) {
                    max = Math.max(max, Math.abs(v));
                }
                assertThat(max).isLessThanOrEqualTo(1f + 1e-6f);
            }
            BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            List<HeatmapRenderer.Panel> panels = r.panels(image, 0, "class");
            assertThat(panels).hasSize(4);
            assertThat(panels.get(1).label()).isEqualTo("class window 2x2");
            BufferedImage row = new HeatmapRenderer().renderPanels(panels);
            assertThat(row.getWidth()).isEqualTo(4 * new HeatmapRenderer().render(panels.getFirst()).getWidth());
        }
    }
}
