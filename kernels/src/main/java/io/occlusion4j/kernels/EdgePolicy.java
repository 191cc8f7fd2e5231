// The edge policy as the kernels number it (the engine maps io.occlusion4j.Edge onto it by name).
package io.occlusion4j.kernels;

/** Where the last window of an axis goes: cropped at the edge, only whole windows, or shifted back. */
public enum EdgePolicy {
    CROP, INSIDE, SHIFT
}
