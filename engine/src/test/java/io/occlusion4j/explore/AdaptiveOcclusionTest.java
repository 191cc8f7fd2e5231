package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.occlusion4j.Edge;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.metrics.MapSimilarity;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdaptiveOcclusionTest {
    @TempDir
    Path dir;

    /** A linear model on [1, 48, 48] whose weights are non-zero only in a 8x8 patch at (30, 10). */
    private Occlusion localised(int window, int stride) {
        float[] w = new float[48 * 48];
        SplittableRandom r = new SplittableRandom(3);
        for (int y = 30; y < 38; y++) {
            for (int x = 10; x < 18; x++) {
                w[y * 48 + x] = (float) (0.5 + r.nextDouble());
            }
        }
        Path file = HandModels.linear(dir.resolve("local-" + window + ".onnx"), 1, 48, 48, w, 1);
        return Occlusion.builder().model(file).window(window, window).stride(stride, stride).batchSize(16).build();
    }

    static Tensor input() {
        float[] x = new float[48 * 48];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.2 + 0.8 * r.nextDouble());
        }
        return Tensor.of(x, 1, 48, 48);
    }

    @Test
    void refiningEverythingReproducesTheExactMapAndCountsEveryForward() {
        try (Occlusion occ = localised(4, 2)) {
            Tensor x = input();
            SensitivityMap exact = occ.explain(x);
            AdaptiveResult a = AdaptiveOcclusion.explain(occ, x, new AdaptiveOcclusion.Settings(1.0, 3, 1, AdaptiveOcclusion.Rule.CENTRE));
            assertThat(a.exact()).doesNotContain(false);
            assertThat(a.map().gridMap(0).data()).containsExactly(exact.gridMap(0).data(), offset(1e-6f));
            AdaptiveStats s = a.stats();
            assertThat(s.coarseWindow()).containsExactly(12, 12);
            assertThat(s.coarseStride()).containsExactly(6, 6);
            int coarse = WindowGrid.of(new int[] {48, 48}, new int[] {12, 12}, new int[] {6, 6}, Edge.CROP, false).count();
            assertThat(s.coarseVariants()).isEqualTo(coarse);
            assertThat(s.fineVariants()).isEqualTo(exact.stats().windows());
            assertThat(s.forwardsUsed()).isEqualTo(coarse + 1 + exact.stats().windows() + 1);
            assertThat(s.exactForwards()).isEqualTo(exact.stats().windows() + 1);
            assertThat(s.fractionUsed()).isGreaterThan(1.0);
            assertThat(s.fractionSaved()).isNegative();
            assertThat(a.map().stats().windows()).isEqualTo(coarse + exact.stats().windows());
        }
    }

    @Test
    void aLocalisedModelIsReproducedFromAFractionOfTheForwards() {
        try (Occlusion occ = localised(4, 2)) {
            Tensor x = input();
            SensitivityMap exact = occ.explain(x);
            AdaptiveResult a = AdaptiveOcclusion.explain(occ, x, AdaptiveOcclusion.DEFAULT_R);
            // Exact windows equal the exact run; the patch is covered, so the maps agree closely.
            float[] g = a.map().gridMap(0).data();
            float[] e = exact.gridMap(0).data();
            for (int i = 0; i < g.length; i++) {
                if (a.exact()[i]) {
                    assertThat(g[i]).isCloseTo(e[i], offset(1e-5f));
                }
            }
            assertThat(MapSimilarity.ssim(a.map().pixelMap(0), exact.pixelMap(0))).isGreaterThan(0.95);
            assertThat(a.stats().fractionUsed()).isLessThan(0.5);
            assertThat(a.stats().forwardsUsed()).isEqualTo(a.stats().coarseVariants() + a.stats().exactVariants() + 2);
        }
    }

    @Test
    void selectionTakesTheTopCellsWithTheirMargin() {
        // Fine: window 2 stride 2 on 12x12 (6x6 windows). Coarse: window 4 stride 4 (3x3 cells of 4x4).
        WindowGrid fine = WindowGrid.of(new int[] {12, 12}, new int[] {2, 2}, new int[] {2, 2}, Edge.CROP, false);
        WindowGrid coarse = WindowGrid.of(new int[] {12, 12}, new int[] {4, 4}, new int[] {4, 4}, Edge.CROP, false);
        float[] cg = new float[9];
        cg[0] = 5f; // top-left cell
        boolean[] noMargin = AdaptiveOcclusion.select(fine, coarse, new float[][] {cg}, 1, 0.1, 0, AdaptiveOcclusion.Rule.CENTRE);
        // ceil(0.1 * 9) = 1 cell: pixels [0,4)x[0,4), i.e. fine windows (0..1, 0..1).
        assertThat(count(noMargin)).isEqualTo(4);
        assertThat(noMargin[0]).isTrue();
        assertThat(noMargin[1]).isTrue();
        assertThat(noMargin[6]).isTrue();
        assertThat(noMargin[7]).isTrue();
        boolean[] margin = AdaptiveOcclusion.select(fine, coarse, new float[][] {cg}, 1, 0.1, 1, AdaptiveOcclusion.Rule.CENTRE);
        // With the margin: cells (0..1, 0..1) -> pixels [0,8)^2 -> 4x4 fine windows.
        assertThat(count(margin)).isEqualTo(16);
        // Overlap: fine windows touching [0,8)^2 are the same here (windows align with cells).
        assertThat(count(AdaptiveOcclusion.select(fine, coarse, new float[][] {cg}, 1, 0.1, 1, AdaptiveOcclusion.Rule.OVERLAP))).isEqualTo(16);
        // Two targets: the union.
        float[] other = new float[9];
        other[8] = 1f;
        assertThat(count(AdaptiveOcclusion.select(fine, coarse, new float[][] {cg, other}, 1, 0.1, 0, AdaptiveOcclusion.Rule.CENTRE)))
                .isEqualTo(8);
    }

    @Test
    void overlapSelectsMoreThanCentreWhenWindowsStraddleCells() {
        WindowGrid fine = WindowGrid.of(new int[] {12}, new int[] {4}, new int[] {1}, Edge.CROP, false);
        WindowGrid coarse = WindowGrid.of(new int[] {12}, new int[] {4}, new int[] {4}, Edge.CROP, false);
        float[] cg = {0f, 1f, 0f};
        boolean[] centre = AdaptiveOcclusion.select(fine, coarse, new float[][] {cg}, 1, 0.3, 0, AdaptiveOcclusion.Rule.CENTRE);
        boolean[] overlap = AdaptiveOcclusion.select(fine, coarse, new float[][] {cg}, 1, 0.3, 0, AdaptiveOcclusion.Rule.OVERLAP);
        // Cell 1 = [4, 8). Centre elements start + 1 in [4, 8): starts 3..6. Overlapping: starts 1..7.
        assertThat(indices(centre)).containsExactly(3, 4, 5, 6);
        assertThat(indices(overlap)).containsExactly(1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void paintingNeverReadsACoarseWindowThatOverlapsRefinedEvidence() {
        WindowGrid fine = WindowGrid.of(new int[] {24}, new int[] {2}, new int[] {2}, Edge.CROP, false);
        // Coarse windows [0,6) [3,9) [6,12) ... [18,24): overlapping, stride 3.
        WindowGrid coarse = WindowGrid.of(new int[] {24}, new int[] {6}, new int[] {3}, Edge.CROP, false);
        assertThat(coarse.count()).isEqualTo(7);
        float[] cg = {9f, 6f, 0f, 0f, 0f, 2f, 3f};
        boolean[] exact = new boolean[12];
        float[] g = new float[12];
        exact[0] = true; // [0,2): evidence
        g[0] = 5f;
        exact[9] = true; // [18,20): scored, but far below 10 % of the largest drop: not evidence
        g[9] = 0.1f;
        double[] painted = CoarsePainting.paintFromCoarse(fine, coarse, cg, exact, g, 1);
        // [2,4) lies in coarse windows 0 ([0,6), overlaps the evidence) and 1 ([3,9), does not): element 2 reads only
        // window 0, so it counts 0; element 3 reads windows 0 and 1, so it counts 6 / 2. Mean over [2,4): 1.5.
        assertThat(painted[1]).isEqualTo(1.5);
        // [4,6): windows 0 and 1 at both elements: 3.
        assertThat(painted[2]).isEqualTo(3.0);
        // [20,22) lies in coarse windows 5 ([15,21)) and 6 ([18,24)) at element 20, only 6 at 21: (2.5 + 3) / 2.
        assertThat(painted[10]).isEqualTo(2.75);
        // Without the evidence nothing is excluded: [2,4) gets window 0's 9 at element 2, (9 + 6) / 2 at element 3.
        exact[0] = false;
        double[] plain = CoarsePainting.paintFromCoarse(fine, coarse, cg, exact, g, 1);
        assertThat(plain[1]).isEqualTo((9 + 7.5) / 2);
    }

    @Test
    void theFixedModeReportsAnErrorEstimateFromItsSample() {
        try (Occlusion occ = localised(4, 2)) {
            Tensor x = input();
            SensitivityMap exact = occ.explain(x);
            AdaptiveResult a = AdaptiveOcclusion.explain(occ, x, AdaptiveOcclusion.DEFAULT_R);
            ErrorEstimate e = a.stats().estimate();
            assertThat(e).isNotNull();
            assertThat(e.samples()).isGreaterThanOrEqualTo(AdaptiveOcclusion.MIN_SAMPLE);
            double truth = MapSimilarity.ssim(a.map().pixelMap(0), exact.pixelMap(0));
            assertThat(Math.abs(e.ssim() - truth)).as("%s vs %.3f", e, truth).isLessThanOrEqualTo(0.05);
            assertThat(a.stats().mode()).isEqualTo("fixed");
            AdaptiveResult none = AdaptiveOcclusion.explain(occ, x, new AdaptiveOcclusion.Settings(0.05, 3, 1,
                    AdaptiveOcclusion.Rule.CENTRE, 0));
            assertThat(none.stats().estimate()).isNull();
            assertThat(none.stats().exactVariants()).isEqualTo(a.stats().exactVariants() - e.samples());
        }
    }

    @Test
    void targetsAreKeptAndSettingsChecked() {
        try (Occlusion occ = localised(4, 4)) {
            Tensor x = input();
            try (Occlusion two = occ.with(b -> b.targets(Targets.argmax()))) {
                AdaptiveResult a = AdaptiveOcclusion.explain(two, x, 0.2);
                assertThat(a.map().targets()).containsExactly(a.coarse().targets());
            }
        }
        assertThatThrownBy(() -> AdaptiveOcclusion.Settings.of(0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new AdaptiveOcclusion.Settings(0.1, 1, 1, AdaptiveOcclusion.Rule.CENTRE)).hasMessageContaining(">= 2");
    }

    static int count(boolean[] b) {
        int c = 0;
        for (boolean v : b) {
            c += v ? 1 : 0;
        }
        return c;
    }

    static int[] indices(boolean[] b) {
        return java.util.stream.IntStream.range(0, b.length).filter(i -> b[i]).toArray();
    }
}
