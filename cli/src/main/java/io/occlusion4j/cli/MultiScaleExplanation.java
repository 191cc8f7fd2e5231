// explain --multi-scale: one explanation per --window value, combined, with the PNG showing the combination then each scale.
package io.occlusion4j.cli;

import io.occlusion4j.Occlusion;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.explore.MultiScale;
import io.occlusion4j.io.Npy;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --multi-scale}: each {@code --window} value is one scale (a square window on every spatial axis, its stride
 * the matching {@code --stride} value or half the window), combined by {@link MultiScale}; the PNG shows the
 * combined map then each scale, one row per target.
 */
record MultiScaleExplanation(ExplainRun run) {

    int explain(ExplainRun.Input in) {
        int[] sizes = run.options.window();
        int[] strideSizes = run.options.stride();
        List<int[]> windows = new ArrayList<>();
        List<int[]> strides = new ArrayList<>();
        for (int s = 0; s < sizes.length; s++) {
            windows.add(square(sizes[s], in.spatialAxes()));
            strides.add(square(strideSizes != null ? strideSizes[s] : Math.max(1, sizes[s] / 2), in.spatialAxes()));
        }
        try (Progress progress = run.progress()) {
            ScaleProgress scales = new ScaleProgress(progress);
            try (Occlusion loaded = run.builder(scales).window(windows.getFirst()).stride(strides.getFirst()).build()) {
                Tensor x = run.tensor(loaded, in);
                int axes = x.rank() - 1;
                if (axes != in.spatialAxes()) { // the tensor was a batch of one: its windows have one axis fewer
                    windows.replaceAll(w -> square(w[0], axes));
                    strides.replaceAll(w -> square(w[0], axes));
                }
                run.fitted(loaded, x, in); // refuses --out-png for an input that is not 2-D
                Occlusion occlusion = loaded.with(b -> b.window(windows.getFirst()).stride(strides.getFirst()));
                int[] spatial = Arrays.copyOfRange(x.shape(), 1, x.rank());
                long total = 0;
                for (int s = 0; s < windows.size(); s++) {
                    // also refuses a window the input cannot take before anything runs
                    total += WindowGrid.of(spatial, windows.get(s), strides.get(s), run.options.edge(), run.options.allowGaps()).count();
                }
                scales.total = (int) Math.min(Integer.MAX_VALUE, total);
                Map<String, Object> json = run.settings(x, false); // the windows and strides are listed under "multi_scale"
                progress.begin();
                MultiScale.Result result = MultiScale.explain(occlusion, x, windows, strides);
                List<String> names = run.labels(result.scales().getFirst().targets());
                BufferedImage picture = run.picture(in.image(), x);
                write(result, names, picture, json);
                if (!cmd().quiet) {
                    print(run.out, result, names, picture);
                }
                run.wrote(cmd().outPng, cmd().outNpy, cmd().outJson);
            }
        }
        run.out.flush();
        return 0;
    }

    /** Draws first, so a map that cannot be drawn leaves no file behind. */
    private void write(MultiScale.Result result, List<String> names, BufferedImage picture, Map<String, Object> json) {
        BufferedImage png = null;
        if (cmd().outPng != null) {
            HeatmapRenderer renderer = new HeatmapRenderer(run.renderOptions);
            List<BufferedImage> rows = new ArrayList<>();
            for (int t = 0; t < result.targets().length; t++) {
                rows.add(renderer.renderPanels(result.panels(picture, t, names.get(t))));
            }
            png = ExplanationReport.stacked(rows);
        }
        if (cmd().outNpy != null) {
            Npy.write(cmd().outNpy, stack(result.combined()));
        }
        if (png != null) {
            ExplanationReport.writePng(png, cmd().outPng);
        }
        if (cmd().outJson != null) {
            ExplanationReport.writeJson(cmd().outJson, json(json, result, names, picture));
        }
    }

