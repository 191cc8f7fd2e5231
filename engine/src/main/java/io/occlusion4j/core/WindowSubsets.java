package io.occlusion4j.core;

import io.occlusion4j.WindowGrid;
import java.util.Arrays;

/**
 * Explaining a subset of a grid's windows: checking the subset, and the pixel map of a grid map whose
 * skipped windows are NaN (each element gets the mean over the explained windows that cover it).
 */
public final class WindowSubsets {
    private WindowSubsets() {}

    /**
     * A copy of {@code windows}, checked: each in {@code [0, count)}, strictly ascending.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static int[] check(int[] windows, int count) {
        int[] w = windows.clone();
        for (int i = 0; i < w.length; i++) {
            if (w[i] < 0 || w[i] >= count) {
                throw new IllegalArgumentException("window " + w[i] + " (entry " + i + " of the subset) is out of range: the grid has "
                        + count + " windows (0.." + (count - 1) + ")");
            }
            if (i > 0 && w[i] <= w[i - 1]) {
                throw new IllegalArgumentException("window subset must be strictly ascending, but entry " + i + " (" + w[i]
                        + ") follows " + w[i - 1]);
            }
        }
        return w;
    }

    /**
     * The pixel map of a grid map {@code [channels, G1..Gk]} in which windows that were not explained are
     * NaN: every element gets the mean delta over the explained windows covering it, NaN where windows
     * cover it but none was explained, and 0 where no window covers it (as {@link Reductions#pixelMap}).
     * With no NaN in {@code gridMap} the result equals {@link Reductions#pixelMap} exactly.
     */
    public static float[] pixelMap(float[] gridMap, WindowGrid grid, int channels) {
        float[] values = gridMap.clone();
        float[] explained = new float[gridMap.length];
        boolean any = false;
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                values[i] = 0f;
                any = true;
            } else {
                explained[i] = 1f;
            }
        }
        float[] sums = Reductions.pixelMap(values, grid, channels);
        if (!any) {
            return sums;
        }
        // sums[p] = (sum over explained covering windows) / (all covering windows); fraction[p] = explained / all.
        float[] fraction = Reductions.pixelMap(explained, grid, channels);
        float[] ones = new float[grid.count()];
        Arrays.fill(ones, 1f);
        float[] covered = Reductions.pixelMap(ones, grid, 1);
        int size = covered.length;
        float[] out = new float[sums.length];
        for (int i = 0; i < out.length; i++) {
            if (covered[i % size] == 0f) {
                out[i] = 0f;
            } else if (fraction[i] == 0f) {
                out[i] = Float.NaN;
            } else {
                out[i] = fraction[i] == 1f ? sums[i] : (float) ((double) sums[i] / fraction[i]);
            }
        }
        return out;
    }
}
