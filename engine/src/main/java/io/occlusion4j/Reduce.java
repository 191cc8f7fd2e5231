package io.occlusion4j;

/** How the selected model output(s) of one variant become the scores that targets index. */
public enum Reduce {
    /** Every element of the output is a score; targets index the flattened per-sample output. */
    NONE,
    /**
     * One score: the maximum over all elements of all selected outputs, after the score transform (a
     * detector's top confidence). The only target is then 0.
     */
    MAX;

    /** {@code none} or {@code max} (any case), as {@code --reduce} takes it. */
    public static Reduce parse(String text) {
        return OptionText.constant("reduce", text, Reduce.class);
    }
}
