package io.occlusion4j;

/** Where the channel axis sits in the model's input tensor. Inputs are always given channels first. */
public enum Layout {
    /** {@code [N, C, D1..Dk]}: NCHW for images, NCDHW for volumes and video. */
    CHANNELS_FIRST,
    /** {@code [N, D1..Dk, C]}: NHWC for images, NDHWC for volumes and video. */
    CHANNELS_LAST
}
