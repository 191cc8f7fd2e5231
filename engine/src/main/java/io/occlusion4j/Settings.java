package io.occlusion4j;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link Occlusion} does with each input, fixed when it is built: the window grid (window, stride,
 * edge, gaps), what fills a window, how the model's output becomes a score, which targets are explained,
 * the batch size, the model's normalisation and layout, how images become tensors, and the progress
 * listener. Immutable; {@link Occlusion.Builder} makes it and {@link Occlusion#settings()} returns it.
 *
 * @param window     window per spatial axis, or {@code null} when not set yet (an explanation needs one)
 * @param stride     stride per spatial axis, or {@code null} for the window
 * @param outputs    model outputs to score by name; empty for the model's first output
 * @param batchSize  variants per forward, 0 for the back end's choice
 * @param mean       normalisation mean (one value, or one per channel), or {@code null} for none
 * @param std        normalisation standard deviation, {@code null} exactly when {@code mean} is
 * @param imageSize  {@code [height, width]} images are resized to, or {@code null} for the model's size
 * @param progress   told after each forward how far a run is, or {@code null}
 * @param incremental whether the CPU back end (and the CUDA back end's device loop) computes variants incrementally
 *                    ({@link Incremental})
 * @param approximate Krypton's projective-field threshold tau in (0, 1]: 1 (the default) computes exact maps; below 1
 *                    each layer's recomputed patch is capped at that fraction of its map (an approximation; incremental
 *                    inference only)
 */
public record Settings(int[] window, int[] stride, Edge edge, boolean perChannel, boolean allowGaps, Fill fill,
        Score score, Targets targets, List<String> outputs, Reduce reduce, int batchSize, float[] mean, float[] std,
        Layout layout, int[] imageSize, boolean bgr, ProgressListener progress, Incremental incremental,
        double approximate) {

    /** Captum's defaults: CROP edges, constant fill 0, RAW scores, the argmax target, all channels jointly. */
    public static final Settings DEFAULTS = new Settings(null, null, Edge.CROP, false, false, Fill.constant(0f), Score.RAW,
            Targets.argmax(), List.of(), Reduce.NONE, 0, null, null, Layout.CHANNELS_FIRST, null, false, null,
            Incremental.AUTO, 1.0);

    /** Settings with incremental inference in its default mode ({@link Incremental#AUTO}, exact). */
    public Settings(int[] window, int[] stride, Edge edge, boolean perChannel, boolean allowGaps, Fill fill,
                    Score score, Targets targets, List<String> outputs, Reduce reduce, int batchSize, float[] mean,
                    float[] std, Layout layout, int[] imageSize, boolean bgr, ProgressListener progress) {
        this(window, stride, edge, perChannel, allowGaps, fill, score, targets, outputs, reduce, batchSize, mean, std,
                layout, imageSize, bgr, progress, Incremental.AUTO, 1.0);
    }

    public Settings {
        Objects.requireNonNull(incremental, "incremental");
        if (!(approximate > 0 && approximate <= 1)) {
            throw new IllegalArgumentException("approximate (tau) must be in (0, 1], got " + approximate);
        }
        Objects.requireNonNull(edge, "edge");
        Objects.requireNonNull(fill, "fill");
        Objects.requireNonNull(score, "score");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(reduce, "reduce");
        Objects.requireNonNull(layout, "layout");
        outputs = List.copyOf(outputs);
        window = window == null ? null : window.clone();
        stride = stride == null ? null : stride.clone();
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        imageSize = imageSize == null ? null : imageSize.clone();
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size must be >= 0, got " + batchSize);
        }
        if ((mean == null) != (std == null) || mean != null && mean.length != std.length) {
            throw new IllegalArgumentException("mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std)
                    + " must be given together, with the same length");
        }
        if (window != null && stride != null && window.length != stride.length) {
            throw new IllegalArgumentException("window " + Arrays.toString(window) + " and stride " + Arrays.toString(stride)
                    + " must have the same number of axes");
        }
        if (imageSize != null && (imageSize.length != 2 || imageSize[0] < 1 || imageSize[1] < 1)) {
            throw new IllegalArgumentException("image size must be two positive values, got " + Arrays.toString(imageSize));
        }
    }

    @Override
    public int[] window() {
        return window == null ? null : window.clone();
    }

    /** The stride as given, or {@code null} when it defaults to the window (see {@link #strideOrWindow()}). */
    @Override
    public int[] stride() {
        return stride == null ? null : stride.clone();
    }

    /** The stride in effect: the one given, else the window (tiles that cover every element once). */
    public int[] strideOrWindow() {
        return stride != null ? stride.clone() : window();
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    @Override
    public int[] imageSize() {
        return imageSize == null ? null : imageSize.clone();
    }

    /** These settings scoring {@code outputs} (the names a request resolved against the model). */
    public Settings withOutputs(List<String> outputs) {
        return new Settings(window, stride, edge, perChannel, allowGaps, fill, score, targets, outputs, reduce, batchSize,
                mean, std, layout, imageSize, bgr, progress, incremental, approximate);
    }
}
