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
 * @param incremental      what incremental inference did ({@link IncrementalStats#NONE} when not used)
 */
public record RunStats(int windows, int forwards, int batchSize, boolean batchFixed, double seconds,
        double variantsPerSecond, String backend, String device, String verification, IncrementalStats incremental) {

    public RunStats {
        java.util.Objects.requireNonNull(incremental, "incremental");
    }

    /** Stats of a run without incremental inference. */
    public RunStats(int windows, int forwards, int batchSize, boolean batchFixed, double seconds, double variantsPerSecond,
                    String backend, String device, String verification) {
        this(windows, forwards, batchSize, batchFixed, seconds, variantsPerSecond, backend, device, verification,
                IncrementalStats.NONE);
    }

    /** These stats with what incremental inference did. */
    public RunStats withIncremental(IncrementalStats stats) {
        return new RunStats(windows, forwards, batchSize, batchFixed, seconds, variantsPerSecond, backend, device,
                verification, stats);
    }

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
