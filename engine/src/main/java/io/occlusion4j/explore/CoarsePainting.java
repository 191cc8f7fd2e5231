package io.occlusion4j.explore;

import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.FillValues;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --adaptive R}'s painting of the windows it does not refine, from the coarse pass, and its error estimate (see
 * the fixed budget's explain).
 */
final class CoarsePainting {
    private CoarsePainting() {}

    /** Windows drawn uniformly among those not {@code exact}: {@code max(MIN_SAMPLE, ceil(fraction * n))}, ascending; none for 0. */
    static int[] sample(boolean[] exact, double fraction, int n) {
        if (fraction == 0) {
            return new int[0];
        }
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < exact.length; i++) {
            if (!exact[i]) {
                free.add(i);
            }
        }
        int m = (int) Math.min(free.size(), Math.max(Cells.MIN_SAMPLE, Math.ceil(fraction * n)));
        java.util.Collections.shuffle(free, new java.util.Random(42));
        return free.subList(0, m).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The old painting's estimate per fine window: the mean of the coarse pixel map over its region. */
    static double[] coarseEstimate(WindowGrid fine, float[] coarsePixels, int slices) {
        int[] spatial = fine.spatialShape();
        int gsize = fine.count();
        int size = FillValues.spatialSize(spatial);
        int[] start = new int[spatial.length];
        int[] extent = new int[spatial.length];
        double[] out = new double[slices * gsize];
        for (int i = 0; i < out.length; i++) {
            fine.region(i % gsize, start, extent);
            out[i] = Cells.boxMean(coarsePixels, (i / gsize) * size, spatial, start, extent);
        }
        return out;
    }

