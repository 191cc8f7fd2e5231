package io.occlusion4j.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How many painted windows {@code auto} samples per stratum ({@link AutoCommon#stratum}) for its error estimate: more
 * where painted values are least certain (next to evidence).
 */
final class Sampling {
    private Sampling() {}

    /**
     * The fewest samples a stratum gets first: 4; in the strata next to evidence ({@code h >= 2}, where painted values
     * are least certain) {@link #NEAR_EVIDENCE_SAMPLE} of its windows, at least 8.
     */
    static int minPerStratum(int h, int poolSize) {
        return h >= 2 ? (int) Math.max(8, Math.ceil(NEAR_EVIDENCE_SAMPLE * poolSize)) : 4;
    }

    /**
     * How many sampled windows a stratum wants in all (those it holds count): its share of {@code m} by size
     * ({@code n} of {@code total} windows, sampled or painted), at least {@link #minPerStratum}, at most {@code n}. The
     * stratum far from evidence ({@code h == 0}) gets only its minimum: its painted windows sit between scored windows
     * of less than 2 % of the map's largest |value| on every side; on the study's region workloads and BlazeFace none
     * of them erred by 2 % of the maximum at a first estimate, and its proportional share (20 of 66 samples on the
     * masked CNNs) bought nothing.
     */
    static int wanted(int h, int n, double m, int total) {
        long share = h == 0 ? 0 : Math.round(m * n / total);
        return (int) Math.min(n, Math.max(minPerStratum(h, n), share));
    }

    /** Draws {@code pool[from..to)} at random by swapping it into place (a partial Fisher-Yates shuffle); returns them. */
    static List<Integer> drawMore(List<Integer> pool, int from, int to, SplittableRandom rng) {
        for (int i = from; i < to; i++) {
            int j = i + rng.nextInt(pool.size() - i);
            int tmp = pool.get(i);
            pool.set(i, pool.get(j));
            pool.set(j, tmp);
        }
        return new ArrayList<>(pool.subList(from, to));
    }

    /**
     * Fraction of a near-evidence stratum's windows held in the sample, at least: 0.15 when every round drew a fresh
     * sample; since the sample is kept, 0.06 (on the region workloads and BlazeFace, seeds 1-12, no run stopped below
     * SSIM 0.95 with 0.06, when leaves 2 wide were split at indicator 0.2 before the first estimate; with them left to
     * the estimate, see {@link AutoAdaptive#splitThreshold}, none on seeds 1-60).
     */
    static final double NEAR_EVIDENCE_SAMPLE = 0.06;
}
