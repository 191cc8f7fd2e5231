package io.occlusion4j;

import java.util.Locale;

/** Where the channel axis sits in the model's input tensor. Inputs are always given channels first. */
public enum Layout {
    /** {@code [N, C, D1..Dk]}: NCHW for images, NCDHW for volumes and video. */
    CHANNELS_FIRST,
    /** {@code [N, D1..Dk, C]}: NHWC for images, NDHWC for volumes and video. */
    CHANNELS_LAST;

    /** {@code nchw} or {@code nhwc} (any case; also the constants' names), as {@code --layout} takes it. */
    public static Layout parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "nchw", "channels_first" -> CHANNELS_FIRST;
            case "nhwc", "channels_last" -> CHANNELS_LAST;
            default -> throw new InvalidOptionException("layout", text, "expected one of nchw, nhwc");
        };
    }
}
