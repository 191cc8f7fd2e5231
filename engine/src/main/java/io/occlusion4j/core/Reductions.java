package io.occlusion4j.core;

import io.occlusion4j.WindowGrid;

/**
 * Grid map to pixel map: every element gets the mean of the deltas of the windows that cover it, 0 where
 * none does. Summed directly over the covering windows in grid order, in double, so the result is
 * deterministic and independent of how work is split (the reference for the pixel-map kernel).
 */
public final class Reductions {
    private Reductions() {}

    /**
     * @param gridMap  {@code [channels, G1..Gk]} flattened ({@code channels = 1} for joint windows)
     * @param channels the leading axis of the grid map
     * @return {@code [channels, D1..Dk]} flattened
     */
    public static float[] pixelMap(float[] gridMap, WindowGrid grid, int channels) {
        int[] spatial = grid.spatialShape();
        int[] gshape = grid.gridShape();
        int k = spatial.length;
        int[][] lo = new int[k][];
        int[][] hi = new int[k][];
        for (int d = 0; d < k; d++) {
            lo[d] = new int[spatial[d]];
            hi[d] = new int[spatial[d]];
            for (int x = 0; x < spatial[d]; x++) {
                lo[d][x] = grid.firstCovering(d, x);
                hi[d][x] = grid.lastCovering(d, x);
            }
        }
        int size = FillValues.spatialSize(spatial);
        int gsize = grid.count();
        float[] out = new float[channels * size];
        int[] coord = new int[k];
        int[] g = new int[k];
        for (int p = 0; p < size; p++) {
            int rest = p;
            boolean covered = true;
            for (int d = k - 1; d >= 0; d--) {
                coord[d] = rest % spatial[d];
                rest /= spatial[d];
                covered &= lo[d][coord[d]] >= 0;
            }
            if (!covered) {
                continue;
            }
            int count = 1;
            for (int d = 0; d < k; d++) {
                count *= hi[d][coord[d]] - lo[d][coord[d]] + 1;
                g[d] = lo[d][coord[d]];
            }
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                // Walk the box of covering grid positions in row-major order.
                for (int d = 0; d < k; d++) {
                    g[d] = lo[d][coord[d]];
                }
                for (int n = 0; n < count; n++) {
                    int gi = 0;
                    for (int d = 0; d < k; d++) {
                        gi = gi * gshape[d] + g[d];
                    }
                    sum += gridMap[c * gsize + gi];
                    for (int d = k - 1; d >= 0; d--) {
                        if (++g[d] <= hi[d][coord[d]]) {
                            break;
                        }
                        g[d] = lo[d][coord[d]];
                    }
                }
                out[c * size + p] = (float) (sum / count);
            }
        }
        return out;
    }
}
