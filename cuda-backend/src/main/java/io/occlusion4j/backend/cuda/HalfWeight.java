// A weight the device holds as fp16.
package io.occlusion4j.backend.cuda;

/**
 * A weight the device holds as fp16: {@code source} (a plan weight or an extra weight) rounded to fp16,
 * and for a convolution filter {@code [K, C, R, S]} reordered to channels-last {@code [K, R, S, C]}.
 */
public record HalfWeight(String source, boolean channelsLast) {
}
