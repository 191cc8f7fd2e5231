package io.occlusion4j;

/** The transform applied to the model output before targets are gathered. */
public enum Score {
    /** The model output as it is (Captum's default). */
    RAW,
    /** Softmax over the last axis of the output. */
    SOFTMAX,
    /** The logistic function on every element. */
    SIGMOID;

    /** {@code raw}, {@code softmax} or {@code sigmoid} (any case), as {@code --score} takes it. */
    public static Score parse(String text) {
        return OptionText.constant("score", text, Score.class);
    }
}
