// A picture of a raw image tensor, for drawing maps over inputs that came as tensors rather than image files.
package io.occlusion4j.render;

import io.occlusion4j.Tensor;
import java.awt.image.BufferedImage;

/** Turns a raw {@code [C, H, W]} tensor in [0,1] into an RGB picture (what the command line and the service draw maps over). */
public final class TensorPicture {
    private TensorPicture() {}

    /**
     * RGB for 3 channels ({@code bgr}: the tensor's channels are in BGR order and are reversed), grey (the
     * channel mean) for any other count; values are clamped to [0,1]. {@code null} when the tensor is not
     * {@code [C, H, W]}.
     */
    public static BufferedImage of(Tensor t, boolean bgr) {
        int[] s = t.shape();
        if (s.length != 3) {
            return null;
        }
        int c = s[0];
        int h = s[1];
        int w = s[2];
        int plane = h * w;
        float[] d = t.data();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            int r;
            int g;
            int b;
            if (c == 3) {
                r = byteOf(d[(bgr ? 2 : 0) * plane + i]);
                g = byteOf(d[plane + i]);
                b = byteOf(d[(bgr ? 0 : 2) * plane + i]);
            } else {
                float sum = 0;
                for (int k = 0; k < c; k++) {
                    sum += d[k * plane + i];
                }
                r = g = b = byteOf(sum / c);
            }
            img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    private static int byteOf(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
