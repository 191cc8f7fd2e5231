// The score transform as the kernels number it (mirrors io.occlusion4j.Score).
package io.occlusion4j.kernels;

/** Applied to the model output before targets are gathered. */
public enum ScoreTransform {
    RAW, SOFTMAX, SIGMOID
}
