package io.occlusion4j.graph;

/**
 * Everything a device convolution needs to set up its descriptors once: what cuDNN's
 * convolution, filter and fused bias-activation descriptors take. Pads are resolved (no auto_pad left).
 *
 * @param spatialRank  1 to 3
 * @param inChannels   C
 * @param outChannels  M
 * @param groups       group count (C for a depthwise convolution)
 * @param kernel       kernel size per spatial axis
 * @param strides      stride per spatial axis
 * @param dilations    dilation per spatial axis
 * @param padsBegin    begin pads per spatial axis
 * @param padsEnd      end pads per spatial axis; cuDNN takes symmetric pads, so a step with
 *                     {@link #symmetric()} false needs an explicit pad first (or the reference path)
 * @param hasBias      B is given
 * @param hasResidual  Z (added before the activation) is given
 * @param relu         ReLU is applied last
 */
public record ConvDescriptor(int spatialRank, long inChannels, long outChannels, long groups, long[] kernel,
                             long[] strides, long[] dilations, long[] padsBegin, long[] padsEnd, boolean hasBias,
                             boolean hasResidual, boolean relu) {

    /** True when begin and end pads are equal on every axis. */
    public boolean symmetric() {
        return java.util.Arrays.equals(padsBegin, padsEnd);
    }

    /** True when each group has one input channel (a depthwise convolution). */
    public boolean depthwise() {
        return groups > 1 && groups == inChannels;
    }
}
