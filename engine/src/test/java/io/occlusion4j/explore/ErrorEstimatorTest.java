package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Edge;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.metrics.MapSimilarity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ErrorEstimatorTest {
    private static final WindowGrid GRID = WindowGrid.of(new int[] {64, 64}, new int[] {8, 8}, new int[] {2, 2}, Edge.CROP, false);
    private static final int[] PIXELS = {64, 64};

    /** A smooth exact map on the 29x29 grid, plus an approximate one whose painted windows err by one value per 4x4 block. */
    private record Scenario(float[] exact, float[] approx, int[] group, int[] strata, List<ErrorEstimator.Sample> samples) {}

    private static Scenario scenario(double sigma, long seed, int sampleCount) {
        return scenario(sigma, seed, sampleCount, false);
    }

    /** As above; {@code apart}: every painted window errs by its own value instead of its block's. */
    private static Scenario scenario(double sigma, long seed, int sampleCount, boolean apart) {
        int n = GRID.count();
        int side = GRID.gridShape()[0];
        float[] exact = new float[n];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                exact[y * side + x] = (float) (Math.sin(0.3 * y) * Math.cos(0.2 * x) + 0.5 * Math.exp(-((y - 8) * (y - 8) + (x - 20) * (x - 20)) / 20.0));
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int blocks = (side + 3) / 4;
        double[] blockError = new double[blocks * blocks];
        for (int b = 0; b < blockError.length; b++) {
            blockError[b] = sigma * rng.nextGaussian();
        }
        double[] windowError = new double[n];
        for (int p = 0; p < n; p++) {
            windowError[p] = sigma * rng.nextGaussian();
        }
        float[] approx = exact.clone();
        int[] group = new int[n];
        boolean[] painted = new boolean[n];
        for (int p = 0; p < n; p++) {
            int y = p / side;
            int x = p % side;
            // Every 4th position per axis is scored; the rest is painted with its block's error.
            painted[p] = y % 4 != 0 || x % 4 != 0;
            group[p] = painted[p] ? (y / 4) * blocks + x / 4 : -1;
        }
        List<Integer> candidates = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            if (painted[p]) {
                candidates.add(p);
            }
        }
        List<ErrorEstimator.Sample> samples = new ArrayList<>();
        for (int i = 0; i < sampleCount; i++) {
            int j = i + rng.nextInt(candidates.size() - i);
            int p = candidates.get(j);
            candidates.set(j, candidates.get(i));
            candidates.set(i, p);
            // A sampled window is exact in the map handed to the estimator and gives its residual.
            samples.add(new ErrorEstimator.Sample(p, 0, new double[] {-(apart ? windowError[p] : blockError[group[p]])}));
            group[p] = -1;
        }
        for (int p = 0; p < n; p++) {
            if (group[p] >= 0) {
                approx[p] += (float) (apart ? windowError[p] : blockError[group[p]]);
            }
        }
        int[] strata = new int[blocks * blocks];
        return new Scenario(exact, approx, group, strata, samples);
    }

    private static double trueSsim(Scenario s) {
        return MapSimilarity.ssim(Tensor.of(Reductions.pixelMap(s.approx(), GRID, 1), PIXELS),
                Tensor.of(Reductions.pixelMap(s.exact(), GRID, 1), PIXELS));
    }

    @Test
    void theEstimateTracksTheTrueSsimWhenErrorsComeInCells() {
        for (double sigma : new double[] {0.02, 0.08, 0.2}) {
            for (long seed = 1; seed <= 3; seed++) {
                Scenario s = scenario(sigma, seed, 40);
                ErrorEstimate e = ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {s.approx()}, s.group(), s.strata(),
                        s.samples(), 16, seed, "test");
                double truth = trueSsim(s);
                assertThat(Math.abs(e.ssim() - truth)).as("sigma %s seed %d: estimate %s, true %.3f", sigma, seed, e, truth)
                        .isLessThanOrEqualTo(0.05);
                assertThat(e.ssimLow()).isLessThanOrEqualTo(e.ssim());
                assertThat(e.samples()).isEqualTo(40);
            }
        }
    }

    @Test
    void largerResidualsGiveALowerEstimateAndZeroResidualsGiveOne() {
        double previous = 1.0 + 1e-9;
        for (double sigma : new double[] {0.0, 0.05, 0.2, 0.6}) {
            Scenario s = scenario(sigma, 7, 30);
            ErrorEstimate e = ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {s.approx()}, s.group(), s.strata(),
                    s.samples(), 8, 1, "test");
            if (sigma == 0) {
                // Painted values outside the scored windows' range are clamped into it: 1 up to rounding.
                assertThat(e.ssim()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
                assertThat(e.relativeRmse()).isZero();
            }
            assertThat(e.ssim()).as("sigma %s", sigma).isLessThan(previous);
            previous = e.ssim();
        }
        assertThat(previous).isLessThan(0.8);
    }

    @Test
    void aGroupsOwnSamplesEnterItsDraws() {
        Scenario s = scenario(0.0, 7, 30);
        float[][] map = {s.approx()};
        ErrorEstimate plain = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), 8, 1, "t");
        @SuppressWarnings("unchecked")
        List<ErrorEstimator.Sample>[] none = new List[s.strata().length];
        ErrorEstimate empty = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), none, 8, 1, "t");
        assertThat(empty.ssim()).isEqualTo(plain.ssim());
        assertThat(empty.ssimLow()).isEqualTo(plain.ssimLow());
        // The stratum's samples say the painting is exact; every group's own samples say it errs by half the map's range.
        double range = 0;
        for (float v : s.exact()) {
            range = Math.max(range, Math.abs(v));
        }
        @SuppressWarnings("unchecked")
        List<ErrorEstimator.Sample>[] own = new List[s.strata().length];
        for (int g = 0; g < own.length; g++) {
            own[g] = List.of(new ErrorEstimator.Sample(0, 0, new double[] {0.5 * range}, 1.0),
                    new ErrorEstimator.Sample(0, 0, new double[] {-0.5 * range}, 1.0));
        }
        ErrorEstimate withOwn = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), own, 1.0, 8, 1,
                "t");
        assertThat(plain.ssim()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(withOwn.ssim()).isLessThan(0.98); // half the draws take the stratum's exact samples; plausible values stay in range
        assertThat(withOwn.ssimLow()).isLessThanOrEqualTo(withOwn.ssim());
        // Each group's two own samples have opposite signs: the measured share is 0, so windows err apart and partly cancel.
        assertThat(ErrorEstimator.coherence(Arrays.asList(own), null)).isZero();
        ErrorEstimate measured = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), own, 8, 1, "t");
        assertThat(measured.ssim()).isGreaterThan(withOwn.ssim()).isLessThan(1.0 - 1e-3);
    }

    @Test
    void errorsOfEachWindowAloneAreEstimatedWithTheirShareAndOverstatedWithAWholeGroupEach() {
        for (long seed = 1; seed <= 3; seed++) {
            Scenario s = scenario(0.15, seed, 40, true);
            float[][] map = {s.approx()};
            double truth = trueSsim(s);
            ErrorEstimate apart = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), null, 0.0,
                    16, seed, "t");
            ErrorEstimate whole = ErrorEstimator.estimate(GRID, 1, PIXELS, map, s.group(), s.strata(), null, s.samples(), null, 1.0,
                    16, seed, "t");
            assertThat(Math.abs(apart.ssim() - truth)).as("seed %d: %s, true %.3f", seed, apart, truth).isLessThanOrEqualTo(0.03);
            assertThat(whole.ssim()).as("seed %d", seed).isLessThan(apart.ssim() - 0.02);
            // Block errors (shared by the whole group): the whole-group draw is the one that tracks the truth.
            Scenario b = scenario(0.15, seed, 40, false);
            ErrorEstimate blockWhole = ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {b.approx()}, b.group(), b.strata(), null,
                    b.samples(), null, 1.0, 16, seed, "t");
            assertThat(Math.abs(blockWhole.ssim() - trueSsim(b))).isLessThanOrEqualTo(0.05);
        }
        Scenario s = scenario(0.1, 1, 20);
        assertThatThrownBy(() -> ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {s.approx()}, s.group(), s.strata(), null,
                s.samples(), null, 1.5, 4, 1, "t")).hasMessageContaining("shared");
    }

    @Test
    void theShareIsMeasuredOnPairsWithinAGroupAndIsOneWithoutEnoughOfThem() {
        SplittableRandom rng = new SplittableRandom(5);
        List<List<ErrorEstimator.Sample>> together = new ArrayList<>();
        List<List<ErrorEstimator.Sample>> opposite = new ArrayList<>();
        List<List<ErrorEstimator.Sample>> unrelated = new ArrayList<>();
        for (int g = 0; g < 40; g++) {
            double a = rng.nextGaussian();
            together.add(List.of(sample(a, 1.0), sample(0.5 * a, 0.5)));
            opposite.add(List.of(sample(a, 1.0), sample(-a, 1.0)));
            unrelated.add(List.of(sample(rng.nextGaussian(), 1.0), sample(rng.nextGaussian(), 1.0), sample(rng.nextGaussian(), 1.0)));
        }
        // Same place-free amplitude (the second sample sits where interpolation errs half as much): all shared.
        assertThat(ErrorEstimator.coherence(together, null)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ErrorEstimator.coherence(opposite, null)).isZero();
        double measured = ErrorEstimator.coherence(unrelated, null);
        assertThat(measured).isBetween(0.0, 0.4); // about 0, plus one standard error of 120 pairs
        // Too few pairs to measure, none, or only zeros: the pessimistic end.
        assertThat(ErrorEstimator.coherence(opposite.subList(0, 5), null)).isEqualTo(1.0);
        assertThat(ErrorEstimator.coherence(List.of(List.of(sample(1, 1))), null)).isEqualTo(1.0);
        assertThat(ErrorEstimator.coherence(List.of(List.of(sample(0, 1), sample(0, 1))), null)).isEqualTo(1.0);
    }

    private static ErrorEstimator.Sample sample(double residual, double place) {
        return new ErrorEstimator.Sample(0, 0, new double[] {residual}, place);
    }

    @Test
    void aSamplesOwnPlaceScalesItsResidual() {
        double[] shape = {0.25, 0.5, 1.0};
        ErrorEstimator.Sample atCentre = new ErrorEstimator.Sample(0, 0, new double[] {1}, 1.0);
        ErrorEstimator.Sample atEdge = new ErrorEstimator.Sample(0, 0, new double[] {1}, 0.5);
        ErrorEstimator.Sample byShape = new ErrorEstimator.Sample(1, 0, new double[] {1});
        assertThat(ErrorEstimator.scaleFor(shape, 1, atCentre)).isEqualTo(0.5);
        assertThat(ErrorEstimator.scaleFor(shape, 2, atEdge)).isEqualTo(2.0);
        assertThat(ErrorEstimator.scaleFor(shape, 2, byShape)).isEqualTo(ErrorEstimator.scaleFor(shape, 2, 1));
        assertThat(ErrorEstimator.scaleFor(null, 2, atEdge)).isEqualTo(1.0);
    }

    @Test
    void nothingPaintedIsExactAndPaintedWithoutSamplesIsRefused() {
        float[] map = new float[GRID.count()];
        int[] none = new int[GRID.count()];
        Arrays.fill(none, -1);
        ErrorEstimate e = ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {map}, none, new int[0], List.of(), 4, 1, "t");
        assertThat(e.ssim()).isEqualTo(1.0);
        assertThat(e.method()).contains("exact");
        int[] one = none.clone();
        one[3] = 0;
        assertThatThrownBy(() -> ErrorEstimator.estimate(GRID, 1, PIXELS, new float[][] {map}, one, new int[] {0}, List.of(), 4, 1, "t"))
                .hasMessageContaining("no sample");
    }
}
