package io.occlusion4j.explore;

import io.occlusion4j.WindowGrid;

/** Geometry and thresholds the adaptive modes share: cells of a window grid, boxes over a map, and their means. */
final class Cells {
    /** The fewest windows sampled for an error estimate. */
    static final int MIN_SAMPLE = 8;
    /** A refined window is evidence when its |drop| is at least this fraction of the largest refined |drop|. */
    static final double EVIDENCE = 0.1;

    private Cells() {
    }

    /** The cell (nearest window centre, lower index on a tie) of every element along {@code axis}. */
    static int[] cells(WindowGrid grid, int axis, int length) {
        int n = grid.gridShape()[axis];
        int[] out = new int[length];
        int i = 0;
        for (int x = 0; x < length; x++) {
            double centre = x + 0.5;
            while (i + 1 < n && Math.abs(mid(grid, axis, i + 1) - centre) < Math.abs(mid(grid, axis, i) - centre)) {
                i++;
            }
            out[x] = i;
        }
        return out;
    }

    private static double mid(WindowGrid grid, int axis, int i) {
        return grid.start(axis, i) + grid.extent(axis, i) / 2.0;
    }

    static void unravel(int i, int[] shape, int[] coord) {
        int rest = i;
        for (int d = shape.length - 1; d >= 0; d--) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
    }

    static void forEachInBox(int[] lo, int[] hi, int[] shape, java.util.function.IntConsumer action) {
        int k = shape.length;
        int[] c = lo.clone();
        while (true) {
            int idx = 0;
            for (int d = 0; d < k; d++) {
                idx = idx * shape[d] + c[d];
            }
            action.accept(idx);
            int d = k - 1;
            while (d >= 0 && ++c[d] > hi[d]) {
                c[d] = lo[d];
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /** Mean of {@code map[offset + ...]} (shape {@code spatial}) over the box {@code start, extent}. */
    static double boxMean(float[] map, int offset, int[] spatial, int[] start, int[] extent) {
        int k = spatial.length;
        int[] lo = new int[k];
        int[] hi = new int[k];
        for (int d = 0; d < k; d++) {
            lo[d] = start[d];
            hi[d] = start[d] + extent[d] - 1;
        }
        double[] sum = {0};
        int[] n = {0};
        forEachInBox(lo, hi, spatial, p -> {
            sum[0] += map[offset + p];
            n[0]++;
        });
        return sum[0] / n[0];
    }
}
