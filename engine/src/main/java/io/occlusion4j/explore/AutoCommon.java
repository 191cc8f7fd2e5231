package io.occlusion4j.explore;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** What {@code auto}'s loop ({@code AutoAdaptive}) and its error sample ({@code AutoSample}) share. */
final class AutoCommon {
    private AutoCommon() {}

    /** Scores positions into the loop's values and marks them known. */
    interface Update {
        void score(int[] positions);
    }

    /**
     * Per leaf: the surplus of a split cell's new corners, the largest residual sampled inside a leaf, and the signed
     * surplus of each of a split cell's new corners ({@link ErrorEstimator.Sample}, placed by where the corner sat in
     * the parent), a sample of the interpolation error at the leaf's own scale.
     */
    record Hints(Map<RefinementGrid.Cell, Double> surplus, Map<RefinementGrid.Cell, Double> sampled,
            Map<RefinementGrid.Cell, List<ErrorEstimator.Sample>> history) {
        Hints(Map<RefinementGrid.Cell, Double> surplus, Map<RefinementGrid.Cell, Double> sampled) {
            this(surplus, sampled, new IdentityHashMap<>());
        }
    }

    /** Number of magnitude strata ({@link #stratum}). */
    static final int STRATA = 4;

    /**
     * A painted cell's stratum: how large the map is around it, i.e. the largest |value| (scored or painted) in the cell's
     * box grown by its width on every side, over the map's largest |value|: below 0.02, 0.1, 0.3, or above. Cells far
     * from any evidence and cells at its edge then fall in different strata.
     */
    static double magnitudeAround(RefinementGrid rg, RefinementGrid.Cell c, float[][] values, int slices, double[] range) {
        int k = c.lo().length;
        int[] shape = rg.shape();
        int[] lo = new int[k];
        int[] hi = new int[k];
        for (int d = 0; d < k; d++) {
            int w = Math.max(1, c.hi()[d] - c.lo()[d]);
            lo[d] = Math.max(0, c.lo()[d] - w);
            hi[d] = Math.min(shape[d] - 1, c.hi()[d] + w);
        }
        double[] mag = {0};
        int count = rg.count();
        rg.forEachInside(new RefinementGrid.Cell(lo, hi), p -> {
            for (int t = 0; t < values.length; t++) {
                for (int s = 0; s < slices; s++) {
                    mag[0] = Math.max(mag[0], Math.abs(values[t][s * count + p]) / range[t]);
                }
            }
        });
        return mag[0];
    }

    static int stratum(RefinementGrid rg, RefinementGrid.Cell c, float[][] values, int slices, double[] range) {
        double mag = magnitudeAround(rg, c, values, slices, range);
        return mag < 0.02 ? 0 : mag < 0.1 ? 1 : mag < 0.3 ? 2 : 3;
    }

    /** Per target, the largest |value| (scored or painted), at least the smallest normal float. */
    static double[] ranges(float[][] values) {
        double[] out = new double[values.length];
        for (int t = 0; t < values.length; t++) {
            double r = 0;
            for (float v : values[t]) {
                r = Math.max(r, Math.abs(v));
            }
            out[t] = Math.max(r, Float.MIN_NORMAL);
        }
        return out;
    }

    /**
     * A split leaf whose corners are all below this fraction of the map's largest |value| is not split again for its
     * surplus (only for a residual sampled inside it): at the edge of the evidence the parent's ramp erred at the
     * child's corners, but the child itself paints about zero between zeros. On the masked CNNs 1 %-footprint
     * refinement otherwise scored 100-150 windows below 1 % of the maximum.
     */
    static final double FLAT = 0.05;

    /** Whether every corner of {@code c} is below {@link #FLAT} of the map's largest |value|, over targets and slices. */
    static boolean flat(RefinementGrid rg, RefinementGrid.Cell c, float[][] values, int slices, double[] range) {
        int count = rg.count();
        boolean[] below = {true};
        for (int t = 0; t < values.length; t++) {
            for (int s = 0; s < slices; s++) {
                int offset = s * count;
                float[] v = values[t];
                double limit = FLAT * range[t];
                rg.corners(c, p -> below[0] &= Math.abs(v[offset + p]) < limit);
            }
        }
        return below[0];
    }
}
