// The model side of the device loop: turns a batch in device memory into outputs in device memory.
package io.occlusion4j.backend.cuda;

/**
 * Scores a batch of model-layout samples already on the device, enqueuing its work on the device's stream
 * (no host round trip, so a batch can be captured): the inference plan ({@link PlanScorer}), or in the GPU tests a
 * cuBLAS linear model with a closed-form map.
 */
interface Scorer {

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
     * The buffer the scorer reads its batch from, if it has one of its own (the inference plan's input slot): the
     * loop then has the variant writer write there, so nothing is copied. Null (the default): the loop allocates
     * the batch buffer.
     */
    default Device.Buffer inputBuffer() {
        return null;
    }

    /** Writes outputs {@code [rows, K]} for samples {@code [0, rows)} of {@code batch} into {@code outputs}. */
    void score(Device.Buffer batch, int rows, Device.Buffer outputs);

    /**
     * {@link #score} for a batch of variants whose rows are windows {@code firstWindow, firstWindow + 1, ...} (the loop's
     * numbering): a scorer that recomputes only what each window changes ({@link IncrementalScorer}) needs them; the
     * others ignore them.
     */
    default void scoreWindows(Device.Buffer batch, int rows, long firstWindow, Device.Buffer outputs) {
        score(batch, rows, outputs);
    }
}
