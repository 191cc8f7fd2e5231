package io.occlusion4j;

/** What happens where the last window of a dimension would run past the input's edge. */
public enum Edge {
    /**
     * Captum's policy (the default): window starts {@code k*s} for {@code k = 0..ceil((D-w)/s)}; the
     * last window is cropped at the edge.
     */
    CROP,
    /** Only whole windows: starts {@code k*s} for {@code k = 0..floor((D-w)/s)}; a remainder stays uncovered. */
    INSIDE,
    /** MONAI's policy: as CROP, but the last window is moved back to end exactly at the edge. */
    SHIFT;

    /** {@code crop}, {@code inside} or {@code shift} (any case), as {@code --edge} takes it. */
    public static Edge parse(String text) {
        return OptionText.constant("edge", text, Edge.class);
    }
}
