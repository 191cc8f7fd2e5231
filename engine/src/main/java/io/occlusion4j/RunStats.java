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
 * @param verification     for a back end that checks itself against ONNX Runtime (CUDA): "verified ..." or
 *                         "not verified: why"; empty for the CPU back end, the reference itself
 */
public record RunStats(int windows, int forwards, int batchSize, boolean batchFixed, double seconds,
        double variantsPerSecond, String backend, String device, String verification) {

    /** Stats of a back end that does not check itself (the CPU back end). */
    public RunStats(int windows, int forwards, int batchSize, boolean batchFixed, double seconds, double variantsPerSecond,
                    String backend, String device) {
        this(windows, forwards, batchSize, batchFixed, seconds, variantsPerSecond, backend, device, "");
    }

    /** Whether the back end checked its results against ONNX Runtime and they agreed. */
    public boolean verified() {
        return verification.startsWith("verified");
    }
}
