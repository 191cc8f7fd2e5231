package io.occlusion4j.explore;

import java.util.Arrays;

/**
 * What an adaptive run cost and saved.
 *
 * @param mode           {@code fixed} ({@code --adaptive R}) or {@code auto}
 * @param coarseWindow   the coarse window per axis (auto: the fine window, its lattice windows are fine windows)
 * @param coarseStride   the coarse stride per axis (auto: the lattice's stride)
 * @param coarseVariants variants of the coarse pass (auto: of the lattice)
 * @param exactVariants  fine windows scored exactly (selected, refined and sampled)
 * @param fineVariants   variants of the exact run (all fine windows)
 * @param forwardsUsed   model samples of this run: every variant plus the unoccluded samples (auto: one per run;
 *                       fixed: one per pass)
 * @param exactForwards  model samples of the exact run: its variants plus its unoccluded sample
 * @param fractionUsed   {@code forwardsUsed / exactForwards}
 * @param modelCalls     model invocations (batches) of every pass
 * @param scale          the fitted coarse-to-fine scale per target (auto: 1)
 * @param seconds        wall time of every pass, the painting and the estimate
 * @param passes         model passes (calls of {@code explain} on a subset or a coarse grid)
 * @param estimate       the error estimate, or null when none was asked for
 * @param spent          auto: the fine positions scored by the lattice, the refinement, the error sample and a final
 *                       sweep of the rest, in that order (per channel multiply by the channels); fixed: null
 */
public record AdaptiveStats(String mode, int[] coarseWindow, int[] coarseStride, int coarseVariants, int exactVariants, int fineVariants,
        int forwardsUsed, int exactForwards, double fractionUsed, int modelCalls, double[] scale, double seconds, int passes,
        ErrorEstimate estimate, int[] spent) {
    /** {@code 1 - fractionUsed}: the fraction of the exact run's forwards saved (negative when it cost more). */
    public double fractionSaved() {
        return 1 - fractionUsed;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s: %s %s/%s: %d variants; exact windows %d of %d; forwards %d of %d (%.1f %% used, %.1f %% saved); "
                        + "%d passes, %d model calls; %.3f s%s",
                mode, mode.equals("auto") ? "lattice" : "coarse", Arrays.toString(coarseWindow), Arrays.toString(coarseStride),
                coarseVariants, exactVariants, fineVariants, forwardsUsed, exactForwards, 100 * fractionUsed, 100 * fractionSaved(),
                passes, modelCalls, seconds, estimate == null ? "" : "; " + estimate);
    }
}