    private static Map<String, Object> json(Map<String, Object> root, MultiScale.Result result, List<String> names,
            BufferedImage picture) {
        SensitivityMap first = result.scales().getFirst();
        root.put("output", first.output());
        List<Map<String, Object>> targetList = new ArrayList<>();
        for (int t = 0; t < result.targets().length; t++) {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("index", result.targets()[t]);
            target.put("label", names.get(t));
            target.put("base_score", result.baseScores()[t]);
            Tensor combined = result.combined().get(t);
            int arg = combined.argmax();
            int[] at = combined.coordinates(arg);
            target.put("max_combined", combined.data()[arg]);
            target.put("max_combined_at", at);
            if (picture != null && at.length == 2) {
                target.put("max_combined_at_image_xy", ExplanationReport.imagePoint(at, combined.shape(), picture));
            }
            targetList.add(target);
        }
        root.put("targets", targetList);
        root.put("pixel_map_shape", first.pixelShape());
        MultiScale.Stats s = result.stats();
        Map<String, Object> ms = new LinkedHashMap<>();
        ms.put("windows", s.windows());
        ms.put("strides", s.strides());
        ms.put("variants", s.variants());
        ms.put("unoccluded_samples", s.unoccludedSamples());
        ms.put("model_calls", s.modelCalls());
        ms.put("seconds", s.seconds());
        List<Map<String, Object>> perScale = new ArrayList<>();
        for (SensitivityMap m : result.scales()) {
            Map<String, Object> scale = new LinkedHashMap<>();
            scale.put("window", m.grid().window());
            scale.put("stride", m.grid().stride());
            scale.put("window_grid_shape", m.gridShape());
            scale.put("windows", m.stats().windows());
            scale.put("forwards", m.stats().forwards());
            perScale.add(scale);
        }
        ms.put("scales", perScale);
        root.put("multi_scale", ms);
        root.put("backend", first.stats().backend());
        root.put("device", first.stats().device());
        return root;
    }

    private static void print(PrintWriter out, MultiScale.Result result, List<String> names, BufferedImage picture) {
        for (int t = 0; t < result.targets().length; t++) {
            Tensor combined = result.combined().get(t);
            int arg = combined.argmax();
            int[] at = combined.coordinates(arg);
            String where = Arrays.toString(at);
            if (picture != null && at.length == 2) {
                int[] p = ExplanationReport.imagePoint(at, combined.shape(), picture);
                where = "x " + p[0] + ", y " + p[1];
            }
            out.printf(Locale.ROOT, "target %d (%s): base score %s, combined map peak %s at %s%n", result.targets()[t], names.get(t),
                    HeatmapRenderer.formatScore(result.baseScores()[t]), HeatmapRenderer.formatValue(combined.data()[arg]), where);
        }
        MultiScale.Stats s = result.stats();
        List<String> w = s.windows().stream().map(ExplanationReport::dims).toList();
        List<String> st = s.strides().stream().map(ExplanationReport::dims).toList();
        out.printf(Locale.ROOT, "multi-scale: %d scales (windows %s, strides %s), %d variants and %d unoccluded samples in %d model"
                        + " calls, %.2f s, %s back end%n", s.windows().size(), String.join(" ", w), String.join(" ", st), s.variants(),
                s.unoccludedSamples(), s.modelCalls(), s.seconds(), result.scales().getFirst().stats().backend());
    }

    private static int[] square(int size, int axes) {
        int[] out = new int[axes];
        Arrays.fill(out, size);
        return out;
    }

    /** Maps of one shape stacked on a new first axis. */
    static Tensor stack(List<Tensor> maps) {
        int[] one = maps.getFirst().shape();
        int n = maps.getFirst().size();
        float[] data = new float[n * maps.size()];
        for (int i = 0; i < maps.size(); i++) {
            System.arraycopy(maps.get(i).data(), 0, data, i * n, n);
        }
        int[] shape = new int[one.length + 1];
        shape[0] = maps.size();
        System.arraycopy(one, 0, shape, 1, one.length);
        return Tensor.of(data, shape);
    }

    /**
     * The scales of a multi-scale run shown as one run: each scale's count continues where the previous
     * scale's ended ({@link #total} is the sum of the scales' windows).
     */
    static final class ScaleProgress implements ProgressListener {
        private final ProgressListener target;
        int total;
        private int offset;
        private int lastDone;
        private int lastTotal;

        ScaleProgress(ProgressListener target) {
            this.target = target;
        }

        @Override
        public void progress(int done, int runTotal) {
            if (lastTotal > 0 && lastDone >= lastTotal) {
                offset += lastTotal; // the previous scale finished: this is the next one
            }
            lastDone = done;
            lastTotal = runTotal;
            int all = Math.max(total, offset + runTotal);
            target.progress(Math.min(all, offset + done), all);
        }
    }

    private ExplainArgs cmd() {
        return run.cmd;
    }
}
