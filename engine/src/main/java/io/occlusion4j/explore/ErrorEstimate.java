package io.occlusion4j.explore;

/**
 * The estimate of an adaptive map's error against the exact map, from painted windows sampled at random and scored
 * exactly (see {@code ErrorEstimator}).
 *
 * @param ssim         estimated SSIM of the adaptive pixel map to the exact one (the mean over draws; the lowest target)
 * @param ssimLow      the lowest draw's SSIM
 * @param relativeRmse root mean square residual of the sampled windows over the map's largest |value|
 * @param samples      windows sampled (per channel for per-channel windows)
 * @param draws        plausible exact maps drawn
 * @param method       how it was obtained, in words
 */
public record ErrorEstimate(double ssim, double ssimLow, double relativeRmse, int samples, int draws, String method) {
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "estimated SSIM %.3f (lowest draw %.3f), relative RMSE %.4f, from %d sampled windows",
                ssim, ssimLow, relativeRmse, samples);
    }
}
