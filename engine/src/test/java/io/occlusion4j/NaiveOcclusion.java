package io.occlusion4j;

import io.occlusion4j.core.FillValues;

/**
 * Test-side brute force, written independently of the engine's writer: builds one occluded copy of the
 * raw input per window by visiting every element and asking whether the window contains it.
 */
public final class NaiveOcclusion {
    private NaiveOcclusion() {}

    /** A copy of {@code x} ({@code [C, spatial]}) with window {@code window} filled. */
    public static float[] occluded(float[] x, int channels, WindowGrid grid, boolean perChannel, Fill fill, int window) {
        int[] spatial = grid.spatialShape();
        int k = spatial.length;
        int size = FillValues.spatialSize(spatial);
        int position = perChannel ? window % grid.count() : window;
        int onlyChannel = perChannel ? window / grid.count() : -1;
        int[] start = new int[k];
        int[] extent = new int[k];
        grid.region(position, start, extent);
        float[] out = x.clone();
        float[] staticFill = FillValues.staticFill(fill, x, channels, spatial);
        int[] win = grid.window();
        int[] coord = new int[k];
        for (int p = 0; p < size; p++) {
            int rest = p;
            boolean inside = true;
            for (int d = k - 1; d >= 0; d--) {
                coord[d] = rest % spatial[d];
                rest /= spatial[d];
                inside &= coord[d] >= start[d] && coord[d] < start[d] + extent[d];
            }
            if (!inside) {
                continue;
            }
            for (int c = 0; c < channels; c++) {
                if (onlyChannel >= 0 && c != onlyChannel) {
                    continue;
                }
                int i = c * size + p;
                if (staticFill != null) {
                    out[i] = staticFill[i];
                } else {
                    double sigma = ((Fill.GaussianWindow) fill).sigma();
                    double e = 0;
                    double emax = 0;
                    for (int d = 0; d < k; d++) {
                        double z = (coord[d] - start[d] - win[d] / 2) / (sigma * win[d]);
                        e += z * z;
                        double zc = Math.max(win[d] / 2, win[d] - 1 - win[d] / 2) / (sigma * win[d]);
                        emax += zc * zc;
                    }
                    double g = Math.exp(-0.5 * e);
                    double gmin = Math.exp(-0.5 * emax);
                    out[i] = (float) (x[i] * (gmin < 1 ? (1 - g) / (1 - gmin) : 0));
                }
            }
        }
        return out;
    }

    /** Pixel map by brute force: for every element, the mean over all windows containing it. */
    public static float[] pixelMap(float[] gridMap, WindowGrid grid, int channels) {
        int[] spatial = grid.spatialShape();
        int k = spatial.length;
        int size = FillValues.spatialSize(spatial);
        float[] out = new float[channels * size];
        int[] start = new int[k];
        int[] extent = new int[k];
        double[] sum = new double[channels * size];
        int[] count = new int[size];
        int[] coord = new int[k];
        for (int w = 0; w < grid.count(); w++) {
            grid.region(w, start, extent);
            for (int p = 0; p < size; p++) {
                int rest = p;
                boolean inside = true;
                for (int d = k - 1; d >= 0; d--) {
                    coord[d] = rest % spatial[d];
                    rest /= spatial[d];
                    inside &= coord[d] >= start[d] && coord[d] < start[d] + extent[d];
                }
                if (inside) {
                    count[p]++;
                    for (int c = 0; c < channels; c++) {
                        sum[c * size + p] += gridMap[c * grid.count() + w];
                    }
                }
            }
        }
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < size; p++) {
                out[c * size + p] = count[p] == 0 ? 0f : (float) (sum[c * size + p] / count[p]);
            }
        }
        return out;
    }
}
