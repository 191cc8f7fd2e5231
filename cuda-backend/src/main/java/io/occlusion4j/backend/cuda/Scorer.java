// The model side of the GPU loop: turns a batch in device memory into outputs in device memory.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;

/**
 * Scores a batch of model-layout samples already on the device, enqueuing its work on the given stream
 * (no host round trip, so a batch can be captured as a CUDA graph): the inference plan ({@link PlanScorer})
 * or the cuBLAS {@link LinearScorer}.
 */
public interface Scorer extends AutoCloseable {

    /** Outputs per sample ({@code K}). */
    int outputsPerSample();

    /** Length of the output's last axis (the softmax groups). */
    int lastAxis();

    /** Whether the batch buffer it reads is fp16. */
    default boolean halfInput() {
        return false;
    }

    /**
     * Whether the batch must be written channels-last whatever the model's input layout (an inference plan
     * that stores its input as fp16 NHWC): the variant writer then writes that order.
     */
    default boolean channelsLastInput() {
        return false;
    }

    /**
     * The device buffer the scorer reads its batch from, if it has one of its own (the inference plan's
     * input slot): the session then has the variant writer write there, so nothing is copied. Null (the
     * default): the session allocates the batch buffer.
     */
    default DeviceBuffer inputBuffer() {
        return null;
    }

    /** Writes outputs {@code [rows, K]} for samples {@code [0, rows)} of {@code batch} into {@code outputs}. */
    void score(CudaStream stream, DeviceBuffer batch, int rows, DeviceBuffer outputs);

    @Override
    void close();
}
