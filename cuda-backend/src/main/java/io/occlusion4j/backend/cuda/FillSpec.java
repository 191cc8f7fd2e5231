// The fill of a GPU run in host terms; the session prepares its device form (DeviceFill).
package io.occlusion4j.backend.cuda;

/** Mirrors {@code io.occlusion4j.Fill}; the engine's CUDA back end maps one onto the other. */
public sealed interface FillSpec {
    /** One value, or one per channel. */
    record Constant(float[] values) implements FillSpec {}

    /** Each channel's mean over the input. */
    record ChannelMean() implements FillSpec {}

    /** A separable Gaussian blur of the input. */
    record Blur(double sigma) implements FillSpec {}

    /** Counter-based noise in {@code [low, high)}. */
    record Noise(long seed, float low, float high) implements FillSpec {}

    /** A baseline tensor of the input's shape ({@code [C, D...]}, raw space). */
    record Baseline(float[] tensor) implements FillSpec {}

    /** MONAI's soft Gaussian window. */
    record SoftWindow(double sigma) implements FillSpec {}
}
