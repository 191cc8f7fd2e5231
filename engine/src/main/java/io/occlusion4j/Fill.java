package io.occlusion4j;

import io.occlusion4j.io.Npy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * What replaces the input under a window. Fills are applied in raw pixel space (for tensor inputs, in
 * the tensor's own space), before the model's normalisation.
 */
public sealed interface Fill {
    /** The largest blur sigma: a kernel of 2,401 taps, wider than any axis of a picture within the server's limits. */
    double MAX_BLUR_SIGMA = 400;

    /** The sigma of {@code blur} when the text names none, in input elements. */
    double DEFAULT_BLUR_SIGMA = 5.0;
    /** The seed of {@code noise} when the text names none. */
    long DEFAULT_NOISE_SEED = 0;
    /** The grammar {@link #parse} takes, for messages and help texts. */
    String GRAMMAR = "VALUE, a,b,c, mean, blur[:SIGMA], noise[:SEED] or FILE.npy";

    /**
     * A fill as {@code --fill} takes it: a number ({@code 0}, {@code 0.5}), one number per channel
     * ({@code 0.485,0.456,0.406}), {@code mean}, {@code blur} or {@code blur:SIGMA}, {@code noise} or
     * {@code noise:SEED}, or a {@code .npy} baseline of the input's shape (read with {@link Npy#read}).
     *
     * @throws InvalidOptionException naming {@code fill} and the text when it is none of those
     */
    static Fill parse(String text) {
        return parse(text, Npy::read);
    }

    /**
     * As {@link #parse(String)}, with {@code baselineFile} turning a {@code .npy} path into the baseline: a
     * service that must not read paths its clients send passes a function that refuses them.
     */
    static Fill parse(String text, Function<Path, Tensor> baselineFile) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        try {
            if (lower.equals("mean")) {
                return mean();
            }
            if (lower.equals("blur") || lower.startsWith("blur:")) {
                return blur(lower.equals("blur") ? DEFAULT_BLUR_SIGMA : Double.parseDouble(t.substring(5).strip()));
            }
            if (lower.equals("noise") || lower.startsWith("noise:")) {
                return noise(lower.equals("noise") ? DEFAULT_NOISE_SEED : seed(t.substring(6), text));
            }
            if (lower.endsWith(".npy")) {
                return baseline(baselineFile.apply(Path.of(t)));
            }
            String[] parts = t.split(",", -1);
            float[] values = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                values[i] = Float.parseFloat(parts[i].strip());
            }
            return values.length == 1 ? constant(values[0]) : constantPerChannel(values);
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("fill", text, "expected " + GRAMMAR);
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionException("fill", text, e.getMessage()); // a sigma <= 0, a value not finite
        }
    }

    private static long seed(String digits, String text) {
        try {
            return Long.parseLong(digits.strip());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("fill", text, "the noise seed must be an integer");
        }
    }

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
            if (!(sigma > 0) || !(sigma <= MAX_BLUR_SIGMA)) {
                throw new IllegalArgumentException("blur sigma must be in (0, " + (int) MAX_BLUR_SIGMA + "], got " + sigma);
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
