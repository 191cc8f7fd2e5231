package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Edge;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.onnx.EvidenceModels;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --adaptive auto}: on scorers with a closed form (a window's drop is the sum of an evidence image over it) and
 * on the evidence CNNs through ONNX Runtime.
 */
class AutoAdaptiveTest {
    private static final WindowGrid GRID = WindowGrid.of(new int[] {64, 64}, new int[] {8, 8}, new int[] {2, 2}, Edge.CROP, false);
    private static final int[] PIXELS = {64, 64};

    @TempDir
    Path dir;

    /** Evidence only in a disc of radius 5 around (44, 18). */
    private static float[] localEvidence() {
        float[] e = new float[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                double r2 = (y - 44) * (y - 44) + (x - 18) * (x - 18);
                e[y * 64 + x] = r2 <= 25 ? (float) (1 + 0.02 * x) : 0f;
            }
        }
        return e;
    }

    /** Evidence everywhere: a smooth texture plus seeded noise. */
    private static float[] spreadEvidence(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] e = new float[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                e[y * 64 + x] = (float) (Math.sin(0.21 * y + seed) * Math.cos(0.17 * x) + 0.3 * r.nextGaussian());
            }
        }
        return e;
    }

    /** The exact grid map: each window's drop is the sum of the evidence over its region. */
    private static float[] exactGrid(float[] evidence) {
        float[] g = new float[GRID.count()];
        int[] start = new int[2];
        int[] extent = new int[2];
        for (int p = 0; p < g.length; p++) {
            GRID.region(p, start, extent);
            double s = 0;
            for (int y = start[0]; y < start[0] + extent[0]; y++) {
                for (int x = start[1]; x < start[1] + extent[1]; x++) {
                    s += evidence[y * 64 + x];
                }
            }
            g[p] = (float) s;
        }
        return g;
    }

    private static AutoRuns.Run run(float[] exact, long seed) {
        return AutoRuns.run(GRID, exact, AutoSettings.defaults().withSeed(seed));
    }

    @Test
    void evidenceInOneRegionIsMappedFromAFractionOfTheWindows() {
        float[] exact = exactGrid(localEvidence());
        for (long seed = 1; seed <= 3; seed++) {
            AutoRuns.Run r = run(exact, seed);
            assertThat(r.trueSsim()).as("seed %d", seed).isGreaterThanOrEqualTo(0.95);
            assertThat(r.scored()).as("seed %d: windows scored", seed).isLessThan(GRID.count() / 3);
            assertThat(r.outcome().estimate().ssim()).isGreaterThanOrEqualTo(0.95);
            assertThat(Math.abs(r.outcome().estimate().ssim() - r.trueSsim())).isLessThanOrEqualTo(0.05);
            // Windows scored are exact; nothing is scored twice.
            AutoRuns.assertScoredWindowsExact(r, exact, "seed " + seed);
        }
    }

    @Test
    void spreadEvidenceCostsMoreAndTheEstimateStaysNearTheTruth() {
        int local = run(exactGrid(localEvidence()), 1).scored();
        for (long seed = 1; seed <= 3; seed++) {
            AutoRuns.Run r = run(exactGrid(spreadEvidence(seed)), seed);
            assertThat(r.scored()).as("seed %d", seed).isGreaterThan(local);
            assertThat(r.trueSsim()).as("seed %d", seed).isGreaterThanOrEqualTo(0.9);
            assertThat(Math.abs(r.outcome().estimate().ssim() - r.trueSsim())).as("seed %d: %s vs %.3f", seed, r.outcome().estimate(),
                    r.trueSsim()).isLessThanOrEqualTo(0.05);
        }
    }

    @Test
    void aGoalOfOneScoresEveryWindow() {
        float[] exact = exactGrid(spreadEvidence(5));
        int[] scored = {0};
        AutoAdaptive.Outcome o = AutoAdaptive.run(GRID, 1, PIXELS, positions -> {
            scored[0] += positions.length;
            float[] out = new float[exact.length];
            for (int p : positions) {
                out[p] = exact[p];
            }
            return new float[][] {out};
        }, AutoSettings.defaults().withTarget(1.0));
        assertThat(scored[0]).isEqualTo(GRID.count());
        assertThat(o.values()[0]).containsExactly(exact);
        assertThat(o.estimate().ssim()).isEqualTo(1.0);
        assertThatThrownBy(() -> AutoSettings.defaults().withTarget(0)).hasMessageContaining("(0, 1]");
    }

    @Test
    void theRunStopsOnTheLowestDrawNotOnTheMean() {
        AutoSettings auto = AutoSettings.defaults();
        // A mean above the goal with a draw below it (BlazeFace's seeds 1-2 before: mean 0.952 / 0.963, true 0.915 / 0.909).
        assertThat(AutoAdaptive.mayStop(new ErrorEstimate(0.99, 0.94, 0.01, 40, 16, "t"), auto)).isFalse();
        assertThat(AutoAdaptive.mayStop(new ErrorEstimate(0.96, 0.95, 0.01, 40, 16, "t"), auto)).isTrue();
        assertThat(AutoAdaptive.mayStop(new ErrorEstimate(0.97, 0.949, 0.01, 40, 16, "t"), auto)).isFalse();
        // Every run of the closed-form scorers that stopped on an estimate stopped on a bound at the goal.
        for (long seed = 1; seed <= 3; seed++) {
            ErrorEstimate e = run(exactGrid(localEvidence()), seed).outcome().estimate();
            assertThat(e.ssimLow()).as("seed %d: %s", seed, e).isGreaterThanOrEqualTo(auto.targetSsim());
        }
    }

    @Test
    void samplesGrowNextToEvidenceAndTheFarStratumGetsOnlyItsMinimum() {
        assertThat(Sampling.minPerStratum(0, 500)).isEqualTo(4);
        assertThat(Sampling.minPerStratum(1, 500)).isEqualTo(4);
        assertThat(Sampling.minPerStratum(2, 20)).isEqualTo(8);
        assertThat(Sampling.minPerStratum(2, 200)).isEqualTo(12);
        // Far from evidence: the minimum, not the share by size (400 of 800 windows would want 17 of 34).
        assertThat(Sampling.wanted(0, 400, 34, 800)).isEqualTo(4);
        assertThat(Sampling.wanted(1, 400, 34, 800)).isEqualTo(17);
        assertThat(Sampling.wanted(3, 200, 34, 800)).isEqualTo(12);
        assertThat(Sampling.wanted(3, 5, 34, 800)).isEqualTo(5);
        // A top-up continues the earlier draw: no window drawn twice.
        java.util.List<Integer> pool = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 50).boxed().toList());
        SplittableRandom rng = new SplittableRandom(3);
        java.util.List<Integer> first = Sampling.drawMore(pool, 0, 8, rng);
        java.util.List<Integer> more = Sampling.drawMore(pool, 8, 25, rng);
        assertThat(first).hasSize(8).doesNotContainAnyElementsOf(more);
        assertThat(more).hasSize(17).doesNotHaveDuplicates();
    }

    @Test
    void leavesTwoWideAreLeftToTheEstimate() {
        RefinementGrid.Cell small = new RefinementGrid.Cell(new int[] {4, 4}, new int[] {6, 6});
        RefinementGrid.Cell large = new RefinementGrid.Cell(new int[] {4, 4}, new int[] {8, 8});
        assertThat(AutoAdaptive.splitThreshold(small, 0.3)).isInfinite();
        assertThat(AutoAdaptive.splitThreshold(small, 0.01)).isInfinite();
        assertThat(AutoAdaptive.splitThreshold(large, 0.3)).isEqualTo(0.3);
    }

    @Test
    void aSplitGivesEachChildItsNewCornersSurplusAsItsOwnSamples() {
        RefinementGrid rg = new RefinementGrid(new int[] {9, 9}, new int[] {4, 4});
        float[] exact = new float[81];
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 9; x++) {
                exact[y * 9 + x] = (float) (y * y + 0.5 * x * x); // curved: the parent's bilinear painting errs between its corners
            }
        }
        float[][] values = {new float[81]};
        boolean[] known = new boolean[81];
        AutoCommon.Update up = positions -> {
            for (int p : positions) {
                values[0][p] = exact[p];
                known[p] = true;
            }
        };
        up.score(rg.cornerPositions());
        AutoCommon.Hints hints = new AutoCommon.Hints(new java.util.IdentityHashMap<>(), new java.util.IdentityHashMap<>());
        RefinementGrid.Cell parent = rg.leaves().get(0); // [0..4] x [0..4]
        AutoAdaptive.splitAndScore(rg, java.util.List.of(parent), values, 1, known, hints, up);
        double range = AutoCommon.ranges(values)[0];
        int[] coord = new int[2];
        int counted = 0;
        for (RefinementGrid.Cell child : rg.leaves()) {
            if (child.width() != 2) {
                continue;
            }
            java.util.List<ErrorEstimator.Sample> own = hints.history().get(child);
            assertThat(own).as("child %s", java.util.Arrays.toString(child.lo())).isNotEmpty();
            double worst = 0;
            for (ErrorEstimator.Sample smp : own) {
                rg.unravel(smp.window(), coord);
                // The surplus: exact against the parent's bilinear painting there, placed where it sat in the parent.
                double painted = rg.interpolate(exact, 0, parent, coord);
                assertThat(smp.residual()[0]).isCloseTo(exact[smp.window()] - painted, org.assertj.core.data.Offset.offset(1e-4));
                assertThat(smp.place()).isEqualTo(coord[0] == 2 && coord[1] == 2 ? 1.0 : 0.5);
                worst = Math.max(worst, Math.abs(smp.residual()[0]) / range);
                counted++;
            }
            assertThat(hints.surplus().get(child)).isCloseTo(worst, org.assertj.core.data.Offset.offset(1e-6));
        }
        // 4 children, 3 new corners each (the centre shared by all), 5 new windows in all.
        assertThat(counted).isEqualTo(12);
        // Splitting a child drops its own samples: its children carry theirs.
        RefinementGrid.Cell child = rg.leaves().stream().filter(c -> c.width() == 2).findFirst().orElseThrow();
        AutoAdaptive.splitAndScore(rg, java.util.List.of(child), values, 1, known, hints, up);
        assertThat(hints.history()).doesNotContainKey(child);
    }

    @Test
    void aSplitLeafWithFlatCornersIsNotSplitAgainForItsSurplus() {
        RefinementGrid rg = new RefinementGrid(new int[] {9, 9}, new int[] {4, 4});
        float[][] values = {new float[81]};
        values[0][0] = 1f; // the map's largest |value|, at the corner of the first lattice cell
        RefinementGrid.Cell first = rg.leaves().get(0);
        java.util.List<RefinementGrid.Cell> kids = rg.split(first);
        RefinementGrid.Cell atPeak = kids.get(0);
        RefinementGrid.Cell away = kids.get(3);
        values[0][2 * 9 + 2] = 0.04f; // the children's shared corner; every corner of 'away' is below 5 % of the maximum
        double[] range = AutoCommon.ranges(values);
        AutoCommon.Hints hints = new AutoCommon.Hints(new java.util.IdentityHashMap<>(), new java.util.IdentityHashMap<>());
        hints.surplus().put(atPeak, 0.5);
        hints.surplus().put(away, 0.5);
        assertThat(AutoCommon.flat(rg, away, values, 1, range)).isTrue();
        assertThat(AutoCommon.flat(rg, atPeak, values, 1, range)).isFalse();
        assertThat(AutoAdaptive.indicator(rg, atPeak, values, 1, range, hints)).isEqualTo(0.5);
        assertThat(AutoAdaptive.indicator(rg, away, values, 1, range, hints)).isZero();
        // A residual sampled inside it still counts.
        hints.sampled().put(away, 0.2);
        assertThat(AutoAdaptive.indicator(rg, away, values, 1, range, hints)).isEqualTo(0.2);
    }

    @Test
    void theSampleIsKeptAcrossRoundsAndOnlyToppedUp() {
        float[] exact = exactGrid(localEvidence());
        int count = GRID.count();
        RefinementGrid rg = new RefinementGrid(GRID.gridShape(), new int[] {4, 4});
        boolean[] known = new boolean[count];
        float[][] values = {new float[count]};
        int[] scored = {0};
        AutoCommon.Update up = positions -> {
            for (int p : positions) {
                assertThat(known[p]).as("window %d scored twice", p).isFalse();
                values[0][p] = exact[p];
                known[p] = true;
            }
            scored[0] += positions.length;
        };
        up.score(rg.cornerPositions());
        boolean[] sampled = new boolean[count];
        AutoCommon.Hints hints = new AutoCommon.Hints(new java.util.IdentityHashMap<>(), new java.util.IdentityHashMap<>());
        SplittableRandom rng = new SplittableRandom(1);
        int lattice = scored[0];
        ErrorEstimate first = AutoSample.sampleAndEstimate(GRID, rg, values, 1, known, sampled, PIXELS, hints, up, rng,
                AutoSettings.defaults());
        int drawn = scored[0] - lattice;
        assertThat(drawn).isPositive();
        assertThat(RefinementGrid.indices(sampled)).hasSize(drawn);
        assertThat(first.samples()).isEqualTo(drawn);
        // Nothing changed: the second estimate scores nothing new and uses the same windows.
        ErrorEstimate second = AutoSample.sampleAndEstimate(GRID, rg, values, 1, known, sampled, PIXELS, hints, up, rng,
                AutoSettings.defaults());
        assertThat(scored[0] - lattice).isEqualTo(drawn);
        assertThat(second.samples()).isEqualTo(drawn);
        // A sampled window that a split makes a corner leaves the sample; the others stay.
        RefinementGrid.Cell leaf = rg.leaves().get(0);
        int mid = ((leaf.lo()[0] + leaf.hi()[0]) / 2) * GRID.gridShape()[1] + (leaf.lo()[1] + leaf.hi()[1]) / 2;
        if (!sampled[mid]) {
            up.score(new int[] {mid});
            sampled[mid] = true;
        }
        boolean[] fresh = new boolean[count];
        boolean[] corner = new boolean[count];
        for (RefinementGrid.Cell child : rg.split(leaf)) {
            rg.corners(child, p -> {
                fresh[p] = !known[p];
                corner[p] = true;
            });
        }
        int kept = 0;
        for (int p = 0; p < count; p++) {
            kept += sampled[p] && !corner[p] ? 1 : 0;
        }
        up.score(RefinementGrid.indices(fresh));
        int before = scored[0];
        AutoSample.sampleAndEstimate(GRID, rg, values, 1, known, sampled, PIXELS, hints, up, rng, AutoSettings.defaults());
        assertThat(sampled[mid]).isFalse();
        assertThat(RefinementGrid.indices(sampled).length).isGreaterThanOrEqualTo(kept).isLessThanOrEqualTo(kept + scored[0] - before);
    }

    @Test
    void latticeStepFollowsWindowOverStride() {
        assertThat(AutoAdaptive.latticeStep(GRID, 8)).containsExactly(4, 4);
        WindowGrid dense = WindowGrid.of(new int[] {64, 64}, new int[] {16, 8}, new int[] {1, 4}, Edge.CROP, false);
        assertThat(AutoAdaptive.latticeStep(dense, 8)).containsExactly(8, 2);
    }

    @Test
    void perChannelAndVolumesKeepEveryScoredWindowExact() throws java.io.IOException {
        Path linear = java.nio.file.Files.write(dir.resolve("lin3.onnx"), io.occlusion4j.onnx.TestModels.linear(3, new int[] {12, 12}, 2, 5).onnx());
        Path cnn3d = java.nio.file.Files.write(dir.resolve("c3d.onnx"), io.occlusion4j.onnx.TestModels.cnn3d(1, 6, 12, 12, 3, 5).onnx());
        SplittableRandom r = new SplittableRandom(8);
        float[] a = new float[3 * 12 * 12];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble();
        }
        float[] v = new float[6 * 12 * 12];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble();
        }
        try (Occlusion pc = Occlusion.builder().model(linear).window(4, 4).stride(1, 1).perChannel(true).build();
             Occlusion vol = Occlusion.builder().model(cnn3d).window(2, 4, 4).stride(1, 1, 1).build()) {
            for (Object[] c : new Object[][] {{pc, Tensor.of(a, 3, 12, 12)}, {vol, Tensor.of(v, 1, 6, 12, 12)}}) {
                Occlusion o = (Occlusion) c[0];
                Tensor x = (Tensor) c[1];
                SensitivityMap exact = o.explain(x);
                AdaptiveResult res = AdaptiveOcclusion.explainAuto(o, x, AutoSettings.defaults());
                assertThat(res.map().pixelShape()).containsExactly(exact.pixelShape());
                float[] g = res.map().gridMap(0).data();
                float[] e = exact.gridMap(0).data();
                assertThat(res.exact()).hasSize(e.length);
                for (int i = 0; i < e.length; i++) {
                    if (res.exact()[i]) {
                        assertThat(g[i]).isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
                assertThat(res.stats().estimate()).isNotNull();
                assertThat(res.stats().estimate().ssim()).isGreaterThanOrEqualTo(0.95);
            }
        }
    }

    // ------------------------------------------------------------------------------------ evidence CNNs

    private static Tensor image(long seed, int side) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[3 * side * side];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                for (int xx = 0; xx < side; xx++) {
                    x[(c * side + y) * side + xx] = (float) (0.5 + 0.3 * Math.sin(0.3 * y + c) * Math.cos(0.2 * xx) + 0.1 * r.nextDouble());
                }
            }
        }
        return Tensor.of(x, 3, side, side);
    }

    @Test
    void theRegionModelReadsOnlyItsBoxAndTheSpreadModelReadsEverything() {
        int[] box = {36, 8, 52, 24};
        Path region = EvidenceModels.region(dir.resolve("region.onnx"), 3, 64, 64, 4, 7, box);
        Path spread = EvidenceModels.spread(dir.resolve("spread.onnx"), 3, 64, 64, 4, 7);
        Tensor x = image(3, 64);
        try (Occlusion o = Occlusion.builder().model(region).window(8, 8).stride(2, 2).build();
             Occlusion s = Occlusion.builder().model(spread).window(8, 8).stride(2, 2).build()) {
            // The output responds to the input.
            assertThat(o.explain(x, new int[0]).baseScores()[0]).isNotEqualTo(o.explain(image(4, 64), new int[0]).baseScores()[0]);
            SensitivityMap m = o.explain(x);
            float[] g = m.gridMap(0).data();
            int[] start = new int[2];
            int[] extent = new int[2];
            int inside = 0;
            for (int p = 0; p < g.length; p++) {
                GRID.region(p, start, extent);
                // The score reads the box and a halo of at most 6 pixels (two 3x3 convolutions and a 2x2 pool).
                boolean near = start[0] < box[2] + 6 && start[0] + extent[0] > box[0] - 6 && start[1] < box[3] + 6
                        && start[1] + extent[1] > box[1] - 6;
                if (!near) {
                    assertThat(g[p]).as("window %d far from the box", p).isZero();
                } else if (g[p] != 0) {
                    inside++;
                }
            }
            assertThat(inside).isGreaterThan(20);
            float[] sg = s.explain(x).gridMap(0).data();
            int nonzero = 0;
            for (float v : sg) {
                nonzero += v != 0 ? 1 : 0;
            }
            assertThat(nonzero).isGreaterThan(sg.length * 9 / 10);
        }
    }

    @Test
    void autoOnTheRegionModelMatchesTheExactMapFromPartOfTheForwards() {
        Path region = EvidenceModels.region(dir.resolve("region2.onnx"), 3, 64, 64, 4, 9, new int[] {8, 36, 24, 52});
        Tensor x = image(5, 64);
        try (Occlusion o = Occlusion.builder().model(region).window(8, 8).stride(2, 2).build()) {
            SensitivityMap exact = o.explain(x);
            AdaptiveResult a = AdaptiveOcclusion.explainAuto(o, x, AutoSettings.defaults());
            double ssim = MapSimilarity.ssim(a.map().pixelMap(0), exact.pixelMap(0));
            assertThat(ssim).isGreaterThanOrEqualTo(0.95);
            AdaptiveStats s = a.stats();
            assertThat(s.mode()).isEqualTo("auto");
            assertThat(s.fractionUsed()).isLessThan(0.5);
            // The unoccluded input is scored once per run, by the first pass; later passes reuse its scores.
            assertThat(s.passes()).isGreaterThan(1);
            assertThat(s.forwardsUsed()).isEqualTo(s.exactVariants() + 1);
            assertThat(s.exactForwards()).isEqualTo(exact.stats().windows() + 1);
            assertThat(Math.abs(s.estimate().ssim() - ssim)).isLessThanOrEqualTo(0.05);
            float[] g = a.map().gridMap(0).data();
            float[] e = exact.gridMap(0).data();
            for (int i = 0; i < g.length; i++) {
                if (a.exact()[i]) {
                    assertThat(g[i]).isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }
}
