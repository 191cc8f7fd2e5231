package io.occlusion4j.video;

import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Explains clips with an {@link Occlusion}: a 3-D model ({@code [N, C, T, H, W]}) in one run over the
 * clip with the explainer's 3-D windows {@code (t, h, w)}, or a frame-wise 2-D model
 * ({@code [N, C, H, W]}) frame by frame with its 2-D windows {@code (h, w)}.
 *
 * <p>Per-frame mode explains the T frames one after another with the same loaded model (nothing is
 * reloaded); within a frame the engine batches the occluded variants as usual, so each forward scores a
 * batch of windows of one frame. Frames are not mixed into one batch: every frame has its own unoccluded
 * scores and targets, and the engine's loop is kept as it is.
 */
public final class VideoExplainer {
    private VideoExplainer() {}

    /** Explains {@code clip} in the mode the model's input rank calls for: 3-D for rank 5, per frame for rank 4. */
    public static VideoMap explain(Occlusion occlusion, Clip clip) {
        return explain(occlusion, clip.tensor());
    }

    /** As {@link #explain(Occlusion, Clip)} for a raw clip tensor {@code [C, T, H, W]}. */
    public static VideoMap explain(Occlusion occlusion, Tensor clip) {
        int rank = occlusion.signature().inputShape().length;
        return switch (rank) {
            case 5 -> explainClip(occlusion, clip);
            case 4 -> explainPerFrame(occlusion, clip, null);
            default -> throw new OcclusionException("the model input " + occlusion.signature().describeInput()
                    + " is neither a clip [N, C, T, H, W] nor a frame [N, C, H, W]");
        };
    }

    /** One 3-D run over {@code clip} {@code [C, T, H, W]}. */
    public static VideoMap explainClip(Occlusion occlusion, Tensor clip) {
        checkClip(clip);
        return VideoMap.ofClip(occlusion.explain(clip));
    }

    /**
     * Every frame of {@code clip} {@code [C, T, H, W]} explained on its own with a frame-wise model.
     *
     * @param progress told after each frame (frames done, T); may be null
     */
    public static VideoMap explainPerFrame(Occlusion occlusion, Tensor clip, FrameProgress progress) {
        checkClip(clip);
        int t = clip.dim(1);
        List<SensitivityMap> maps = new ArrayList<>(t);
        for (int f = 0; f < t; f++) {
            try {
                maps.add(occlusion.explain(Clip.frameOf(clip, f)));
            } catch (OcclusionException e) {
                throw new OcclusionException("frame " + f + " of the clip: " + e.getMessage(), e);
            }
            if (progress != null) {
                progress.framesDone(f + 1, t);
            }
        }
        return VideoMap.ofFrames(maps);
    }

    /** Told after each frame of a per-frame explanation. */
    @FunctionalInterface
    public interface FrameProgress {
        void framesDone(int done, int total);
    }

    private static void checkClip(Tensor clip) {
        Objects.requireNonNull(clip, "clip");
        if (clip.rank() != 4) {
            throw new IllegalArgumentException("a clip must be [C, T, H, W], got " + clip);
        }
    }
}
