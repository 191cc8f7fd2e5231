// How far two explanations' maps are apart, relative to each map's range (the incremental tests' measure).
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.SensitivityMap;

final class IncrementalMaps {
    private IncrementalMaps() {
    }

    /**
     * The largest |a - b| over every target's grid and pixel map, each over that map's range in {@code b} (max minus
     * min); the targets must be the same and no map may be flat (a flat map would make any comparison vacuous).
     */
    static double maxRelativeDifference(SensitivityMap a, SensitivityMap b) {
        assertThat(a.targets()).containsExactly(b.targets());
        double worst = 0;
        for (int t = 0; t < b.targetCount(); t++) {
            worst = Math.max(worst, relative(a.gridMap(t).data(), b.gridMap(t).data()));
            worst = Math.max(worst, relative(a.pixelMap(t).data(), b.pixelMap(t).data()));
        }
        return worst;
    }

    static double relative(float[] a, float[] b) {
        assertThat(a).hasSize(b.length);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double diff = 0;
        for (int i = 0; i < b.length; i++) {
            lo = Math.min(lo, b[i]);
            hi = Math.max(hi, b[i]);
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            if (Float.isNaN(a[i]) != Float.isNaN(b[i])) {
                return Double.POSITIVE_INFINITY;
            }
        }
        double range = hi - lo;
        assertThat(range).as("the map's range").isGreaterThan(0);
        return diff / range;
    }
}
