// Decodes an explain request's input (PNG/JPEG or NPY) within the server's size limits.
package io.occlusion4j.server;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns a request's input bytes into a picture or a tensor. Images are refused from their header, before any pixel
 * is decoded, when they exceed {@code maxPixels} or {@code maxSide}; tensors when their spatial extent does.
 */
final class InputDecoder {
    /**
     * The decoded input: exactly one of {@code image} (to be resized by the model's settings) and {@code tensor}
     * (used as it is); {@code kind} is {@code "image"} or {@code "tensor"}, as the answer names it.
     */
    record Input(Tensor tensor, BufferedImage image, String kind) {
        /** Spatial axes of the input: 2 for a picture, the tensor's rank less the channel axis. */
        int spatialAxes() {
            return image != null ? 2 : tensor.rank() - 1;
        }
    }

    private final long maxPixels;
    private final int maxSide;

    InputDecoder(long maxPixels, int maxSide) {
        this.maxPixels = maxPixels;
        this.maxSide = maxSide;
    }

    Input decode(RequestBody body) {
        return RequestBody.isImage(body.mediaType()) ? image(body.bytes()) : tensor(body.bytes());
    }

    /** Reads the image header first: a picture too large is refused before its pixels are decoded. */
    private Input image(byte[] body) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ApiException(400, "invalid_image", "the body is not a PNG or JPEG image" + start(body), null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkImageSize(reader.getHeight(0), reader.getWidth(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ApiException(400, "invalid_image", "the image is truncated or corrupt: " + e.getMessage(), null);
        }
        try {
            return new Input(null, Images.decode(body, "the image"), "image");
        } catch (OcclusionException e) {
            throw new ApiException(400, "invalid_image", e.getMessage(), null);
        }
    }

    private Input tensor(byte[] body) {
        Tensor t;
        try {
            t = Npy.parse(body, "the NPY body");
        } catch (OcclusionException e) {
            throw new ApiException(400, "invalid_tensor", e.getMessage(), null);
        } catch (RuntimeException e) {
            throw new ApiException(400, "invalid_tensor", "the NPY body cannot be read: " + e, null);
        }
        int[] s = t.shape();
        if (s.length < 2) {
            throw new ApiException(422, "unprocessable", "the tensor " + Arrays.toString(s) + " must be [C, D1..Dk]", null);
        }
        long pixels = 1;
        for (int i = 1; i < s.length; i++) {
            pixels *= s[i];
            if (s[i] > maxSide) {
                throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has a side longer than the limit of "
                        + maxSide, null);
            }
        }
        if (pixels > maxPixels) {
            throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has " + pixels
                    + " elements per channel, more than the limit of " + maxPixels, null);
        }
        return new Input(t, null, "tensor");
    }

    private void checkImageSize(long h, long w) {
        if (w > maxSide || h > maxSide || w * h > maxPixels) {
            throw new ApiException(422, "image_too_large", "the image is " + w + "x" + h + "; the limits are "
                    + maxPixels + " pixels and " + maxSide + " pixels a side", null);
        }
    }

    private static String start(byte[] b) {
        return b.length < 4 ? "" : String.format(" (it starts with bytes %02x %02x %02x %02x)", b[0], b[1], b[2], b[3]);
    }
}
