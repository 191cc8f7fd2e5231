// What the variant writer puts under a window, as device data.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.DeviceMemory;

/**
 * The fill argument of the variant writer: one raw value per channel (constant, channel mean), a raw
 * fill tensor {@code [C, S]} (blur, baseline), counter-based noise computed in place, or the input
 * times a soft window mask. Buffers stay owned by the caller.
 */
public record DeviceFill(Mode mode, DeviceMemory values, DeviceMemory tensor, DeviceMemory mask, long seed, float low,
                         float high) {

    /** The kernel's fill modes, in the order of {@code OCC_FILL_*}. */
    public enum Mode { VALUES, TENSOR, NOISE, SOFT_MASK }

    public static DeviceFill perChannelValues(DeviceMemory values) {
        return new DeviceFill(Mode.VALUES, values, null, null, 0, 0, 0);
    }

    public static DeviceFill tensor(DeviceMemory tensor) {
        return new DeviceFill(Mode.TENSOR, null, tensor, null, 0, 0, 0);
    }

    public static DeviceFill noise(long seed, float low, float high) {
        return new DeviceFill(Mode.NOISE, null, null, null, seed, low, high);
    }

    public static DeviceFill softMask(DeviceMemory mask) {
        return new DeviceFill(Mode.SOFT_MASK, null, null, mask, 0, 0, 0);
    }
}
