package io.occlusion4j.explore;

import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.metrics.MapSimilarity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How far an approximate grid map (some windows scored, the others painted) is from the exact one, estimated from a
 * random sample of the painted windows that were then scored exactly.
 *
 * <p>Each sampled window gives a residual {@code e = exact - painted} per target and slice. The windows still
 * painted fall into <i>groups</i> (those painted from the same cell: their errors move together, since one missed
 * bump spans the whole cell) and groups into <i>strata</i> (cells of one size, or one painting rule). One draw gives
 * every group the residual of one sample drawn at random from its stratum (from all samples when its stratum has
 * none), or from the group's own samples when it has any (both pools together, each sample equally likely), and adds
 * it to every painted window of the group, in the share {@code rho} that the windows of a group have in common: a
 * window's error is {@code sqrt(rho)} times its group's residual plus {@code sqrt(1 - rho)} times one drawn for it
 * alone from the same pools (each window keeps the residuals' spread; two windows of one group correlate by
 * {@code rho}): a plausible exact map. {@code rho} is measured ({@link #coherence}) on samples known to lie in one
 * group, at the upper end of its uncertainty, and is 1 when too few are known. The estimate is the mean, over the
 * draws, of the SSIM ({@link MapSimilarity#ssim}) between the pixel maps of the approximate map and of the plausible
 * exact one, the lowest target's; {@code ssimLow} is the lowest draw's. A plausible value is kept within the range of
 * the scored windows (the lattice covers the input and refinement chases the extremes), so a residual moved to another
 * cell does not invent a new minimum or maximum, which would shift the min-max normalisation of the whole map. Giving one residual to a whole group
 * ({@code rho} = 1) is pessimistic when the errors inside a cell differ (they then partly cancel in the pixel map, which
 * averages the (window / stride)^k windows overlapping each pixel); the measured share removes that pessimism where the
 * samples show it, and keeps it where they cannot tell. The sampled windows themselves are exact in the returned map, so they are not part of the error.
 */
final class ErrorEstimator {
    private ErrorEstimator() {}

    /** Standard errors added to the measured {@link #coherence}: disagreeing pairs keep it nearer 1. */
    static final double CONFIDENCE = 1;

    /** Fewer (effective) pairs than this measure no {@link #coherence}: it is then 1, as if every error were shared. */
    static final double MIN_PAIRS = 10;

    /**
     * One sampled window (numbered as the grid map, slice included), its stratum, its residual per target, and where it
     * sat in the cell that painted it ({@link #scaleFor}; NaN: {@code shape[window]}).
     */
    record Sample(int window, int stratum, double[] residual, double place) {
        /** A sample whose place in its cell is {@code shape[window]}. */
        Sample(int window, int stratum, double[] residual) {
            this(window, stratum, residual, Double.NaN);
        }
    }

    /**
     * Where in its cell each painted window sits, as the size its error is expected to have there relative to other
     * positions (interpolation errs little next to a scored corner, most in the middle); null: the same everywhere.
     * A sample's residual moved to a window is scaled by {@code shape[window] / shape[sample]}, kept within [0, 2].
     */
    static double scaleFor(double[] shape, int window, int sample) {
        if (shape == null) {
            return 1;
        }
        return Math.min(2, shape[window] / shape[sample]);
    }

    /** {@link #scaleFor(double[], int, int)} for a sample that may carry its own place ({@link Sample#place}). */
    static double scaleFor(double[] shape, int window, Sample sample) {
        if (shape == null) {
            return 1;
        }
        double at = Double.isNaN(sample.place()) ? shape[sample.window()] : sample.place();
        return Math.min(2, shape[window] / at);
    }

    /**
     * @param grid      the fine window grid
     * @param slices    1, or the channels for per-channel windows
     * @param pixelShape the pixel map's shape ({@code [D1..Dk]} or {@code [C, D1..Dk]})
     * @param map       the approximate grid map per target {@code [t][slices * count]}: scored windows exact, the
     *                  others painted (the samples already exact)
     * @param group     per window ({@code [slices * count]}), the group of a painted one, -1 for a scored one
     * @param stratumOf per group, its stratum
     * @param samples   the sampled windows (at least one unless nothing is painted)
     * @param draws     plausible exact maps to draw, >= 1
     * @param seed      seed of the draws
     * @param method    how the samples were drawn and the windows painted, in words, for the report
     */
    static ErrorEstimate estimate(WindowGrid grid, int slices, int[] pixelShape, float[][] map, int[] group,
            int[] stratumOf, List<Sample> samples, int draws, long seed, String method) {
        return estimate(grid, slices, pixelShape, map, group, stratumOf, null, samples, draws, seed, method);
    }

    /** As above, with each painted window's (and each sample's) {@code shape} (see {@link #scaleFor}). */
    static ErrorEstimate estimate(WindowGrid grid, int slices, int[] pixelShape, float[][] map, int[] group,
            int[] stratumOf, double[] shape, List<Sample> samples, int draws, long seed, String method) {
        return estimate(grid, slices, pixelShape, map, group, stratumOf, shape, samples, null, draws, seed, method);
    }

    /**
     * As above, with per group its own samples ({@code own[g]}, null or empty: none): a group draws from its stratum's
     * samples and its own together.
     */
    static ErrorEstimate estimate(WindowGrid grid, int slices, int[] pixelShape, float[][] map, int[] group,
            int[] stratumOf, double[] shape, List<Sample> samples, List<Sample>[] own, int draws, long seed, String method) {
        return estimate(grid, slices, pixelShape, map, group, stratumOf, shape, samples, own,
                own == null ? 1 : coherence(Arrays.asList(own), shape), draws, seed, method);
    }

    /**
     * As above, with the share {@code shared} (in [0, 1], {@link #coherence}) of a residual that the windows of one group
     * have in common: a window's error is {@code sqrt(shared)} times its group's drawn residual plus
     * {@code sqrt(1 - shared)} times a residual drawn for it alone (from the same pool), so that every window keeps the
     * residuals' spread and two windows of one group correlate by {@code shared}.
     */
    static ErrorEstimate estimate(WindowGrid grid, int slices, int[] pixelShape, float[][] map, int[] group,
            int[] stratumOf, double[] shape, List<Sample> samples, List<Sample>[] own, double shared, int draws, long seed,
            String method) {
        if (!(shared >= 0 && shared <= 1)) {
            throw new IllegalArgumentException("shared must be within [0, 1], got " + shared);
        }
        int targets = map.length;
        int groups = stratumOf.length;
        if (groups == 0) {
            return new ErrorEstimate(1.0, 1.0, 0.0, samples.size(), 0, "every window scored: the map is exact");
        }
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("painted windows but no sample to estimate their error from");
        }
        double rmse = relativeRmse(map, samples);
        List<List<Sample>> byStratum = new ArrayList<>();
        for (Sample s : samples) {
            while (byStratum.size() <= s.stratum()) {
                byStratum.add(new ArrayList<>());
            }
            byStratum.get(s.stratum()).add(s);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] sum = new double[targets];
        double low = Double.POSITIVE_INFINITY;
        float[][] basePixels = new float[targets][];
        for (int t = 0; t < targets; t++) {
            basePixels[t] = Reductions.pixelMap(map[t], grid, slices);
        }
        // Plausible values stay within the range of the scored windows: a residual moved to another cell must not invent
        // a new extreme, which would shift the min-max normalisation of the whole map.
        double[] lo = new double[targets];
        double[] hi = new double[targets];
        for (int t = 0; t < targets; t++) {
            lo[t] = Double.POSITIVE_INFINITY;
            hi[t] = Double.NEGATIVE_INFINITY;
            for (int w = 0; w < map[t].length; w++) {
                if (group[w] < 0) {
                    lo[t] = Math.min(lo[t], map[t][w]);
                    hi[t] = Math.max(hi[t], map[t][w]);
                }
            }
        }
        double common = Math.sqrt(shared);
        double apart = Math.sqrt(1 - shared);
        Sample[] chosen = new Sample[groups];
        Sample[] alone = apart > 0 ? new Sample[map[0].length] : null;
        for (int b = 0; b < draws; b++) {
            for (int g = 0; g < groups; g++) {
                chosen[g] = pick(g, stratumOf, byStratum, samples, own, rng);
            }
            if (alone != null) {
                for (int w = 0; w < alone.length; w++) {
                    alone[w] = group[w] >= 0 ? pick(group[w], stratumOf, byStratum, samples, own, rng) : null;
                }
            }
            double worst = Double.POSITIVE_INFINITY;
            for (int t = 0; t < targets; t++) {
                float[] plausible = map[t].clone();
                for (int w = 0; w < plausible.length; w++) {
                    if (group[w] >= 0) {
                        Sample c = chosen[group[w]];
                        double e = c.residual()[t] * scaleFor(shape, w, c);
                        if (alone != null) {
                            Sample a = alone[w];
                            e = common * e + apart * a.residual()[t] * scaleFor(shape, w, a);
                        }
                        double v = plausible[w] + e;
                        plausible[w] = (float) Math.max(lo[t], Math.min(hi[t], v));
                    }
                }
                float[] pixels = Reductions.pixelMap(plausible, grid, slices);
                double ssim = MapSimilarity.ssim(Tensor.of(basePixels[t], pixelShape), Tensor.of(pixels, pixelShape));
                sum[t] += ssim;
                worst = Math.min(worst, ssim);
            }
            low = Math.min(low, worst);
        }
        double mean = Arrays.stream(sum).min().orElse(draws) / draws;
        return new ErrorEstimate(mean, low, rmse, samples.size(), draws, method);
    }

    /** One sample for group {@code g}: from its stratum's samples (all when the stratum has none) and its own together. */
    private static Sample pick(int g, int[] stratumOf, List<List<Sample>> byStratum, List<Sample> samples, List<Sample>[] own,
            SplittableRandom rng) {
        List<Sample> pool = stratumOf[g] < byStratum.size() && !byStratum.get(stratumOf[g]).isEmpty()
                ? byStratum.get(stratumOf[g]) : samples;
        List<Sample> mine = own == null || own[g] == null ? List.of() : own[g];
        int pick = rng.nextInt(pool.size() + mine.size());
        return pick < pool.size() ? pool.get(pick) : mine.get(pick - pool.size());
    }

    /**
     * How much of a residual the windows of one group share, measured on sets of samples known to lie in one group (a
     * split leaf's new corners, random samples inside one cell). Each pair within a set (same target) gives the product
     * of the two place-free amplitudes ({@code a = residual / place}, {@link #scaleFor}) over their mean square, a
     * correlation in [-1, 1], weighted by that mean square; the share is the weighted mean plus {@link #CONFIDENCE}
     * times its standard error (from the pairs' weighted spread and their effective number), kept within [0, 1]. It is
     * 1 (everything shared, the pessimistic end) with fewer than {@link #MIN_PAIRS} effective pairs. Errors that move
     * together (one missed bump over the whole cell) give about 1; errors that change sign inside a cell give less, and
     * then partly cancel in the pixel map, which averages overlapping windows.
     */
    static double coherence(Iterable<List<Sample>> sets, double[] shape) {
        List<double[]> pairs = new ArrayList<>();
        for (List<Sample> set : sets) {
            if (set == null) {
                continue;
            }
            for (int i = 0; i < set.size(); i++) {
                for (int j = i + 1; j < set.size(); j++) {
                    Sample a = set.get(i);
                    Sample c = set.get(j);
                    for (int t = 0; t < a.residual().length; t++) {
                        double x = a.residual()[t] / at(shape, a);
                        double y = c.residual()[t] / at(shape, c);
                        double weight = 0.5 * (x * x + y * y);
                        if (weight > 0) {
                            pairs.add(new double[] {x * y / weight, weight});
                        }
                    }
                }
            }
        }
        double sum = 0;
        double sumSq = 0;
        double mean = 0;
        for (double[] p : pairs) {
            sum += p[1];
            sumSq += p[1] * p[1];
            mean += p[0] * p[1];
        }
        if (sum <= 0) {
            return 1;
        }
        mean /= sum;
        double spread = 0;
        for (double[] p : pairs) {
            spread += p[1] * (p[0] - mean) * (p[0] - mean);
        }
        double effective = sum * sum / sumSq;
        if (effective < MIN_PAIRS) {
            return 1;
        }
        double upper = mean + CONFIDENCE * Math.sqrt(spread / sum / effective);
        return Math.max(0, Math.min(1, upper));
    }

    private static double at(double[] shape, Sample s) {
        return !Double.isNaN(s.place()) ? s.place() : shape == null ? 1 : shape[s.window()];
    }

    /** Root mean square residual over the samples, over the map's largest |value|; the largest over targets. */
    static double relativeRmse(float[][] map, List<Sample> samples) {
        double worst = 0;
        for (int t = 0; t < map.length; t++) {
            double range = 0;
            for (float v : map[t]) {
                range = Math.max(range, Math.abs(v));
            }
            double sq = 0;
            int n = 0;
            for (Sample s : samples) {
                double e = s.residual()[t];
                sq += e * e;
                n++;
            }
            double rms = n == 0 ? 0 : Math.sqrt(sq / n);
            worst = Math.max(worst, range > 0 ? rms / range : rms == 0 ? 0 : Double.POSITIVE_INFINITY);
        }
        return worst;
    }
}
