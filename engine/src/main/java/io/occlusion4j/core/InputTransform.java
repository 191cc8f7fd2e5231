package io.occlusion4j.core;

import io.occlusion4j.Layout;
import java.util.Arrays;

/**
 * How a raw input {@code [C, D1..Dk]} becomes one sample of the model's input: per-channel
 * {@code (v - mean[c]) / std[c]}, then the model's layout. Variants are written through this same
 * transform, so the fill happens in raw space.
 */
public record InputTransform(float[] mean, float[] std, Layout layout) {

    public InputTransform {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std)
                    + " must have the same number of channels");
        }
        for (float s : std) {
            if (!(s != 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("std " + Arrays.toString(std) + " must be finite and non-zero");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** No normalisation, channels first. */
    public static InputTransform identity(int channels, Layout layout) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(std, 1f);
        return new InputTransform(mean, std, layout);
    }

    public int channels() {
        return mean.length;
    }

    /** Scale {@code 1/std[c]}: the writer multiplies rather than divides. */
    public float[] scale() {
        float[] s = new float[std.length];
        for (int c = 0; c < s.length; c++) {
            s[c] = 1f / std[c];
        }
        return s;
    }

    /**
     * Writes the whole raw tensor {@code x} ({@code [C, S]} flattened, S spatial elements) into a model-layout
     * array, normalised.
     */
    public float[] toModel(float[] x, int spatialSize) {
        int channels = channels();
        float[] out = new float[x.length];
        float[] scale = scale();
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float sc = scale[c];
            for (int p = 0; p < spatialSize; p++) {
                float v = (x[c * spatialSize + p] - m) * sc;
                if (layout == Layout.CHANNELS_FIRST) {
                    out[c * spatialSize + p] = v;
                } else {
                    out[p * channels + c] = v;
                }
            }
        }
        return out;
    }
}
