package io.occlusion4j.core;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Targets;
import io.occlusion4j.WindowGrid;
import java.util.List;

/**
 * Everything a back end needs for one explanation, already checked against the model.
 *
 * @param input      raw input {@code [C, D1..Dk]}, flattened
 * @param modelShape the shape of one sample as the model takes it (layout applied, no batch axis)
 * @param batchSize  variants per forward asked for, or 0 for the back end's default
 * @param progress   told after each forward how many variants are done, or {@code null}
 * @param windows    the windows to explain (numbered as {@link VariantWriter} numbers them, ascending, no
 *                   repeats), or {@code null} for every window; grid-map entries of the others are NaN
 */
public record ExplainRequest(float[] input, int channels, WindowGrid grid, boolean perChannel, Fill fill,
        InputTransform transform, long[] modelShape, Score score, Reduce reduce, List<String> outputs,
        Targets targets, int batchSize, Occlusion.ProgressListener progress, int[] windows) {

    /** A request for every window. */
    public ExplainRequest(float[] input, int channels, WindowGrid grid, boolean perChannel, Fill fill,
            InputTransform transform, long[] modelShape, Score score, Reduce reduce, List<String> outputs,
            Targets targets, int batchSize, Occlusion.ProgressListener progress) {
        this(input, channels, grid, perChannel, fill, transform, modelShape, score, reduce, outputs, targets, batchSize, progress, null);
    }

    public ExplainRequest {
        if (windows != null) {
            windows = WindowSubsets.check(windows, perChannel ? channels * grid.count() : grid.count());
        }
    }

    /** A request without a progress listener. */
    public ExplainRequest(float[] input, int channels, WindowGrid grid, boolean perChannel, Fill fill,
            InputTransform transform, long[] modelShape, Score score, Reduce reduce, List<String> outputs,
            Targets targets, int batchSize) {
        this(input, channels, grid, perChannel, fill, transform, modelShape, score, reduce, outputs, targets, batchSize, null);
    }

    public int windowCount() {
        return perChannel ? channels * grid.count() : grid.count();
    }

    /** This request restricted to {@code windows} (see the record component). */
    public ExplainRequest withWindows(int[] windows) {
        return new ExplainRequest(input, channels, grid, perChannel, fill, transform, modelShape, score, reduce, outputs,
                targets, batchSize, progress, windows);
    }

    /** Variants this request scores: every window, or the subset. */
    public int variantCount() {
        return windows == null ? windowCount() : windows.length;
    }

    /** The window of the {@code i}-th variant. */
    public int window(int i) {
        return windows == null ? i : windows[i];
    }
}
