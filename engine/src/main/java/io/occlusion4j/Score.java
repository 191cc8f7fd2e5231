package io.occlusion4j;

/** The transform applied to the model output before targets are gathered. */
public enum Score {
    /** The model output as it is (Captum's default). */
    RAW,
    /** Softmax over the last axis of the output. */
    SOFTMAX,
    /** The logistic function on every element. */
    SIGMOID
}
