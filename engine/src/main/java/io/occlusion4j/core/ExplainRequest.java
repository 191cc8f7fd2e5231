package io.occlusion4j.core;

import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One explanation for a back end, already checked against the model: the raw input, the settings (with
 * the model outputs resolved to names), the window grid, and optionally a subset of windows. Everything
 * else a back end needs (channels, the normalisation, the sample shape in the model's layout) follows
 * from these.
 *
 * @param input    raw input {@code [C, D1..Dk]}
 * @param settings the explainer's settings; {@link Settings#outputs()} names the outputs to score
 * @param grid     every window position over the input's spatial axes
 * @param windows  the windows to explain (numbered as {@link VariantWriter} numbers them, ascending, no
 *                 repeats), or {@code null} for every window; grid-map entries of the others are NaN
 * @param baseScores the unoccluded input's scores, known from an earlier explanation of the same input with the same
 *                 settings ({@link io.occlusion4j.SensitivityMap#allBaseScores()}): the loop then skips the
 *                 unoccluded forward; {@code null} to score it. Only with a non-empty subset of windows.
 */
public record ExplainRequest(Tensor input, Settings settings, WindowGrid grid, int[] windows, float[] baseScores) {

    public ExplainRequest {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(grid, "grid");
        if (settings.outputs().isEmpty()) {
            throw new IllegalArgumentException("a request names its outputs (resolved against the model)");
        }
        int channels = input.shape()[0];
        if (windows != null) {
            windows = WindowSubsets.check(windows, settings.perChannel() ? channels * grid.count() : grid.count());
        }
        if (baseScores != null) {
            if (windows == null || windows.length == 0) {
                throw new IllegalArgumentException("known base scores are only for a non-empty subset of windows");
            }
            baseScores = baseScores.clone();
            for (float v : baseScores) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("known base scores contain NaN or Inf: " + Arrays.toString(baseScores));
                }
            }
        }
    }

    /** A request for a subset of windows (or every window for {@code null}) that scores the unoccluded input. */
    public ExplainRequest(Tensor input, Settings settings, WindowGrid grid, int[] windows) {
        this(input, settings, grid, windows, null);
    }

    /** A request for every window. */
    public ExplainRequest(Tensor input, Settings settings, WindowGrid grid) {
        this(input, settings, grid, null, null);
    }

    /** This request restricted to {@code windows} (see the record component). */
    public ExplainRequest withWindows(int[] windows) {
        return new ExplainRequest(input, settings, grid, windows, null);
    }

    /** This request with the unoccluded input's scores already known (see the record component). */
    public ExplainRequest withBaseScores(float[] scores) {
        return new ExplainRequest(input, settings, grid, windows, scores);
    }

    /** The raw input's values, {@code [C, D1..Dk]} flattened (the tensor's own array: do not write). */
    public float[] data() {
        return input.data();
    }

    public int channels() {
        return input.shape()[0];
    }

    /** The normalisation and layout the model's input takes, one mean and std per channel. */
    public InputTransform transform() {
        float[] mean = settings.mean();
        int c = channels();
        return mean == null ? InputTransform.identity(c, settings.layout())
                : new InputTransform(broadcast(mean, c, "mean"), broadcast(settings.std(), c, "std"), settings.layout());
    }

    /** The shape of one sample as the model takes it (layout applied, no batch axis). */
    public long[] modelShape() {
        int[] shape = input.shape();
        long[] sample = new long[shape.length];
        if (settings.layout() == Layout.CHANNELS_FIRST) {
            for (int i = 0; i < shape.length; i++) {
                sample[i] = shape[i];
            }
        } else {
            for (int i = 1; i < shape.length; i++) {
                sample[i - 1] = shape[i];
            }
            sample[shape.length - 1] = shape[0];
        }
        return sample;
    }

    public boolean perChannel() {
        return settings.perChannel();
    }

    public Fill fill() {
        return settings.fill();
    }

    public Score score() {
        return settings.score();
    }

    public Reduce reduce() {
        return settings.reduce();
    }

    public Targets targets() {
        return settings.targets();
    }

    /** The outputs to score, by name. */
    public List<String> outputs() {
        return settings.outputs();
    }

    /** Variants per forward asked for, or 0 for the back end's choice. */
    public int batchSize() {
        return settings.batchSize();
    }

    /** Told after each forward how many variants are done, or {@code null}. */
    public ProgressListener progress() {
        return settings.progress();
    }

    public int windowCount() {
        return settings.perChannel() ? channels() * grid.count() : grid.count();
    }

    /** Variants this request scores: every window, or the subset. */
    public int variantCount() {
        return windows == null ? windowCount() : windows.length;
    }

    /** The window of the {@code i}-th variant. */
    public int window(int i) {
        return windows == null ? i : windows[i];
    }

    private static float[] broadcast(float[] v, int channels, String what) {
        if (v.length == channels) {
            return v;
        }
        if (v.length == 1) {
            float[] out = new float[channels];
            Arrays.fill(out, v[0]);
            return out;
        }
        throw new IllegalArgumentException(what + " " + Arrays.toString(v) + " has " + v.length + " values but the input has "
                + channels + " channels");
    }
}
