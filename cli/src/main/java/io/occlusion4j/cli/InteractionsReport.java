// explain --interactions K: the pairwise interactions of a map's top windows, as JSON, a picture and a console line.
package io.occlusion4j.cli;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.explore.Interactions;
import io.occlusion4j.io.AtomicFiles;
import io.occlusion4j.render.HeatmapRenderer;
import io.occlusion4j.render.InteractionPlot;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The interactions {@code I_ij = drop(i and j) - drop(i) - drop(j)} of the first target's {@code asked} most
 * important non-overlapping windows.
 *
 * @param asked the K of {@code --interactions K}; fewer windows are used when the rest overlap
 */
record InteractionsReport(Interactions.Result result, int asked) {

    /**
     * The top-K non-overlapping windows of the first target's grid map, then their pairwise interactions on the
     * explainer the map came from (same grid), with the run's fill.
     */
    static InteractionsReport compute(Occlusion occlusion, Tensor x, SensitivityMap map, int k, Fill fill) {
        int[] windows = Interactions.topWindows(map, 0, k, true);
        if (windows.length < 2) {
            throw new UsageException("--interactions needs 2 non-overlapping windows, but every window of this grid overlaps"
                    + " the best one (use a smaller --window)");
        }
        // A few small runs; their progress would restart the bar of the map's run, so they report none.
        try (Occlusion pairs = occlusion.with(b -> b.progress(null))) {
            return new InteractionsReport(Interactions.compute(pairs, x, map, 0, windows, fill), k);
        }
    }

    /** The windows drawn on {@code picture} beside the matrix, titled with the target's {@code label}. */
    BufferedImage render(BufferedImage picture, Tensor x, String label) {
        String title = String.format(Locale.ROOT, "target %d (%s): base score %s, interactions of %d windows", result.target(), label,
                HeatmapRenderer.formatScore(result.baseScore()), result.k());
        return InteractionPlot.render(picture, x.dim(1), x.dim(2), result.starts(), result.extents(), result.interaction(), title);
    }

    void writeJson(Path file) {
        AtomicFiles.write(file, result.toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** One line: the strongest interaction and between which windows. */
    void print(PrintWriter out) {
        int bi = 0;
        int bj = 1;
        double[][] m = result.interaction();
        for (int i = 0; i < result.k(); i++) {
            for (int j = i + 1; j < result.k(); j++) {
                if (Math.abs(m[i][j]) > Math.abs(m[bi][bj])) {
                    bi = i;
                    bj = j;
                }
            }
        }
        out.printf(Locale.ROOT, "interactions of %d windows%s of target %d: strongest interaction %s, between windows %d and %d"
                        + " (%d samples in %d model calls)%n", result.k(), result.k() < asked ? " (of " + asked + " asked; the rest overlap)" : "",
                result.target(), HeatmapRenderer.formatValue(m[bi][bj]), bi + 1, bj + 1, result.samples(), result.modelCalls());
    }
}
