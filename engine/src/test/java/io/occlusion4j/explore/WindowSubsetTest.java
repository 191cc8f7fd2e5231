package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.ModelFiles;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.WindowSubsets;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Explaining a subset of the windows ({@link Occlusion#explain(Tensor, int[])}). */
class WindowSubsetTest {
    @TempDir
    Path dir;

    private Occlusion linear(boolean perChannel) {
        TestModels.LinearModel m = TestModels.linear(2, new int[] {9, 10}, 3, 11);
        Path file = ModelFiles.write(dir, "lin.onnx", m.onnx());
        return Occlusion.builder().model(file).window(3, 4).stride(2, 2).perChannel(perChannel).targets(Targets.topK(2)).batchSize(4).build();
    }

    @Test
    void subsetEntriesEqualTheFullRunAndTheRestIsNaN() {
        try (Occlusion occ = linear(false)) {
            Tensor x = Tensor.of(ModelFiles.random(3, 2 * 90), 2, 9, 10);
            SensitivityMap full = occ.explain(x);
            int[] subset = {0, 3, 7, 8, 14};
            SensitivityMap part = occ.explain(x, subset);
            assertThat(part.targets()).isEqualTo(full.targets());
            assertThat(part.stats().windows()).isEqualTo(5);
            assertThat(part.stats().forwards()).isEqualTo(2); // 6 samples in batches of 4
            for (int t = 0; t < 2; t++) {
                float[] g = part.gridMap(t).data();
                float[] f = full.gridMap(t).data();
                for (int i = 0; i < g.length; i++) {
                    boolean in = java.util.Arrays.binarySearch(subset, i) >= 0;
                    if (in) {
                        assertThat(g[i]).isCloseTo(f[i], org.assertj.core.data.Offset.offset(1e-6f));
                    } else {
                        assertThat(g[i]).isNaN();
                    }
                }
            }
            // Element (0, 0) is covered by window 0 only: its pixel value is window 0's delta.
            assertThat(part.pixelMap(0).get(0, 0)).isCloseTo(full.gridMap(0).data()[0], org.assertj.core.data.Offset.offset(1e-6f));
            // An element covered only by skipped windows is NaN.
            WindowGrid grid = occ.grid(x);
            assertThat(grid.count()).isEqualTo(4 * 4);
            assertThat(part.pixelMap(0).get(8, 9)).isNaN();
        }
    }

    @Test
    void theWholeSubsetEqualsTheFullRunExactly() {
        try (Occlusion occ = linear(true)) {
            Tensor x = Tensor.of(ModelFiles.random(4, 2 * 90), 2, 9, 10);
            SensitivityMap full = occ.explain(x);
            int n = 2 * occ.grid(x).count();
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            SensitivityMap part = occ.explain(x, all);
            for (int t = 0; t < 2; t++) {
                assertThat(part.gridMap(t).data()).containsExactly(full.gridMap(t).data());
                assertThat(part.pixelMap(t).data()).containsExactly(full.pixelMap(t).data());
            }
        }
    }

    @Test
    void anEmptySubsetRunsOnlyTheUnoccludedForward() {
        TestModels.LinearModel m = TestModels.linear(2, new int[] {9, 10}, 3, 11);
        try (Occlusion occ = linear(false)) {
            float[] data = ModelFiles.random(5, 2 * 90);
            SensitivityMap part = occ.explain(Tensor.of(data, 2, 9, 10), new int[0]);
            double[] expected = m.expected(data);
            for (int k = 0; k < 3; k++) {
                assertThat((double) part.allBaseScores()[k]).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(part.stats().windows()).isZero();
            assertThat(part.stats().forwards()).isEqualTo(1);
        }
    }

    @Test
    void knownBaseScoresSkipTheUnoccludedForward() {
        try (Occlusion occ = linear(false)) {
            Tensor x = Tensor.of(ModelFiles.random(6, 2 * 90), 2, 9, 10);
            int[] subset = {1, 5, 9, 12};
            SensitivityMap scored = occ.explain(x, subset);
            assertThat(scored.stats().forwards()).isEqualTo(2); // 5 samples in batches of 4
            SensitivityMap reused = occ.explain(x, subset, scored.allBaseScores());
            assertThat(reused.stats().forwards()).isEqualTo(1); // the 4 variants only
            assertThat(reused.stats().windows()).isEqualTo(4);
            assertThat(reused.allBaseScores()).containsExactly(scored.allBaseScores());
            assertThat(reused.targets()).isEqualTo(scored.targets());
            for (int t = 0; t < 2; t++) {
                float[] a = reused.gridMap(t).data();
                float[] b = scored.gridMap(t).data();
                for (int i = 0; i < a.length; i++) {
                    if (Float.isNaN(b[i])) {
                        assertThat(a[i]).isNaN();
                    } else {
                        assertThat(a[i]).isEqualTo(b[i]);
                    }
                }
            }
            // The drops are taken against the scores given: shifted base scores shift every drop.
            float[] shifted = scored.allBaseScores().clone();
            int target = scored.targets()[0];
            shifted[target] += 1f;
            SensitivityMap moved = occ.explain(x, subset, shifted);
            assertThat(moved.gridMap(0).data()[5]).isCloseTo(scored.gridMap(0).data()[5] + 1f, org.assertj.core.data.Offset.offset(1e-5f));
            assertThatThrownBy(() -> occ.explain(x, subset, new float[] {1f, 2f})).hasMessageContaining("known base scores have 2 values");
            assertThatThrownBy(() -> occ.explain(x, subset, new float[] {Float.NaN, 0f, 0f})).hasMessageContaining("NaN or Inf");
            assertThatThrownBy(() -> occ.explain(x, new int[0], scored.allBaseScores())).hasMessageContaining("non-empty subset");
        }
    }

    @Test
    void badSubsetsAreRefused() {
        try (Occlusion occ = linear(false)) {
            Tensor x = Tensor.of(ModelFiles.random(3, 2 * 90), 2, 9, 10);
            assertThatThrownBy(() -> occ.explain(x, new int[] {3, 3})).hasMessageContaining("strictly ascending");
            assertThatThrownBy(() -> occ.explain(x, new int[] {16})).hasMessageContaining("out of range").hasMessageContaining("16 windows");
            assertThatThrownBy(() -> occ.explain(x, new int[] {-1})).hasMessageContaining("out of range");
        }
    }

    @Test
    void partialPixelMapAveragesTheExplainedWindowsOnly() {
        WindowGrid grid = WindowGrid.of(new int[] {4}, new int[] {2}, new int[] {1}, io.occlusion4j.Edge.CROP, false);
        // windows [0,2) [1,3) [2,4) [3,4)
        float[] g = {1f, Float.NaN, 3f, Float.NaN};
        float[] p = WindowSubsets.pixelMap(g, grid, 1);
        assertThat(p).containsExactly(1f, 1f, 3f, 3f);
        float[] none = {Float.NaN, Float.NaN, 5f, 7f};
        assertThat(WindowSubsets.pixelMap(none, grid, 1)[0]).isNaN();
        float[] full = {1f, 2f, 3f, 4f};
        assertThat(WindowSubsets.pixelMap(full, grid, 1)).containsExactly(Reductions.pixelMap(full, grid, 1));
    }
}
