// explain's one-map modes: the exact map, or --adaptive's coarse-to-fine one; then --interactions if asked.
package io.occlusion4j.cli;

import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.explore.AdaptiveResult;
import io.occlusion4j.explore.AdaptiveStats;
import io.occlusion4j.explore.AutoSettings;
import io.occlusion4j.explore.ErrorEstimate;
import io.occlusion4j.explore.AdaptiveOcclusion;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One explanation of an image or tensor: the map (exact, or adaptive with {@code --adaptive R}), written as PNG,
 * NPY and JSON, plus the pairwise interactions of its top windows with {@code --interactions K}
 * ({@link InteractionsReport}). Everything is computed and drawn before the first file is written.
 */
record MapExplanation(ExplainRun run) {

    int explain(ExplainRun.Input in) {
        try (Progress progress = run.progress();
             Occlusion loaded = run.options.applyWindow(run.builder(progress), in.spatialAxes()).build()) {
            Tensor x = run.tensor(loaded, in);
            Occlusion occlusion = run.fitted(loaded, x, in);
            progress.begin();
            Map<String, Object> settings = run.settings(x, true);
            SensitivityMap map;
            if (cmd().adaptive != null) {
                Double r = cmd().adaptiveR();
                AdaptiveResult result = r == null ? AdaptiveOcclusion.explainAuto(occlusion, x, AutoSettings.defaults())
                        : AdaptiveOcclusion.explain(occlusion, x, AdaptiveOcclusion.Settings.of(r));
                map = result.map();
                settings.put("adaptive", adaptiveJson(result.stats()));
                if (!cmd().quiet) {
                    run.out.println("adaptive: " + result.stats());
                }
            } else {
                map = occlusion.explain(x);
            }
            BufferedImage picture = run.picture(in.image(), x);
            ExplanationReport report = new ExplanationReport(map, run.labels(map.targets()), picture, settings);
            InteractionsReport pairs = cmd().interactions != null
                    ? InteractionsReport.compute(occlusion, x, map, cmd().interactions, run.options.fill()) : null;
            BufferedImage pairsPng = pairs != null && cmd().outInteractionsPng != null
                    ? pairs.render(picture, x, report.labels().getFirst()) : null;
            write(report);
            if (pairs != null && cmd().outInteractionsJson != null) {
                pairs.writeJson(cmd().outInteractionsJson);
            }
            if (pairsPng != null) {
                ExplanationReport.writePng(pairsPng, cmd().outInteractionsPng);
            }
            if (!cmd().quiet) {
                report.printSummary(run.out);
                if (pairs != null) {
                    pairs.print(run.out);
                }
            }
            run.wrote(cmd().outPng, cmd().outNpy, cmd().outGridNpy, cmd().outJson, cmd().outInteractionsJson, cmd().outInteractionsPng);
        }
        run.out.flush();
        return 0;
    }

    /**
     * {@code adaptive} in the JSON summary: the mode (auto or R), the coarse pass or lattice, the forwards used and saved
     * against the exact run, and the error estimate with how it was obtained.
     */
    private Map<String, Object> adaptiveJson(AdaptiveStats a) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("mode", a.mode());
        if (cmd().adaptiveR() != null) {
            stats.put("r", cmd().adaptiveR());
        } else {
            stats.put("target_ssim", AdaptiveOcclusion.DEFAULT_TARGET_SSIM);
        }
        stats.put("coarse_window", a.coarseWindow());
        stats.put("coarse_stride", a.coarseStride());
        stats.put("coarse_variants", a.coarseVariants());
        stats.put("exact_windows", a.exactVariants());
        stats.put("fine_windows", a.fineVariants());
        stats.put("forwards_used", a.forwardsUsed());
        stats.put("exact_run_forwards", a.exactForwards());
        stats.put("fraction_used", a.fractionUsed());
        stats.put("fraction_saved", a.fractionSaved());
        stats.put("passes", a.passes());
        ErrorEstimate e = a.estimate();
        if (e != null) {
            Map<String, Object> est = new LinkedHashMap<>();
            est.put("ssim", e.ssim());
            est.put("ssim_lowest_draw", e.ssimLow());
            est.put("relative_rmse", e.relativeRmse());
            est.put("samples", e.samples());
            est.put("draws", e.draws());
            est.put("method", e.method());
            stats.put("error_estimate", est);
        }
        return stats;
    }

    /** Renders first, so a map that cannot be drawn leaves no file behind; each file is written atomically. */
    private void write(ExplanationReport report) {
        BufferedImage png = cmd().outPng != null ? report.render(new HeatmapRenderer(run.renderOptions)) : null;
        if (cmd().outNpy != null) {
            report.writePixelNpy(cmd().outNpy);
        }
        if (cmd().outGridNpy != null) {
            report.writeGridNpy(cmd().outGridNpy);
        }
        if (png != null) {
            ExplanationReport.writePng(png, cmd().outPng);
        }
        if (cmd().outJson != null) {
            report.writeJson(cmd().outJson);
        }
    }

    private ExplainArgs cmd() {
        return run.cmd;
    }
}
