package io.occlusion4j.video;

import io.occlusion4j.Tensor;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * Frames taken from a video (or a folder of frames), ready to explain.
 *
 * @param tensor       the raw input {@code [3, T, H, W]}, each element in [0, 1], RGB (or BGR) order
 * @param frames       the same T frames as decoded, at the source's own size and RGB (for overlays)
 * @param frameIndices for each of the T frames, its 0-based index in the source
 * @param sourceFrames how many frames the source has (decoded, not estimated)
 * @param frameRate    the source's frames per second (0 when unknown, e.g. a folder of frames)
 * @param source       the file or folder, for messages and reports
 */
public record Clip(Tensor tensor, List<BufferedImage> frames, int[] frameIndices, int sourceFrames,
        double frameRate, String source) {
    public Clip {
        Objects.requireNonNull(tensor, "tensor");
        frames = List.copyOf(frames);
        frameIndices = frameIndices.clone();
        if (tensor.rank() != 4 || tensor.dim(1) != frames.size() || frameIndices.length != frames.size()) {
            throw new IllegalArgumentException("clip tensor " + tensor + " does not match its " + frames.size()
                    + " frames and " + frameIndices.length + " indices");
        }
    }

    /** T. */
    public int frameCount() {
        return tensor.dim(1);
    }

    /** H of the tensor. */
    public int height() {
        return tensor.dim(2);
    }

    /** W of the tensor. */
    public int width() {
        return tensor.dim(3);
    }

    /** Frame {@code t} of the tensor as its own raw input {@code [3, H, W]} (a copy). */
    public Tensor frameTensor(int t) {
        return Clip.frameOf(tensor, t);
    }

    @Override
    public int[] frameIndices() {
        return frameIndices.clone();
    }

    /** Frame {@code t} of a {@code [C, T, H, W]} tensor as {@code [C, H, W]} (a copy). */
    static Tensor frameOf(Tensor clip, int t) {
        int c = clip.dim(0);
        int frames = clip.dim(1);
        int plane = clip.dim(2) * clip.dim(3);
        if (t < 0 || t >= frames) {
            throw new IndexOutOfBoundsException("frame " + t + " outside a clip of " + frames);
        }
        float[] src = clip.data();
        float[] out = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            System.arraycopy(src, (ch * frames + t) * plane, out, ch * plane, plane);
        }
        return Tensor.of(out, c, clip.dim(2), clip.dim(3));
    }

    @Override
    public String toString() {
        return "Clip[" + source + ", " + frameCount() + " of " + sourceFrames + " frames, " + height() + "x" + width() + "]";
    }
}
