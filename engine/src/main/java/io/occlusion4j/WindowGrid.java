package io.occlusion4j;

import java.util.Arrays;

/**
 * Every window position over the spatial axes {@code D1..Dk} of an input, for one window shape, stride
 * and edge policy. Positions are numbered in row-major order over the grid shape {@code G1..Gk}; along
 * each axis, starts and ends never decrease, so the windows covering any coordinate form one contiguous
 * run of grid indices (which the pixel-map reduction relies on).
 */
public final class WindowGrid {
    private final int[] spatial;
    private final int[] window;
    private final int[] stride;
    private final Edge edge;
    private final int[][] starts;
    private final int[][] extents;
    private final int[] gridShape;
    private final int count;

    private WindowGrid(int[] spatial, int[] window, int[] stride, Edge edge) {
        this.spatial = spatial;
        this.window = window;
        this.stride = stride;
        this.edge = edge;
        int k = spatial.length;
        starts = new int[k][];
        extents = new int[k][];
        gridShape = new int[k];
        long total = 1;
        for (int d = 0; d < k; d++) {
            int span = spatial[d] - window[d];
            int n = switch (edge) {
                // With gaps (stride > window) Captum's count can put the last start at or past the
                // edge; such a window would cover nothing, so it is not a position.
                case CROP -> Math.min(ceilDiv(span, stride[d]) + 1, ceilDiv(spatial[d], stride[d]));
                case SHIFT -> ceilDiv(span, stride[d]) + 1;
                case INSIDE -> span / stride[d] + 1;
            };
            starts[d] = new int[n];
            extents[d] = new int[n];
            for (int i = 0; i < n; i++) {
                int s = i * stride[d];
                if (edge == Edge.SHIFT) {
                    s = Math.min(s, span);
                }
                starts[d][i] = s;
                extents[d][i] = Math.min(window[d], spatial[d] - s);
            }
            gridShape[d] = n;
            total *= n;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window grid " + Arrays.toString(gridShape) + " has too many positions");
        }
        count = (int) total;
    }

    /**
     * Builds the grid, checking the settings against the input.
     *
     * @param spatial   the input's spatial shape {@code D1..Dk}
     * @param window    window size per spatial axis
     * @param stride    stride per spatial axis
     * @param allowGaps whether a stride larger than its window (leaving elements uncovered) is accepted
     */
    public static WindowGrid of(int[] spatial, int[] window, int[] stride, Edge edge, boolean allowGaps) {
        if (spatial.length == 0) {
            throw new IllegalArgumentException("the input has no spatial axes");
        }
        if (window == null || window.length != spatial.length) {
            throw new IllegalArgumentException("window " + Arrays.toString(window) + " has " + (window == null ? 0 : window.length)
                    + " axes but the input has " + spatial.length + " spatial axes " + Arrays.toString(spatial));
        }
        if (stride == null || stride.length != spatial.length) {
            throw new IllegalArgumentException("stride " + Arrays.toString(stride) + " has " + (stride == null ? 0 : stride.length)
                    + " axes but the input has " + spatial.length + " spatial axes " + Arrays.toString(spatial));
        }
        for (int d = 0; d < spatial.length; d++) {
            if (window[d] < 1) {
                throw new IllegalArgumentException("window " + Arrays.toString(window) + " must be >= 1 on every axis (axis " + d + " is " + window[d] + ")");
            }
            if (stride[d] < 1) {
                throw new IllegalArgumentException("stride " + Arrays.toString(stride) + " must be >= 1 on every axis (axis " + d + " is " + stride[d] + ")");
            }
            if (window[d] > spatial[d]) {
                throw new IllegalArgumentException("window " + Arrays.toString(window) + " is larger than the input " + Arrays.toString(spatial)
                        + " on axis " + d + " (" + window[d] + " > " + spatial[d] + ")");
            }
            if (stride[d] > window[d] && !allowGaps) {
                throw new IllegalArgumentException("stride " + Arrays.toString(stride) + " is larger than the window " + Arrays.toString(window)
                        + " on axis " + d + ", which leaves gaps no window covers; allow gaps explicitly if that is meant");
            }
        }
        return new WindowGrid(spatial.clone(), window.clone(), stride.clone(), edge);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    public int rank() {
        return spatial.length;
    }

    public int[] spatialShape() {
        return spatial.clone();
    }

    public int[] window() {
        return window.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    public Edge edge() {
        return edge;
    }

    /** Number of window positions per axis. */
    public int[] gridShape() {
        return gridShape.clone();
    }

    /** Number of window positions in all. */
    public int count() {
        return count;
    }

    /** Start of the {@code i}-th window along {@code axis}. */
    public int start(int axis, int i) {
        return starts[axis][i];
    }

    /** Covered length of the {@code i}-th window along {@code axis} (less than the window where cropped). */
    public int extent(int axis, int i) {
        return extents[axis][i];
    }

    /** Writes the start and covered extent of window {@code position} (row-major grid index) per axis. */
    public void region(int position, int[] start, int[] extent) {
        int rest = position;
        for (int d = spatial.length - 1; d >= 0; d--) {
            int i = rest % gridShape[d];
            rest /= gridShape[d];
            start[d] = starts[d][i];
            extent[d] = extents[d][i];
        }
    }

    /** First grid index along {@code axis} whose window covers coordinate {@code x}, or -1 if none does. */
    public int firstCovering(int axis, int x) {
        int[] s = starts[axis];
        int[] e = extents[axis];
        for (int i = 0; i < s.length; i++) {
            if (x < s[i]) {
                return -1;
            }
            if (x < s[i] + e[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Last grid index along {@code axis} whose window covers coordinate {@code x}, or -1 if none does. */
    public int lastCovering(int axis, int x) {
        int[] s = starts[axis];
        int[] e = extents[axis];
        for (int i = s.length - 1; i >= 0; i--) {
            if (x >= s[i] + e[i]) {
                return -1;
            }
            if (x >= s[i]) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "WindowGrid[input=" + Arrays.toString(spatial) + ", window=" + Arrays.toString(window) + ", stride="
                + Arrays.toString(stride) + ", edge=" + edge + ", grid=" + Arrays.toString(gridShape) + "]";
    }
}