    /**
     * Coarse drops on the fine scale: {@code a = sum f m / sum m^2} over the exact windows ({@code f} their drops,
     * {@code m} the mean of the coarse pixel map over them), 1 when that is not positive or not finite.
     */
    static double scale(float[] g, boolean[] exact, double[] estimate) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < g.length; i++) {
            if (exact[i]) {
                num += g[i] * estimate[i];
                den += estimate[i] * estimate[i];
            }
        }
        double a = num / den;
        return a > 0 && Double.isFinite(a) ? a : 1;
    }

    /**
     * The painting rule: per fine window, the mean over its region of a coarse pixel map made only of the coarse
     * windows that overlap no refined evidence (an exact window whose |drop| is at least {@link AdaptiveOcclusion#EVIDENCE} of the
     * largest exact |drop| of its slice); an element covered by no such coarse window counts 0. The drops of a coarse
     * window that overlaps refined evidence are explained by it: painting from it would put evidence where the exact
     * map has none.
     */
    static double[] paintFromCoarse(WindowGrid fine, WindowGrid coarse, float[] coarseGrid, boolean[] exact, float[] g, int slices) {
        int[] spatial = fine.spatialShape();
        int k = spatial.length;
        int fcount = fine.count();
        int ccount = coarse.count();
        int size = FillValues.spatialSize(spatial);
        float[] sum = new float[slices * size];
        int[] fs = new int[k];
        int[] fe = new int[k];
        int[] cst = new int[k];
        int[] cex = new int[k];
        double[] out = new double[slices * fcount];
        for (int sl = 0; sl < slices; sl++) {
            double max = 0;
            for (int j = 0; j < fcount; j++) {
                if (exact[sl * fcount + j]) {
                    max = Math.max(max, Math.abs(g[sl * fcount + j]));
                }
            }
            boolean[] excluded = new boolean[ccount];
            for (int j = 0; j < fcount; j++) {
                int w = sl * fcount + j;
                if (!exact[w] || Math.abs(g[w]) < Cells.EVIDENCE * max || max == 0) {
                    continue;
                }
                fine.region(j, fs, fe);
                for (int q = 0; q < ccount; q++) {
                    coarse.region(q, cst, cex);
                    excluded[q] |= overlaps(fs, fe, cst, cex);
                }
            }
            float[] count = new float[size];
            int offset = sl * size;
            for (int q = 0; q < ccount; q++) {
                coarse.region(q, cst, cex);
                float v = coarseGrid[sl * ccount + q];
                boolean keep = !excluded[q];
                Cells.forEachInBox(cst, last(cst, cex), spatial, p -> {
                    count[p]++;
                    if (keep) {
                        sum[offset + p] += v;
                    }
                });
            }
            for (int p = 0; p < size; p++) {
                sum[offset + p] = count[p] > 0 ? sum[offset + p] / count[p] : 0f;
            }
            for (int j = 0; j < fcount; j++) {
                fine.region(j, fs, fe);
                out[sl * fcount + j] = Cells.boxMean(sum, offset, spatial, fs, fe);
            }
        }
        return out;
    }

    private static int[] last(int[] start, int[] extent) {
        int[] hi = new int[start.length];
        for (int d = 0; d < start.length; d++) {
            hi[d] = start[d] + extent[d] - 1;
        }
        return hi;
    }

    private static boolean overlaps(int[] as, int[] ae, int[] bs, int[] be) {
        for (int d = 0; d < as.length; d++) {
            if (as[d] + ae[d] <= bs[d] || bs[d] + be[d] <= as[d]) {
                return false;
            }
        }
        return true;
    }

    /** The fixed mode's estimate: residuals of the sampled windows, grouped by coarse cell, stratified by painted zero or not. */
    static ErrorEstimate fixedEstimate(WindowGrid fine, WindowGrid coarse, int slices, int[] pixelShape, float[][] grids,
            float[][] painted, boolean[] scored, int[] sample) {
        int k = fine.rank();
        int fcount = fine.count();
        int[] cshape = coarse.gridShape();
        int[][] cellOf = new int[k][];
        for (int d = 0; d < k; d++) {
            cellOf[d] = Cells.cells(coarse, d, fine.spatialShape()[d]);
        }
        int[] coord = new int[k];
        int[] cellIndex = new int[slices * fcount];
        for (int w = 0; w < cellIndex.length; w++) {
            Cells.unravel(w % fcount, fine.gridShape(), coord);
            int c = 0;
            for (int d = 0; d < k; d++) {
                int s = fine.start(d, coord[d]);
                c = c * cshape[d] + cellOf[d][s + (fine.extent(d, coord[d]) - 1) / 2];
            }
            cellIndex[w] = (w / fcount) * coarse.count() + c;
        }
        List<ErrorEstimator.Sample> samples = new ArrayList<>();
        for (int w : sample) {
            double[] e = new double[grids.length];
            boolean zero = true;
            for (int t = 0; t < grids.length; t++) {
                e[t] = grids[t][w] - painted[t][w];
                zero &= painted[t][w] == 0f;
            }
            samples.add(new ErrorEstimator.Sample(w, zero ? 0 : 1, e));
        }
        int[] group = new int[scored.length];
        java.util.Map<Integer, Integer> ids = new java.util.HashMap<>();
        List<Integer> strata = new ArrayList<>();
        for (int w = 0; w < scored.length; w++) {
            if (scored[w]) {
                group[w] = -1;
                continue;
            }
            boolean zero = true;
            for (float[] p : painted) {
                zero &= p[w] == 0f;
            }
            int key = 2 * cellIndex[w] + (zero ? 0 : 1);
            Integer id = ids.get(key);
            if (id == null) {
                id = ids.size();
                ids.put(key, id);
                strata.add(zero ? 0 : 1);
            }
            group[w] = id;
        }
        if (samples.isEmpty() && !strata.isEmpty()) {
            return null;
        }
        return ErrorEstimator.estimate(fine, slices, pixelShape, grids, group, strata.stream().mapToInt(Integer::intValue).toArray(),
                samples, 16, 42, "fixed: " + samples.size() + " painted windows drawn uniformly at random and scored exactly; "
                        + "residuals bootstrapped per coarse cell, stratified by painted zero or not, 16 draws");
    }

    static int[] prepend(int c, int[] shape) {
        int[] out = new int[shape.length + 1];
        out[0] = c;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }
}
