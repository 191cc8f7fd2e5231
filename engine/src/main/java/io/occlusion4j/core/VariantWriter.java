package io.occlusion4j.core;

import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.WindowGrid;
import java.nio.FloatBuffer;

/**
 * Writes occluded variants into a batch buffer of {@code B} model-layout samples. The normalised input
 * is written into every slot once; after that, moving a slot from one window to the next rewrites only
 * the two window regions (restore the old one from the normalised input, fill the new one), never the
 * whole sample. One instance per (input, settings); not thread-safe; no allocation per window.
 *
 * <p>Windows are numbered {@code 0..count()-1}: the grid positions in row-major order, and with per
 * channel windows {@code c * gridCount + position}.
 */
public final class VariantWriter {
    private final WindowGrid grid;
    private final boolean perChannel;
    private final int channels;
    private final int spatialSize;
    private final int sampleSize;
    private final boolean channelsLast;
    private final int[] spatialStride;
    private final float[] normalizedBase;
    private final float[] normalizedFill;
    // Soft window only: the raw input, the mask over window offsets, and the normalisation.
    private final float[] raw;
    private final float[] softMask;
    private final int[] windowStride;
    private final float[] mean;
    private final float[] scale;
    // Scratch, reused for every window.
    private final int[] start;
    private final int[] extent;
    private final int[] counter;

    /**
     * @param x the raw input {@code [C, D1..Dk]}, flattened
     */
    /** The writer for a request's input, windows, fill and normalisation. */
    public static VariantWriter of(ExplainRequest r) {
        return new VariantWriter(r.data(), r.channels(), r.grid(), r.perChannel(), r.fill(), r.transform());
    }

    public VariantWriter(float[] x, int channels, WindowGrid grid, boolean perChannel, Fill fill, InputTransform transform) {
        if (transform.channels() != channels) {
            throw new IllegalArgumentException("normalisation has " + transform.channels() + " channels but the input has " + channels);
        }
        int[] spatial = grid.spatialShape();
        this.grid = grid;
        this.perChannel = perChannel;
        this.channels = channels;
        this.spatialSize = FillValues.spatialSize(spatial);
        this.sampleSize = channels * spatialSize;
        this.channelsLast = transform.layout() == Layout.CHANNELS_LAST;
        int k = spatial.length;
        spatialStride = new int[k];
        int s = 1;
        for (int d = k - 1; d >= 0; d--) {
            spatialStride[d] = s;
            s *= spatial[d];
        }
        normalizedBase = transform.toModel(x, spatialSize);
        float[] staticFill = FillValues.staticFill(fill, x, channels, spatial);
        if (staticFill != null) {
            normalizedFill = transform.toModel(staticFill, spatialSize);
            raw = null;
            softMask = null;
            windowStride = null;
        } else {
            normalizedFill = null;
            raw = x;
            int[] window = grid.window();
            softMask = FillValues.softWindowMask(window, ((Fill.GaussianWindow) fill).sigma());
            windowStride = new int[k];
            int w = 1;
            for (int d = k - 1; d >= 0; d--) {
                windowStride[d] = w;
                w *= window[d];
            }
        }
        mean = transform.mean();
        scale = transform.scale();
        start = new int[k];
        extent = new int[k];
        counter = new int[k];
    }

    /** Elements of one sample. */
    public int sampleSize() {
        return sampleSize;
    }

    /** Number of windows (variants) in all. */
    public int count() {
        return perChannel ? channels * grid.count() : grid.count();
    }

    /** The normalised, unoccluded sample in model layout (not a copy). */
    public float[] normalizedBase() {
        return normalizedBase;
    }

    /** Writes the unoccluded sample into {@code slot}. */
    public void writeBase(FloatBuffer dst, int slot) {
        dst.put(slot * sampleSize, normalizedBase, 0, sampleSize);
    }

    /** Undoes window {@code window} in {@code slot}, which must hold that window's variant. */
    public void restore(FloatBuffer dst, int slot, int window) {
        region(window, dst, slot * sampleSize, false);
    }

    /** Occludes window {@code window} in {@code slot}, which must hold the unoccluded sample there. */
    public void occlude(FloatBuffer dst, int slot, int window) {
        region(window, dst, slot * sampleSize, true);
    }

    private void region(int window, FloatBuffer dst, int base, boolean fill) {
        int channel = -1;
        int position = window;
        if (perChannel) {
            channel = window / grid.count();
            position = window % grid.count();
        }
        grid.region(position, start, extent);
        int k = start.length;
        int last = k - 1;
        int rowLen = extent[last];
        int rows = 1;
        for (int d = 0; d < last; d++) {
            rows *= extent[d];
            counter[d] = 0;
        }
        for (int r = 0; r < rows; r++) {
            int p0 = start[last];
            int m0 = 0;
            for (int d = 0; d < last; d++) {
                p0 += (start[d] + counter[d]) * spatialStride[d];
                if (softMask != null) {
                    m0 += counter[d] * windowStride[d];
                }
            }
            int c0 = channel < 0 ? 0 : channel;
            int c1 = channel < 0 ? channels : channel + 1;
            if (fill && softMask != null) {
                writeSoftRow(dst, base, p0, rowLen, m0, c0, c1);
            } else {
                float[] src = fill ? normalizedFill : normalizedBase;
                if (!channelsLast) {
                    for (int c = c0; c < c1; c++) {
                        int off = c * spatialSize + p0;
                        dst.put(base + off, src, off, rowLen);
                    }
                } else if (channel < 0) {
                    int off = p0 * channels;
                    dst.put(base + off, src, off, rowLen * channels);
                } else {
                    for (int i = 0; i < rowLen; i++) {
                        int off = (p0 + i) * channels + channel;
                        dst.put(base + off, src[off]);
                    }
                }
            }
            for (int d = last - 1; d >= 0; d--) {
                if (++counter[d] < extent[d]) {
                    break;
                }
                counter[d] = 0;
            }
        }
    }

    private void writeSoftRow(FloatBuffer dst, int base, int p0, int rowLen, int m0, int c0, int c1) {
        for (int c = c0; c < c1; c++) {
            float m = mean[c];
            float sc = scale[c];
            int rawOff = c * spatialSize + p0;
            for (int i = 0; i < rowLen; i++) {
                float v = (raw[rawOff + i] * softMask[m0 + i] - m) * sc;
                int off = channelsLast ? (p0 + i) * channels + c : c * spatialSize + p0 + i;
                dst.put(base + off, v);
            }
        }
    }
}
