package io.occlusion4j.video;

import io.occlusion4j.Occlusion;

/**
 * How a clip is taken from a video: how many frames {@code T}, which ones, and the size and channel
 * order they are brought to.
 *
 * <p>Sampling is either <b>uniform</b> (the default: {@code T} frames spread evenly over the whole
 * video, first and last included — index {@code round(i * (N - 1) / (T - 1))} for a video of {@code N}
 * frames; a video shorter than {@code T} frames repeats frames, as PyTorchVideo's uniform temporal
 * subsampling does) or <b>strided</b> ({@code start, start + stride, ..., start + (T - 1) * stride};
 * a video too short for that is an error).
 *
 * <p>A height or width of 0 keeps the video's own size. Immutable; the {@code with...} methods return
 * changed copies.
 *
 * @param frames T, the number of frames taken, >= 1
 * @param start  first frame index of strided sampling (0-based); ignored when {@code stride == 0}
 * @param stride frame stride of strided sampling, or 0 for uniform sampling
 * @param height frame height after resizing, or 0 for the video's own
 * @param width  frame width after resizing, or 0 for the video's own
 * @param bgr    channels in BGR order instead of RGB
 */
public record ClipSpec(int frames, int start, int stride, int height, int width, boolean bgr) {
    public ClipSpec {
        if (frames < 1) {
            throw new IllegalArgumentException("a clip needs at least 1 frame, got frames = " + frames);
        }
        if (start < 0) {
            throw new IllegalArgumentException("start frame must be >= 0, got " + start);
        }
        if (stride < 0) {
            throw new IllegalArgumentException("frame stride must be >= 1 (or 0 for uniform sampling), got " + stride);
        }
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new IllegalArgumentException("frame size must be both positive or both 0 (the video's own), got "
                    + height + "x" + width);
        }
    }

    /** {@code frames} frames sampled uniformly, at the video's own size, RGB. */
    public static ClipSpec uniform(int frames) {
        return new ClipSpec(frames, 0, 0, 0, 0, false);
    }

    /** {@code frames} frames from {@code start} every {@code stride} frames, at the video's own size, RGB. */
    public static ClipSpec strided(int frames, int start, int stride) {
        if (stride < 1) {
            throw new IllegalArgumentException("frame stride must be >= 1, got " + stride);
        }
        return new ClipSpec(frames, start, stride, 0, 0, false);
    }

    /**
     * The clip a model takes: for a 3-D model with input {@code [N, C, T, H, W]}, its fixed {@code T}
     * (then {@code frames} must be that or 0) and {@code H x W}; for a frame-wise 2-D model
     * {@code [N, C, H, W]}, {@code frames} frames (required, >= 1) at its {@code H x W}. When any axis of
     * the model is dynamic, {@code frames} frames are taken at the video's own size. Sampling is uniform.
     */
    public static ClipSpec forModel(Occlusion occlusion, int frames) {
        int rank = occlusion.signature().inputShape().length - 2;
        int[] spatial = occlusion.modelSpatialSize();
        if (rank == 3) {
            int tt = frames;
            if (spatial != null) {
                if (frames != 0 && frames != spatial[0]) {
                    throw new IllegalArgumentException("the model takes clips of " + spatial[0] + " frames (input "
                            + occlusion.signature().describeInput() + "), not " + frames);
                }
                tt = spatial[0];
            } else if (frames < 1) {
                throw new IllegalArgumentException("the model's input " + occlusion.signature().describeInput()
                        + " has dynamic axes: give the number of frames");
            }
            return new ClipSpec(tt, 0, 0, spatial != null ? spatial[1] : 0, spatial != null ? spatial[2] : 0, false);
        }
        if (rank == 2) {
            if (frames < 1) {
                throw new IllegalArgumentException("the model is frame-wise (input " + occlusion.signature().describeInput()
                        + "): give the number of frames to explain");
            }
            return new ClipSpec(frames, 0, 0, spatial != null ? spatial[0] : 0, spatial != null ? spatial[1] : 0, false);
        }
        throw new IllegalArgumentException("the model input " + occlusion.signature().describeInput()
                + " is neither a clip [N, C, T, H, W] nor a frame [N, C, H, W]");
    }

    /** Uniform sampling (the stride set to 0). */
    public ClipSpec withUniform() {
        return new ClipSpec(frames, 0, 0, height, width, bgr);
    }

    /** Strided sampling from {@code start} every {@code stride} frames. */
    public ClipSpec withStride(int start, int stride) {
        if (stride < 1) {
            throw new IllegalArgumentException("frame stride must be >= 1, got " + stride);
        }
        return new ClipSpec(frames, start, stride, height, width, bgr);
    }

    public ClipSpec withFrames(int t) {
        return new ClipSpec(t, start, stride, height, width, bgr);
    }

    public ClipSpec withSize(int h, int w) {
        return new ClipSpec(frames, start, stride, h, w, bgr);
    }

    public ClipSpec withBgr(boolean b) {
        return new ClipSpec(frames, start, stride, height, width, b);
    }

    public boolean isUniform() {
        return stride == 0;
    }

    /**
     * The source frame indices this spec takes from a video of {@code available} frames.
     *
     * @throws IllegalArgumentException when strided sampling runs past the end (the message names the numbers)
     */
    public int[] indices(int available, String source) {
        if (available < 1) {
            throw new IllegalArgumentException(source + " has no frames");
        }
        int[] idx = new int[frames];
        if (isUniform()) {
            if (frames == 1) {
                idx[0] = (available - 1) / 2;
            } else {
                for (int i = 0; i < frames; i++) {
                    idx[i] = (int) Math.round(i * (double) (available - 1) / (frames - 1));
                }
            }
            return idx;
        }
        long last = start + (long) (frames - 1) * stride;
        if (last >= available) {
            throw new IllegalArgumentException(source + " has " + available + " frames, but " + frames
                    + " frames from frame " + start + " at stride " + stride + " need frame " + last
                    + " (at most " + Math.max(0, (available - 1 - start) / stride + 1) + " such frames fit)");
        }
        for (int i = 0; i < frames; i++) {
            idx[i] = start + i * stride;
        }
        return idx;
    }

    @Override
    public String toString() {
        String size = height == 0 ? "own size" : height + "x" + width;
        String how = isUniform() ? "uniform" : "from " + start + " stride " + stride;
        return "ClipSpec[" + frames + " frames " + how + ", " + size + (bgr ? ", BGR" : ", RGB") + "]";
    }
}
