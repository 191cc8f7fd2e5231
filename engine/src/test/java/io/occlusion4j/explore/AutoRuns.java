package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.metrics.MapSimilarity;
import java.util.Arrays;

/** {@code auto}'s loop run on a known exact grid map, for the tests: what it scored and how close its map came. */
final class AutoRuns {
    private AutoRuns() {}

    record Run(AutoAdaptive.Outcome outcome, int scored, double trueSsim) {
        /** Forwards as the study counts them: the scored windows plus the unoccluded input, against the exact run's. */
        double fraction() {
            return (scored + 1.0) / (outcome.known().length + 1);
        }
    }

    /**
     * One run at {@code settings} on a single-target grid map; the scorer hands out NaN except at the asked positions
     * and fails on a position asked twice.
     */
    static Run run(WindowGrid grid, float[] exact, AutoSettings settings) {
        boolean[] asked = new boolean[exact.length];
        int[] scored = {0};
        AutoAdaptive.Scorer scorer = positions -> {
            float[] out = new float[exact.length];
            Arrays.fill(out, Float.NaN);
            for (int p : positions) {
                assertThat(asked[p]).as("window %d scored twice", p).isFalse();
                asked[p] = true;
                out[p] = exact[p];
            }
            scored[0] += positions.length;
            return new float[][] {out};
        };
        int[] pixels = grid.spatialShape();
        AutoAdaptive.Outcome o = AutoAdaptive.run(grid, 1, pixels, scorer, settings);
        double ssim = MapSimilarity.ssim(Tensor.of(Reductions.pixelMap(o.values()[0], grid, 1), pixels),
                Tensor.of(Reductions.pixelMap(exact, grid, 1), pixels));
        return new Run(o, scored[0], ssim);
    }

    /** The windows the run knows are exactly the ones it scored, with their exact values. */
    static void assertScoredWindowsExact(Run r, float[] exact, String what) {
        int known = 0;
        for (int p = 0; p < exact.length; p++) {
            if (r.outcome().known()[p]) {
                known++;
                assertThat(r.outcome().values()[0][p]).as("%s: window %d", what, p).isEqualTo(exact[p]);
            }
        }
        assertThat(known).as("%s: known windows", what).isEqualTo(r.scored());
    }
}
