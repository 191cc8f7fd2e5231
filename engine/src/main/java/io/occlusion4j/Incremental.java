package io.occlusion4j;

/**
 * Whether the CPU back end (and the CUDA back end's device loop, with fp32 storage) computes variants incrementally
 * (recomputing, layer by layer, only the region a window can change, reusing the unoccluded activations elsewhere;
 * Krypton, SIGMOD 2019), which gives the full sweep's map up to float rounding.
 */
public enum Incremental {
    /** Incremental where its cost model predicts a gain for the model and window, the full sweep elsewhere (the default). */
    AUTO,
    /** Incremental whenever the model's first layers allow it, whatever the cost model predicts. */
    ON,
    /** Always the full sweep: one whole forward per variant. */
    OFF;

    /** {@code auto}, {@code on} or {@code off} (any case), as {@code --incremental} takes it. */
    public static Incremental parse(String text) {
        return OptionText.constant("incremental", text, Incremental.class);
    }
}
