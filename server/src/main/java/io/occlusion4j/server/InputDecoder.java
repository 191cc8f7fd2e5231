// Decodes an explain request's input (PNG/JPEG or NPY) within the server's size limits.
package io.occlusion4j.server;

import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.ImageTooLargeException;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a request's input bytes into a picture or a tensor. Images are refused from their header, before any pixel
 * is decoded, when they exceed {@code maxPixels} or {@code maxSide}, and decoded subsampled to no less than twice
 * the size the model takes (so a 4096 x 4096 upload for a 224 x 224 model never exists at full size); the request's
 * intake reservation grows to what the decode will hold first (503 when the server has no room). Tensors are
 * refused when their spatial extent exceeds the limits; one saved as the model takes it ({@code [1, C, H, W]}) is
 * explained as its sample.
 */
final class InputDecoder implements AutoCloseable {
    /** Heap bytes a decoded pixel may take on its way to a tensor: the decoder's raster, the RGB copy, the resize. */
    static final long BYTES_PER_DECODED_PIXEL = 16;

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

    private final Occlusion model;
    private final Images.Limits limits;
    private final int[] keep;
    /**
     * Image decodes run here, on platform threads (one per two processors) with as many waiting as the server admits
     * explanations: a decode is CPU work with no blocking point, and many at once on virtual threads would hold every
     * carrier, so body reads (then 408s) and {@code /healthz} would wait behind them. A decode that finds no room gets
     * 503, as its explanation would.
     */
    private final ThreadPoolExecutor decodes;

    /** @param waiting decodes that may wait for a thread: the explanations the server admits (slots + queue) */
    InputDecoder(Occlusion model, long maxPixels, int maxSide, int waiting) {
        this.model = model;
        this.limits = new Images.Limits(maxPixels, maxSide);
        int[] size = model.settings().imageSize() != null ? model.settings().imageSize() : model.modelSpatialSize();
        this.keep = size == null || size.length != 2 ? null : new int[] {2 * size[0], 2 * size[1]};
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        AtomicInteger n = new AtomicInteger();
        this.decodes = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, waiting)), r -> {
            Thread t = new Thread(r, "occlusion4j-decode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Decodes the body's input; an image waits for a decode thread at most until {@code deadlineNanos} (then 504). */
    Input decode(RequestBody body, long deadlineNanos) {
        if (!RequestBody.isImage(body.mediaType())) {
            return tensor(body.bytes());
        }
        Future<Input> f;
        try {
            f = decodes.submit(() -> image(body));
        } catch (RejectedExecutionException e) {
            throw new ApiException(503, "overloaded", "the server is decoding as many images as it may at once; retry later", null, 1);
        }
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ApiException(504, "deadline_exceeded", "the image was not decoded within the request's deadline", null);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ApiException(500, "internal", "internal error: " + e.getCause(), null);
        }
    }

    @Override
    public void close() {
        decodes.shutdownNow();
    }

    private Input image(RequestBody body) {
        byte[] bytes = body.bytes();
        try {
            int[] wh = Images.size(bytes, "the image");
            limits.check(wh[0], wh[1], "the image");
            int step = Images.subsampling(wh[0], wh[1], keep);
            long decoded = (long) ((wh[0] + step - 1) / step) * ((wh[1] + step - 1) / step);
            body.intake().resize(bytes.length + decoded * BYTES_PER_DECODED_PIXEL, "decoding a " + wh[0] + "x" + wh[1] + " image");
            return new Input(null, Images.decode(bytes, "the image", limits, keep), "image");
        } catch (ImageTooLargeException e) {
            throw new ApiException(422, "image_too_large", e.getMessage(), null);
        } catch (OcclusionException e) {
            throw new ApiException(400, "invalid_image", e.getMessage(), null);
        }
    }

    private Input tensor(byte[] body) {
        Tensor t;
        try {
            t = model.sample(Npy.parse(body, "the NPY body"));
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
            if (s[i] > limits.maxSide()) {
                throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has a side longer than the limit of "
                        + limits.maxSide(), null);
            }
        }
        if (pixels > limits.maxPixels()) {
            throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has " + pixels
                    + " elements per channel, more than the limit of " + limits.maxPixels(), null);
        }
        return new Input(t, null, "tensor");
    }
}
