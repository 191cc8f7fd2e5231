package io.occlusion4j.explore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * How many painted windows {@code auto} samples per stratum ({@link AutoAdaptive#stratum}) for its error estimate: more
 * where painted values are least certain (next to evidence), and more again where the first sample finds the top
 * stratum rough.
 */
final class Sampling {
    private Sampling() {}

    /**
     * The fewest samples a stratum gets first: 4; in the strata next to evidence ({@code h >= 2}, where painted values
     * are least certain) {@link #NEAR_EVIDENCE_SAMPLE} of its windows, at least 8. A rough top stratum then gets more
     * (see {@link #rough}).
     */
    static int minPerStratum(int h, int poolSize) {
        return h >= 2 ? (int) Math.max(8, Math.ceil(NEAR_EVIDENCE_SAMPLE * poolSize)) : 4;
    }

    /**
     * Whether a sampled window of {@code pool} (the top stratum) erred by at least {@link #ROUGH} of the map's largest
     * |value|: its painted value ({@code painted}) against the exact one now in {@code values}.
     */
    static boolean rough(int[] sample, List<Integer> pool, float[][] values, float[][] painted, int slices, int count, double[] range) {
        Set<Integer> in = new HashSet<>(pool);
        for (int p : sample) {
            if (!in.contains(p)) {
                continue;
            }
            for (int t = 0; t < values.length; t++) {
                for (int s = 0; s < slices; s++) {
                    if (Math.abs(values[t][s * count + p] - painted[t][s * count + p]) >= ROUGH * range[t]) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** See {@link #rough}. */
    static final double ROUGH = 0.05;

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

    /** Fraction of a near-evidence stratum's painted windows sampled per estimate, at least. */
    static final double NEAR_EVIDENCE_SAMPLE = 0.15;

    /**
     * Fraction of the top stratum's painted windows (next to a value of 0.3 of the map's largest or more) sampled when it
     * is rough ({@link #rough}).
     */
    static final double PEAK_STRATUM_SAMPLE = 0.5;

}
