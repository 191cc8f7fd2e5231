package io.occlusion4j.explore;

/**
 * {@code auto}'s settings (see {@link AdaptiveOcclusion#explainAuto}).
 *
 * @param targetSsim     stop when the estimated SSIM to the exact map is at least this, in (0, 1]
 * @param sampleFraction painted windows sampled per estimate, as a fraction of the fine windows (at least
 *                       {@code minSample}), in (0, 1]
 * @param minSample      the fewest windows per sample, >= 1
 * @param threshold      the refinement threshold before the first estimate (a cell's indicator, see
 *                       {@link AdaptiveOcclusion#explainAuto}), in (0, 1]
 * @param maxStep        the largest lattice step, in fine positions, >= 2
 * @param draws          plausible exact maps drawn per estimate, >= 1
 * @param seed           seed of the samples and draws
 */
public record AutoSettings(double targetSsim, double sampleFraction, int minSample, double threshold, int maxStep, int draws, long seed) {
    /** The default goal: the estimated SSIM to the exact map. */
    public static final double DEFAULT_TARGET_SSIM = 0.95;

    public AutoSettings {
        if (!(targetSsim > 0 && targetSsim <= 1)) {
            throw new IllegalArgumentException("target SSIM must be in (0, 1], got " + targetSsim);
        }
        if (!(sampleFraction > 0 && sampleFraction <= 1)) {
            throw new IllegalArgumentException("sample fraction must be in (0, 1], got " + sampleFraction);
        }
        if (minSample < 1 || maxStep < 2 || draws < 1) {
            throw new IllegalArgumentException("min sample and draws must be >= 1 and max step >= 2, got " + minSample + ", "
                    + draws + ", " + maxStep);
        }
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
    }

    /** The defaults: SSIM 0.95, samples of 4 % (at least 8), threshold 0.3, lattice step up to 8, 16 draws, seed 42. */
    public static AutoSettings defaults() {
        return new AutoSettings(DEFAULT_TARGET_SSIM, 0.04, Cells.MIN_SAMPLE, 0.3, 8, 16, 42);
    }

    public AutoSettings withSeed(long seed) {
        return new AutoSettings(targetSsim, sampleFraction, minSample, threshold, maxStep, draws, seed);
    }

    public AutoSettings withTarget(double ssim) {
        return new AutoSettings(ssim, sampleFraction, minSample, threshold, maxStep, draws, seed);
    }
}
