package io.occlusion4j.explore;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.FillValues;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Pairwise interactions of the most important windows of a map. For the top-k windows {@code W_1..W_k}
 * of the map (highest grid-map value first; by default skipping windows that overlap one already chosen,
 * so every pair occludes two separate regions), each pair is occluded jointly and the interaction term
 * {@code I_ij = delta_ij - delta_i - delta_j} is reported, with {@code delta_S = score(x) - score(x with the
 * windows S filled)}. {@code I_ij} is 0 for windows whose effects add up; it is positive when the pair
 * matters more together than apart (redundant evidence: either alone suffices), negative when it matters
 * less (each alone already destroys the score, as for an AND of the two). The diagonal is 0.
 *
 * <p>Cost: {@code k} explanations of at most {@code k} variants each, batched: one run of the original input
 * scoring every single window, then for each window {@code i < k-1} a run of the input with {@code W_i}
 * filled that scores the windows {@code j > i} on top of it. The fill must not depend on the window
 * (constant, mean, blur, noise, baseline); it is computed once from the original input.
 */
public final class Interactions {
    private Interactions() {}

    /**
     * @param target      the score index explained
     * @param windows     grid positions of the chosen windows, best first
     * @param starts      per chosen window, its start per spatial axis
     * @param extents     per chosen window, its covered extent per spatial axis
     * @param mapValues   the map's grid value of each chosen window
     * @param baseScore   the target's score on the unoccluded input
     * @param deltas      {@code delta_i}
     * @param pairDeltas  {@code delta_ij} (diagonal: {@code delta_i})
     * @param interaction {@code I_ij} (diagonal: 0)
     * @param samples     model samples scored (variants plus unoccluded inputs)
     * @param modelCalls  model invocations
     */
    public record Result(int target, int[] windows, int[][] starts, int[][] extents, float[] mapValues, double baseScore,
            double[] deltas, double[][] pairDeltas, double[][] interaction, int samples, int modelCalls) {
        public int k() {
            return windows.length;
        }

        /** The result as a JSON object. */
        public String toJson() {
            StringBuilder b = new StringBuilder();
            b.append("{\n  \"target\": ").append(target);
            b.append(",\n  \"baseScore\": ").append(num(baseScore));
            b.append(",\n  \"windows\": [");
            for (int i = 0; i < windows.length; i++) {
                b.append(i == 0 ? "\n" : ",\n").append("    {\"rank\": ").append(i + 1).append(", \"position\": ").append(windows[i])
                        .append(", \"start\": ").append(Arrays.toString(starts[i])).append(", \"extent\": ")
                        .append(Arrays.toString(extents[i])).append(", \"mapValue\": ").append(num(mapValues[i]))
                        .append(", \"delta\": ").append(num(deltas[i])).append('}');
            }
            b.append("\n  ],\n  \"pairDeltas\": ").append(matrix(pairDeltas));
            b.append(",\n  \"interaction\": ").append(matrix(interaction));
            b.append(",\n  \"samples\": ").append(samples).append(",\n  \"modelCalls\": ").append(modelCalls).append("\n}\n");
            return b.toString();
        }

        private static String matrix(double[][] m) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < m.length; i++) {
                b.append(i == 0 ? "\n    [" : ",\n    [");
                for (int j = 0; j < m[i].length; j++) {
                    b.append(j == 0 ? "" : ", ").append(num(m[i][j]));
                }
                b.append(']');
            }
            return b.append("\n  ]").toString();
        }

        private static String num(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.9g", v) : "null";
        }
    }

    /** The top-k non-overlapping windows of target {@code targetIndex} of {@code map}. */
    public static Result compute(Occlusion occlusion, Tensor input, SensitivityMap map, int targetIndex, int k, Fill fill) {
        return compute(occlusion, input, map, targetIndex, topWindows(map, targetIndex, k, true), fill);
    }

    /**
     * Interactions of the given windows (grid positions of {@code map}'s grid, in the order reported).
     *
     * @param occlusion an explainer with the window, stride and edges {@code map} was computed with (its fill
     *                  and targets are replaced)
     */
    public static Result compute(Occlusion occlusion, Tensor input, SensitivityMap map, int targetIndex, int[] windows, Fill fill) {
        Objects.requireNonNull(occlusion, "occlusion");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(fill, "fill");
        if (map.perChannel()) {
            throw new IllegalArgumentException("interactions need a map of joint (all-channel) windows");
        }
        if (targetIndex < 0 || targetIndex >= map.targetCount()) {
            throw new IllegalArgumentException("target index " + targetIndex + " is out of range: the map has " + map.targetCount()
                    + " targets");
        }
        WindowGrid grid = occlusion.grid(input);
        WindowGrid mg = map.grid();
        if (!Arrays.equals(grid.window(), mg.window()) || !Arrays.equals(grid.stride(), mg.stride()) || grid.edge() != mg.edge()
                || !Arrays.equals(grid.spatialShape(), mg.spatialShape())) {
            throw new IllegalArgumentException("the explainer's grid " + grid + " is not the map's grid " + mg);
        }
        int k = windows.length;
        if (k < 2) {
            throw new IllegalArgumentException("interactions need at least 2 windows, got " + k);
        }
        for (int i = 0; i < k; i++) {
            if (windows[i] < 0 || windows[i] >= grid.count()) {
                throw new IllegalArgumentException("window " + windows[i] + " is outside the grid of " + grid.count() + " windows");
            }
            for (int j = 0; j < i; j++) {
                if (windows[i] == windows[j]) {
                    throw new IllegalArgumentException("window " + windows[i] + " is given twice");
                }
            }
        }
        int[] shape = input.shape();
        int channels = shape[0];
        int[] spatial = grid.spatialShape();
        int size = FillValues.spatialSize(spatial);
        float[] x = input.data();
        float[] fillValues = FillValues.staticFill(fill, x, channels, spatial);
        if (fillValues == null) {
            throw new IllegalArgumentException("interactions need a fill that does not depend on the window; " + fill + " does");
        }
        int target = map.targets()[targetIndex];
        Tensor fillTensor = Tensor.of(fillValues, shape);
        int[][] starts = new int[k][spatial.length];
        int[][] extents = new int[k][spatial.length];
        float[] mapValues = new float[k];
        float[] mapGrid = map.gridMap(targetIndex).data();
        for (int i = 0; i < k; i++) {
            grid.region(windows[i], starts[i], extents[i]);
            mapValues[i] = mapGrid[windows[i]];
        }
        double[] deltas = new double[k];
        double[][] pair = new double[k][k];
        double[][] inter = new double[k][k];
        int samples = 0;
        int calls = 0;
        try (Occlusion occ = occlusion.with(b -> b.fill(Fill.baseline(fillTensor)).targets(Targets.of(target)))) {
            SensitivityMap singles = occ.explain(input, sorted(windows, 0, k));
            if (singles.perChannel()) {
                throw new IllegalArgumentException("interactions need an explainer with joint (all-channel) windows");
            }
            double s0 = singles.baseScores()[0];
            float[] g = singles.gridMap(0).data();
            for (int i = 0; i < k; i++) {
                deltas[i] = g[windows[i]];
                pair[i][i] = deltas[i];
            }
            samples += singles.stats().windows() + 1;
            calls += singles.stats().forwards();
            for (int i = 0; i < k - 1; i++) {
                float[] xi = x.clone();
                int[] st = starts[i];
                int[] ex = extents[i];
                fillBox(xi, fillValues, channels, size, spatial, st, ex);
                SensitivityMap run = occ.explain(Tensor.of(xi, shape), sorted(windows, i + 1, k));
                double si = run.baseScores()[0];
                float[] gi = run.gridMap(0).data();
                for (int j = i + 1; j < k; j++) {
                    double sij = si - gi[windows[j]];
                    pair[i][j] = pair[j][i] = s0 - sij;
                    inter[i][j] = inter[j][i] = pair[i][j] - deltas[i] - deltas[j];
                }
                samples += run.stats().windows() + 1;
                calls += run.stats().forwards();
            }
            return new Result(target, windows.clone(), starts, extents, mapValues, s0, deltas, pair, inter, samples, calls);
        }
    }

    /**
     * The {@code k} grid positions of highest value in target {@code targetIndex}'s grid map, best first
     * (ties: lower position first). With {@code disjoint}, a window overlapping one already chosen is skipped,
     * so fewer than {@code k} may come back.
     */
    public static int[] topWindows(SensitivityMap map, int targetIndex, int k, boolean disjoint) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        float[] g = map.gridMap(targetIndex).data();
        WindowGrid grid = map.grid();
        Integer[] order = new Integer[grid.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(g[b], g[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        List<Integer> chosen = new ArrayList<>();
        int rank = grid.rank();
        int[] s1 = new int[rank];
        int[] e1 = new int[rank];
        int[] s2 = new int[rank];
        int[] e2 = new int[rank];
        for (int p : order) {
            if (chosen.size() == k) {
                break;
            }
            boolean ok = true;
            if (disjoint) {
                grid.region(p, s1, e1);
                for (int q : chosen) {
                    grid.region(q, s2, e2);
                    boolean overlap = true;
                    for (int d = 0; d < rank; d++) {
                        overlap &= s1[d] < s2[d] + e2[d] && s2[d] < s1[d] + e1[d];
                    }
                    if (overlap) {
                        ok = false;
                        break;
                    }
                }
            }
            if (ok) {
                chosen.add(p);
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] sorted(int[] windows, int from, int to) {
        int[] s = Arrays.copyOfRange(windows, from, to);
        Arrays.sort(s);
        return s;
    }

    private static void fillBox(float[] x, float[] fill, int channels, int size, int[] spatial, int[] start, int[] extent) {
        int k = spatial.length;
        int[] c = new int[k];
        int count = 1;
        for (int d = 0; d < k; d++) {
            count *= extent[d];
        }
        for (int n = 0; n < count; n++) {
            int rest = n;
            int p = 0;
            for (int d = k - 1; d >= 0; d--) {
                c[d] = rest % extent[d];
                rest /= extent[d];
            }
            for (int d = 0; d < k; d++) {
                p = p * spatial[d] + start[d] + c[d];
            }
            for (int ch = 0; ch < channels; ch++) {
                x[ch * size + p] = fill[ch * size + p];
            }
        }
    }
}
