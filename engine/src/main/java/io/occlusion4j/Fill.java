package io.occlusion4j;

import java.util.Objects;

/**
 * What replaces the input under a window. Fills are applied in raw pixel space (for tensor inputs, in
 * the tensor's own space), before the model's normalisation.
 */
public sealed interface Fill {

    /** Every covered element becomes {@code value} (Captum's {@code baselines=value}; the default is 0). */
    static Fill constant(float value) {
        return new Constant(new float[] {value});
    }

    /** One constant per channel (e.g. an ImageNet mean in raw pixel space). */
    static Fill constantPerChannel(float... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("constantPerChannel needs at least one value");
        }
        return new Constant(values.clone());
    }

    /** Each channel's mean over the input's spatial extent. */
    static Fill mean() {
        return Mean.INSTANCE;
    }

    /**
     * A Gaussian-blurred copy of the input (separable, per channel, over every spatial axis; kernel radius
     * {@code ceil(3 sigma)}, normalised, edges replicated).
     */
    static Fill blur(double sigma) {
        return new Blur(sigma);
    }

    /**
     * Seeded uniform noise in {@code [low, high)}. The value of an element depends only on the seed and the
     * element's index in the input, so every window sees the same noise where they overlap.
     */
    static Fill noise(long seed, float low, float high) {
        return new Noise(seed, low, high);
    }

    /** Seeded uniform noise in {@code [0, 1)} (raw pixel space). */
    static Fill noise(long seed) {
        return new Noise(seed, 0f, 1f);
    }

    /** A user-given baseline of the input's shape (Captum's tensor {@code baselines}). */
    static Fill baseline(Tensor baseline) {
        return new Baseline(Objects.requireNonNull(baseline, "baseline"));
    }

    /**
     * MONAI's soft Gaussian window: the covered input is multiplied by {@code (1-g)/(1-g_min)}, where
     * {@code g} is a Gaussian centred at the window's centre element ({@code w_d/2}) with standard deviation
     * {@code sigma * w_d} per axis and {@code g_min} its smallest value over the window. The centre is fully
     * removed, the corners kept.
     */
    static Fill gaussianWindow(double sigma) {
        return new GaussianWindow(sigma);
    }

    /** MONAI's default soft window ({@code sigma = 0.25}). */
    static Fill gaussianWindow() {
        return new GaussianWindow(0.25);
    }

    record Constant(float[] values) implements Fill {
        public Constant {
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("constant fill must be finite, got " + v);
                }
            }
        }
    }

    enum Mean implements Fill {
        INSTANCE
    }

    record Blur(double sigma) implements Fill {
        public Blur {
            if (!(sigma > 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("blur sigma must be > 0, got " + sigma);
            }
        }
    }

    record Noise(long seed, float low, float high) implements Fill {
        public Noise {
            if (!(high > low) || !Float.isFinite(low) || !Float.isFinite(high)) {
                throw new IllegalArgumentException("noise range must be finite with low < high, got [" + low + ", " + high + ")");
            }
        }
    }

    record Baseline(Tensor tensor) implements Fill {}

    record GaussianWindow(double sigma) implements Fill {
        public GaussianWindow {
            if (!(sigma > 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("gaussian window sigma must be > 0, got " + sigma);
            }
        }
    }
}
