package io.occlusion4j.core;

import io.occlusion4j.Fill;
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
 */
public record ExplainRequest(float[] input, int channels, WindowGrid grid, boolean perChannel, Fill fill,
        InputTransform transform, long[] modelShape, Score score, Reduce reduce, List<String> outputs,
        Targets targets, int batchSize) {

    public int windowCount() {
        return perChannel ? channels * grid.count() : grid.count();
    }
}
