package io.occlusion4j.explore;

import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Several window sizes in one run, combined into one map: per target, the mean over the scales of each
 * scale's pixel map divided by its maximum absolute value (a scale whose map is all 0 adds 0). The
 * per-scale maps are kept.
 *
 * <p>Each scale is one explanation on the shared loaded model ({@link Occlusion#with}); the first scale
 * resolves the targets and the others explain those same targets. Each scale's run scores the unoccluded
 * input once more (on the CPU it rides in that run's first batch, so it costs a sample but no model call
 * of its own); {@link Stats#unoccludedSamples()} says how many.
 */
public final class MultiScale {
    private MultiScale() {}

    /**
     * @param windows           per scale, the window per spatial axis
     * @param strides           per scale, the stride per spatial axis
     * @param variants          occluded variants of all scales
     * @param unoccludedSamples unoccluded samples scored (one per scale)
     * @param modelCalls        model invocations of all scales
     * @param seconds           wall time of all scales
     */
    public record Stats(List<int[]> windows, List<int[]> strides, int variants, int unoccludedSamples, int modelCalls, double seconds) {}

    /**
     * @param combined per target, the combined pixel map (shape of one pixel map)
     * @param scales   the per-scale maps, in the order of the windows
     */
    public record Result(List<Tensor> combined, List<SensitivityMap> scales, int[] targets, float[] baseScores, Stats stats) {
        /**
         * Panels for {@link HeatmapRenderer#renderPanels}: the combined map, then each scale's, for the
         * {@code t}-th target (2-D joint maps only).
         */
        public List<HeatmapRenderer.Panel> panels(BufferedImage image, int t, String label) {
            Tensor c = combined.get(t);
            if (c.rank() != 2) {
                throw new IllegalArgumentException("panels need 2-D maps, got " + Arrays.toString(c.shape()));
            }
            List<HeatmapRenderer.Panel> out = new ArrayList<>();
            String name = label == null || label.isEmpty() ? "" : label + " ";
            out.add(new HeatmapRenderer.Panel(image, c.data(), c.dim(0), c.dim(1), name + "multi-scale", baseScores[t]));
            for (int s = 0; s < scales.size(); s++) {
                int[] w = stats.windows().get(s);
                out.add(new HeatmapRenderer.Panel(image, scales.get(s).pixelMap(t).data(), c.dim(0), c.dim(1),
                        name + "window " + joinX(w), baseScores[t]));
            }
            return out;
        }
    }

    /** Each window with stride = half the window (at least 1) on every axis. */
    public static Result explain(Occlusion base, Tensor input, List<int[]> windows) {
        List<int[]> strides = new ArrayList<>();
        for (int[] w : windows) {
            int[] s = new int[w.length];
            for (int d = 0; d < w.length; d++) {
                s[d] = Math.max(1, w[d] / 2);
            }
            strides.add(s);
        }
        return explain(base, input, windows, strides);
    }

    /** Explains {@code input} at every (window, stride) pair, with {@code base}'s other settings. */
    public static Result explain(Occlusion base, Tensor input, List<int[]> windows, List<int[]> strides) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(input, "input");
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("multi-scale needs at least one window");
        }
        if (strides.size() != windows.size()) {
            throw new IllegalArgumentException(windows.size() + " windows but " + strides.size() + " strides");
        }
        long t0 = System.nanoTime();
        List<SensitivityMap> maps = new ArrayList<>();
        int[] targets = null;
        for (int s = 0; s < windows.size(); s++) {
            int[] w = windows.get(s).clone();
            int[] st = strides.get(s).clone();
            int[] fixed = targets;
            try (Occlusion occ = base.with(b -> {
                b.window(w).stride(st);
                if (fixed != null) {
                    b.targets(Targets.of(fixed));
                }
            })) {
                SensitivityMap m = occ.explain(input);
                if (targets == null) {
                    targets = m.targets();
                }
                maps.add(m);
            }
        }
        List<Tensor> combined = new ArrayList<>();
        int[] shape = maps.getFirst().pixelShape();
        for (int t = 0; t < targets.length; t++) {
            double[] acc = new double[maps.getFirst().pixelMap(t).size()];
            for (SensitivityMap m : maps) {
                float[] p = m.pixelMap(t).data();
                double max = 0;
                for (float v : p) {
                    max = Math.max(max, Math.abs(v));
                }
                if (max > 0) {
                    for (int i = 0; i < p.length; i++) {
                        acc[i] += p[i] / max;
                    }
                }
            }
            float[] out = new float[acc.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (acc[i] / maps.size());
            }
            combined.add(Tensor.of(out, shape));
        }
        int variants = 0;
        int calls = 0;
        for (SensitivityMap m : maps) {
            variants += m.stats().windows();
            calls += m.stats().forwards();
        }
        Stats stats = new Stats(windows.stream().map(int[]::clone).toList(), strides.stream().map(int[]::clone).toList(), variants,
                maps.size(), calls, (System.nanoTime() - t0) / 1e9);
        return new Result(List.copyOf(combined), List.copyOf(maps), targets, maps.getFirst().baseScores(), stats);
    }

    static String joinX(int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            b.append(i == 0 ? "" : "x").append(w[i]);
        }
        return b.toString();
    }
}
