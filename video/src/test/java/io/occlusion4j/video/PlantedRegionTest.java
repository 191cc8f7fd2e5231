package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.occlusion4j.Edge;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.SplitMix64;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 3-D CNN whose output depends only on a planted spatio-temporal box: the map's maximum must land in
 * the box in time and in space, and frames whose windows never touch the box must have a zero profile.
 */
class PlantedRegionTest {
    static final int T = 8;
    static final int H = 20;
    static final int W = 24;
    /** t in [4, 6), y in [6, 12), x in [14, 20). */
    static final int[] BOX = {4, 6, 6, 12, 14, 20};

    @TempDir
    Path dir;

    static Tensor randomClip(int t, int h, int w, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] data = new float[3 * t * h * w];
        for (int i = 0; i < data.length; i++) {
            data[i] = rng.uniform(0.2f, 1f);
        }
        return Tensor.of(data, 3, t, h, w);
    }

    @ParameterizedTest
    @EnumSource(Edge.class)
    void mapMaximumLiesInThePlantedBoxInTimeAndSpace(Edge edge) {
        Path model = PlantedModels.clipModel(dir.resolve("planted.onnx"), T, H, W, BOX);
        // window 2x4x4 at stride 1x3x3: overlapping windows, and (20 - 4) and (24 - 4) are not multiples of 3, so the edge policies differ
        try (Occlusion occ = Occlusion.builder().model(model).window(2, 4, 4).stride(1, 3, 3).edge(edge)
                .targets(Targets.of(0)).build()) {
            VideoMap map = VideoExplainer.explain(occ, randomClip(T, H, W, 7));
            assertThat(map.mode()).isEqualTo(VideoMap.Mode.CLIP_3D);
            assertThat(map.pixelMaps().shape()).containsExactly(1, T, H, W);
            int[] at = map.argmax(0);
            assertThat(at[0]).as("time of the maximum").isBetween(BOX[0], BOX[1] - 1);
            assertThat(at[1]).as("row of the maximum").isBetween(BOX[2], BOX[3] - 1);
            assertThat(at[2]).as("column of the maximum").isBetween(BOX[4], BOX[5] - 1);

            double[] profile = map.temporalProfile(0);
            int peak = map.peakFrame(0);
            assertThat(peak).isBetween(BOX[0], BOX[1] - 1);
            // windows of 2 frames at stride 1 touch the box only from frames BOX[0]-1 .. BOX[1]; the rest is exactly 0
            for (int f = 0; f < T; f++) {
                if (f < BOX[0] - 1 || f > BOX[1]) {
                    assertThat(profile[f]).as("profile of frame %d", f).isEqualTo(0.0);
                }
            }
            assertThat(profile[peak]).isGreaterThan(0);
            // the profile is the map summed per frame
            float[] frame = map.frameMap(0, peak);
            double sum = 0;
            for (float v : frame) {
                sum += v;
            }
            assertThat(profile[peak]).isCloseTo(sum, within(1e-9 * Math.max(1, Math.abs(sum))));
        }
    }

    @Test
    void perFrameModeExplainsEveryFrameWithTheFrameModel() {
        int[] box = {4, 10, 12, 18};
        Path model = PlantedModels.frameModel(dir.resolve("frame.onnx"), H, W, box);
        Tensor clip = randomClip(4, H, W, 11);
        try (Occlusion occ = Occlusion.builder().model(model).window(4, 4).stride(2, 2).build()) {
            VideoMap map = VideoExplainer.explain(occ, clip);
            assertThat(map.mode()).isEqualTo(VideoMap.Mode.PER_FRAME);
            assertThat(map.runs()).hasSize(4);
            assertThat(map.pixelMaps().shape()).containsExactly(1, 4, H, W);
            for (int f = 0; f < 4; f++) {
                assertThat(map.targets(f)).containsExactly(0);
                // each frame's map is exactly the frame explained on its own
                SensitivityMap alone = occ.explain(Clip.frameOf(clip, f));
                assertThat(map.frameMap(0, f)).containsExactly(alone.pixelMap(0).data());
                // and its maximum is in the planted box
                float[] m = map.frameMap(0, f);
                int best = 0;
                for (int p = 1; p < m.length; p++) {
                    if (m[p] > m[best]) {
                        best = p;
                    }
                }
                assertThat(best / W).isBetween(box[0], box[1] - 1);
                assertThat(best % W).isBetween(box[2], box[3] - 1);
            }
            assertThat(map.summary(null)).containsEntry("mode", "per-frame").containsKey("per_frame");
        }
    }
}
