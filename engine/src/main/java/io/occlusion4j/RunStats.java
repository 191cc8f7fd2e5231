package io.occlusion4j;

/**
 * What one explanation cost.
 *
 * @param windows          occluded variants scored (window positions, times channels when per channel)
 * @param forwards         model invocations, the unoccluded one included
 * @param batchSize        variants per forward
 * @param batchFixed       whether the model's batch dimension is fixed (then {@code batchSize} is that size)
 * @param seconds          wall time of the occlusion loop (variant writing, scoring, reduction)
 * @param variantsPerSecond {@code windows / seconds}
 * @param backend          the back end that ran ({@code cpu} or {@code cuda})
 * @param device           what it ran on, in words
 */
public record RunStats(int windows, int forwards, int batchSize, boolean batchFixed, double seconds,
        double variantsPerSecond, String backend, String device) {}
