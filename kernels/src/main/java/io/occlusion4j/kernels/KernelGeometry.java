// The geometry every kernel takes: shape, window grid, edge policy, layout and precision of the output.
package io.occlusion4j.kernels;

import java.util.Arrays;

/**
 * One run's geometry, packed into the 16 ints the kernels take ({@code OCC_GEOM_PARAMS}). A 2-D input is
 * padded to three axes with a leading axis of 1 (window 1, stride 1), which changes no result. {@code edge} is
 * the kernels' {@code OCC_EDGE_*} code ({@link #EDGE_CROP}, {@link #EDGE_INSIDE}, {@link #EDGE_SHIFT}). The grid
 * follows {@code io.occlusion4j.WindowGrid}: SHIFT has {@code ceil((D-w)/s)+1} positions per axis, CROP
 * the same but never a start at or past the edge ({@code ceil(D/s)} at most), INSIDE {@code floor((D-w)/s)+1}.
 */
public record KernelGeometry(int channels, int[] spatial, int[] window, int[] stride, int edge,
                             boolean channelsLast, boolean halfOutput, boolean perChannel) {

    /** {@code OCC_EDGE_CROP}: the last window of an axis cropped at the edge. */
    public static final int EDGE_CROP = 0;
    /** {@code OCC_EDGE_INSIDE}: only whole windows. */
    public static final int EDGE_INSIDE = 1;
    /** {@code OCC_EDGE_SHIFT}: the last window moved back to end at the edge. */
    public static final int EDGE_SHIFT = 2;

    public KernelGeometry {
        if (edge < EDGE_CROP || edge > EDGE_SHIFT) {
            throw new IllegalArgumentException("edge must be an OCC_EDGE_* code (0..2), got " + edge);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (spatial.length < 2 || spatial.length > 3 || window.length != spatial.length || stride.length != spatial.length) {
            throw new IllegalArgumentException("the kernels take 2 or 3 spatial axes with a window and stride each, got spatial "
                    + Arrays.toString(spatial) + " window " + Arrays.toString(window) + " stride " + Arrays.toString(stride));
        }
        for (int d = 0; d < spatial.length; d++) {
            if (window[d] < 1 || stride[d] < 1 || window[d] > spatial[d]) {
                throw new IllegalArgumentException("axis " + d + ": window " + window[d] + ", stride " + stride[d]
                        + " do not fit the input " + Arrays.toString(spatial));
            }
        }
        spatial = spatial.clone();
        window = window.clone();
        stride = stride.clone();
    }

    public int rank() {
        return spatial.length;
    }

    /** Window positions along each of the input's axes. */
    public int[] gridShape() {
        int[] g = new int[spatial.length];
        for (int d = 0; d < g.length; d++) {
            int span = spatial[d] - window[d];
            int ceil = -Math.floorDiv(-span, stride[d]) + 1;
            g[d] = switch (edge) {
                case EDGE_INSIDE -> span / stride[d] + 1;
                case EDGE_SHIFT -> ceil;
                // With gaps a CROP start can fall at or past the edge; WindowGrid drops such windows.
                default -> Math.min(ceil, -Math.floorDiv(-spatial[d], stride[d]));
            };
        }
        return g;
    }

    public long spatialSize() {
        long s = 1;
        for (int d : spatial) {
            s *= d;
        }
        return s;
    }

    public long gridCount() {
        long s = 1;
        for (int d : gridShape()) {
            s *= d;
        }
        return s;
    }

    /** Variants in all: grid positions, times channels with per-channel windows. */
    public long windowCount() {
        return perChannel ? channels * gridCount() : gridCount();
    }

    /** Elements of one model-input sample. */
    public long sampleElements() {
        return channels * spatialSize();
    }

    public int elementBytes() {
        return halfOutput ? 2 : 4;
    }

    /** The 16 ints of {@code OccGeom}, in order. */
    public int[] packed() {
        int pad = 3 - spatial.length;
        int[] g = gridShape();
        int[] out = new int[16];
        for (int d = 0; d < 3; d++) {
            boolean real = d >= pad;
            out[d] = real ? spatial[d - pad] : 1;
            out[3 + d] = real ? window[d - pad] : 1;
            out[6 + d] = real ? stride[d - pad] : 1;
            out[9 + d] = real ? g[d - pad] : 1;
        }
        out[12] = edge;
        out[13] = channels;
        out[14] = spatial.length;
        out[15] = (channelsLast ? 1 : 0) | (halfOutput ? 2 : 0) | (perChannel ? 4 : 0);
        return out;
    }

    /** Start and covered extent of window {@code i} along {@code axis}, as the kernels compute them. */
    public int[] axisWindow(int axis, int i) {
        int s = i * stride[axis];
        int span = spatial[axis] - window[axis];
        if (edge == EDGE_SHIFT && s > span) {
            s = span;
        }
        return new int[] {s, Math.min(window[axis], spatial[axis] - s)};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelGeometry g && channels == g.channels && Arrays.equals(spatial, g.spatial)
                && Arrays.equals(window, g.window) && Arrays.equals(stride, g.stride) && edge == g.edge
                && channelsLast == g.channelsLast && halfOutput == g.halfOutput && perChannel == g.perChannel;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(packed());
    }

    @Override
    public String toString() {
        return "KernelGeometry[C=" + channels + ", spatial=" + Arrays.toString(spatial) + ", window=" + Arrays.toString(window)
                + ", stride=" + Arrays.toString(stride) + ", " + new String[] {"CROP", "INSIDE", "SHIFT"}[edge] + (channelsLast ? ", NHWC" : ", NCHW")
                + (halfOutput ? ", fp16" : ", fp32") + (perChannel ? ", per channel" : "") + "]";
    }
}
