package io.occlusion4j.explore;

import io.occlusion4j.WindowGrid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code auto}'s error estimate: a stratified random sample of the painted windows, scored exactly, kept across rounds.
 *
 * <p>A sampled window stays in the sample after later refinement: its exact score is known, so its residual is
 * computed again each round against what the current painting would put there (the multilinear interpolation of the
 * corners of the leaf that now owns it). Each round only tops the sample up to the size each stratum needs; a sampled
 * window that refinement made a corner of a leaf leaves the sample (it is part of the scored lattice then).
 *
 * <p>A leaf made by a split also carries its own samples: the surplus at its new corners (exact score against what its
 * parent painted there, {@link AutoCommon.Hints#history}), each placed where it sat in the parent. They sample the
 * interpolation error at the leaf's own scale for free; where the map is smooth they overstate the leaf's error (the
 * parent was twice as wide), which errs towards refining more. A leaf whose corners are all below
 * {@link AutoCommon#FLAT} of the maximum does not use them: at the edge of the evidence the parent's ramp erred at
 * its corners, but it paints about zero between zeros.
 *
 * <p>How much of a residual the windows of one leaf share ({@link ErrorEstimator#coherence}) is measured on the sets of
 * samples known to lie in one painted leaf: its corners' surplus, and the random samples inside it. On the study's
 * masked CNNs and BlazeFace the surplus at a split's new corners changes sign inside the parent often enough (share
 * -0.15 to 0.29 before the standard error is added, replay) that one residual for the whole leaf overstated the pixel
 * map's error; where
 * fewer than {@link ErrorEstimator#MIN_PAIRS} pairs are known (PaddleOCR's text line) the share stays 1.
 */
final class AutoSample {
    private AutoSample() {}

    /**
     * Paints the windows not scored, tops up the sample (strata: {@link AutoCommon#stratum}; how many each wants:
     * {@link Sampling#wanted}, counting the windows it holds already), scores the new windows, records the residuals as
     * hints for the next refinement, and estimates the map's SSIM to the exact one.
     *
     * @param sampled the windows sampled so far (updated)
     */
    static ErrorEstimate sampleAndEstimate(WindowGrid fine, RefinementGrid rg, float[][] values, int slices, boolean[] known,
            boolean[] sampled, int[] pixelShape, AutoCommon.Hints hints, AutoCommon.Update scorer, SplittableRandom rng,
            AutoSettings settings) {
        int count = rg.count();
        RefinementGrid.Cell[] owner = rg.owners();
        for (float[] v : values) {
            rg.paint(v, slices, known, owner);
        }
        boolean[] corner = new boolean[count];
        for (int p : rg.cornerPositions()) {
            corner[p] = true;
        }
        for (int p = 0; p < count; p++) {
            sampled[p] &= !corner[p];
        }
        double[] range = AutoCommon.ranges(values);
        Map<RefinementGrid.Cell, Integer> stratumOf = new IdentityHashMap<>();
        List<List<Integer>> byStratum = new ArrayList<>();
        int[] have = new int[AutoCommon.STRATA];
        for (int h = 0; h < AutoCommon.STRATA; h++) {
            byStratum.add(new ArrayList<>());
        }
        int unknown = 0;
        int old = 0;
        for (int p = 0; p < count; p++) {
            if (!known[p] || sampled[p]) {
                int h = stratumOf.computeIfAbsent(owner[p], c -> AutoCommon.stratum(rg, c, values, slices, range));
                if (sampled[p]) {
                    have[h]++;
                    old++;
                } else {
                    byStratum.get(h).add(p);
                    unknown++;
                }
            }
        }
        if (unknown == 0) {
            return new ErrorEstimate(1.0, 1.0, 0.0, 0, 0, "every window scored: the map is exact");
        }
        double m = Math.max(settings.minSample(), Math.ceil(settings.sampleFraction() * count));
        List<Integer> picked = new ArrayList<>();
        for (int h = 0; h < AutoCommon.STRATA; h++) {
            List<Integer> pool = byStratum.get(h);
            int want = Sampling.wanted(h, pool.size() + have[h], m, unknown + old);
            picked.addAll(Sampling.drawMore(pool, 0, Math.max(0, Math.min(pool.size(), want - have[h])), rng));
        }
        score(picked, sampled, scorer);
        List<ErrorEstimator.Sample> samples = residuals(rg, owner, values, slices, sampled, stratumOf, range, hints);
        stratumHints(samples, values, range, stratumOf, hints);
        return estimate(fine, rg, owner, values, slices, known, pixelShape, stratumOf, samples, hints, rng, settings);
    }

    private static void score(List<Integer> positions, boolean[] sampled, AutoCommon.Update scorer) {
        int[] sorted = positions.stream().mapToInt(Integer::intValue).sorted().toArray();
        scorer.score(sorted);
        for (int p : sorted) {
            sampled[p] = true;
        }
    }

    /** The painted value at {@code p} (slice offset {@code offset}) from its owner's corners, as if it were not scored. */
    private static double painted(RefinementGrid rg, RefinementGrid.Cell cell, float[] v, int offset, int p) {
        int[] coord = new int[rg.shape().length];
        rg.unravel(p, coord);
        return rg.interpolate(v, offset, cell, coord);
    }

    /** Every sampled window's residual against the current painting; the worst per owner cell becomes its hint. */
    private static List<ErrorEstimator.Sample> residuals(RefinementGrid rg, RefinementGrid.Cell[] owner, float[][] values, int slices,
            boolean[] sampled, Map<RefinementGrid.Cell, Integer> stratumOf, double[] range, AutoCommon.Hints hints) {
        int count = rg.count();
        List<ErrorEstimator.Sample> samples = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            if (!sampled[p]) {
                continue;
            }
            double worst = 0;
            for (int s = 0; s < slices; s++) {
                double[] e = new double[values.length];
                for (int t = 0; t < values.length; t++) {
                    e[t] = values[t][s * count + p] - painted(rg, owner[p], values[t], s * count, p);
                    worst = Math.max(worst, Math.abs(e[t]) / range[t]);
                }
                samples.add(new ErrorEstimator.Sample(s * count + p, stratumOf.get(owner[p]), e));
            }
            hints.sampled().merge(owner[p], worst, Math::max);
        }
        return samples;
    }

    /** A stratum whose samples err gives every cell of it a hint: its root mean square residual. */
    private static void stratumHints(List<ErrorEstimator.Sample> samples, float[][] values, double[] range,
            Map<RefinementGrid.Cell, Integer> stratumOf, AutoCommon.Hints hints) {
        double[] sq = new double[AutoCommon.STRATA];
        int[] n = new int[AutoCommon.STRATA];
        for (ErrorEstimator.Sample smp : samples) {
            for (int t = 0; t < values.length; t++) {
                double e = smp.residual()[t] / range[t];
                sq[smp.stratum()] += e * e;
            }
            n[smp.stratum()] += values.length;
        }
        for (Map.Entry<RefinementGrid.Cell, Integer> e : stratumOf.entrySet()) {
            int h = e.getValue();
            if (n[h] > 0) {
                hints.sampled().merge(e.getKey(), Math.sqrt(sq[h] / n[h]), Math::max);
            }
        }
    }

    /**
     * Where {@code coord} sits in {@code c}, as the size interpolation error is expected to have there: per axis with an
     * interior, 1 at the middle falling to 1/2 at the corners; multiplied over axes.
     */
    static double place(RefinementGrid.Cell c, int[] coord) {
        double phi = 1;
        for (int d = 0; d < coord.length; d++) {
            if (c.hi()[d] > c.lo()[d]) {
                double t = (coord[d] - c.lo()[d]) / (double) (c.hi()[d] - c.lo()[d]);
                phi *= 0.5 + 0.5 * (1 - Math.abs(2 * t - 1));
            }
        }
        return phi;
    }

    /**
     * The sets of samples known to lie in one painted group, for {@link ErrorEstimator#coherence}: each group's own
     * samples (its corners' surplus against its parent), and per group and slice the random samples inside its cell.
     */
    private static List<List<ErrorEstimator.Sample>> together(List<ErrorEstimator.Sample>[] own, List<ErrorEstimator.Sample> samples,
            RefinementGrid.Cell[] owner, Map<RefinementGrid.Cell, Integer> cellId, int slices, int count) {
        List<List<ErrorEstimator.Sample>> sets = new ArrayList<>(Arrays.asList(own));
        Map<Integer, List<ErrorEstimator.Sample>> inside = new HashMap<>();
        for (ErrorEstimator.Sample smp : samples) {
            Integer id = cellId.get(owner[smp.window() % count]);
            if (id != null) {
                inside.computeIfAbsent(id * slices + smp.window() / count, k -> new ArrayList<>()).add(smp);
            }
        }
        sets.addAll(inside.values());
        return sets;
    }

    /** The bootstrap over painting cells (see {@link ErrorEstimator}). */
    private static ErrorEstimate estimate(WindowGrid fine, RefinementGrid rg, RefinementGrid.Cell[] owner, float[][] values, int slices,
            boolean[] known, int[] pixelShape, Map<RefinementGrid.Cell, Integer> stratumOf, List<ErrorEstimator.Sample> samples,
            AutoCommon.Hints hints, SplittableRandom rng, AutoSettings settings) {
        int count = rg.count();
        Map<RefinementGrid.Cell, Integer> cellId = new IdentityHashMap<>();
        List<Integer> groupStratum = new ArrayList<>();
        int[] group = new int[slices * count];
        Arrays.fill(group, -1);
        for (int p = 0; p < count; p++) {
            if (!known[p]) {
                Integer id = cellId.get(owner[p]);
                if (id == null) {
                    id = cellId.size();
                    cellId.put(owner[p], id);
                    for (int s = 0; s < slices; s++) {
                        groupStratum.add(stratumOf.get(owner[p]));
                    }
                }
                for (int s = 0; s < slices; s++) {
                    group[s * count + p] = id * slices + s;
                }
            }
        }
        if (groupStratum.isEmpty()) {
            return new ErrorEstimate(1.0, 1.0, ErrorEstimator.relativeRmse(values, samples), samples.size(), 0,
                    "every window scored: the map is exact");
        }
        double[] shape = new double[slices * count];
        int[] coord = new int[rg.shape().length];
        for (int p = 0; p < count; p++) {
            rg.unravel(p, coord);
            double phi = place(owner[p], coord);
            for (int s = 0; s < slices; s++) {
                shape[s * count + p] = phi;
            }
        }
        double[] range = AutoCommon.ranges(values);
        @SuppressWarnings("unchecked")
        List<ErrorEstimator.Sample>[] own = new List[groupStratum.size()];
        for (Map.Entry<RefinementGrid.Cell, Integer> e : cellId.entrySet()) {
            List<ErrorEstimator.Sample> history = hints.history().get(e.getKey());
            if (history == null || AutoCommon.flat(rg, e.getKey(), values, slices, range)) {
                continue;
            }
            for (int s = 0; s < slices; s++) {
                List<ErrorEstimator.Sample> mine = new ArrayList<>();
                for (ErrorEstimator.Sample smp : history) {
                    if (smp.window() / count == s) {
                        mine.add(smp);
                    }
                }
                own[e.getValue() * slices + s] = mine;
            }
        }
        return ErrorEstimator.estimate(fine, slices, pixelShape, values, group, groupStratum.stream().mapToInt(Integer::intValue).toArray(),
                shape, samples, own, ErrorEstimator.coherence(together(own, samples, owner, cellId, slices, count), shape), settings.draws(), rng.nextLong(), "auto: " + samples.size() + " painted windows drawn at random, stratified by "
                        + "the magnitude around their cell, scored exactly and kept across rounds (residuals against the current painting); "
                        + "residuals bootstrapped per painting cell within its stratum, " + settings.draws() + " draws");
    }
}
