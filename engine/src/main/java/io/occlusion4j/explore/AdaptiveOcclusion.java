package io.occlusion4j.explore;

import io.occlusion4j.Occlusion;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.FillValues;
import io.occlusion4j.core.Reductions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Adaptive occlusion: an approximation of the exact map that scores only part of the windows, and says how far it
 * is from the exact map. Two modes:
 * <ul>
 *   <li>{@link #explainAuto} ({@code --adaptive} / {@code --adaptive auto}): refine until the estimated SSIM to the
 *       exact map reaches a goal (0.95 by default); see there.
 *   <li>{@link #explain(Occlusion, Tensor, Settings)} ({@code --adaptive R}): a fixed budget, below.
 * </ul>
 *
 * <p>The fixed budget:
 * <ol>
 *   <li><b>Coarse pass</b>: every window of a coarse grid, window {@code min(D, f*w)} and stride
 *       {@code min(coarse window, f*s)} per axis ({@code w, s} the explainer's window and stride,
 *       {@code f} the coarse factor), same fill, edges, score and targets.
 *   <li><b>Selection</b>: per target (and per channel for per-channel windows), the {@code ceil(r * n)} coarse
 *       positions of highest value ({@code n} positions, ties to the lower index), dilated by {@code margin}
 *       positions along every axis (a box). Each coarse position owns a <i>cell</i> of the input: the
 *       elements nearer its window's centre than any other's, per axis (cells tile the input). The exact
 *       windows are the fine windows whose centre element lies in a selected cell ({@link Rule#CENTRE}, the
 *       default) or whose region overlaps one ({@link Rule#OVERLAP}); the union over targets.
 *   <li><b>Fine pass</b>: the exact windows only, through {@link Occlusion#explain(Tensor, int[])}.
 *   <li><b>Paint</b>: every other fine window gets {@code a * m}, {@code m} the mean over the window's region of
 *       a coarse pixel map made only of the coarse windows that overlap no refined evidence (an exact window
 *       whose |drop| is at least {@link #EVIDENCE} of the largest), 0 where no such window covers an element:
 *       a coarse window's drop that refined evidence explains is never painted elsewhere. {@code a} is a
 *       per-target scale fitted by least squares through the origin on the exact windows against the plain
 *       coarse pixel map ({@code a = sum f m / sum m^2}; 1 when that is not positive or not finite), which puts
 *       coarse (larger-window) drops on the fine scale. The pixel map is then reduced from the completed grid
 *       map as usual.
 *   <li><b>Estimate</b> (unless the sample fraction is 0): {@link Settings#sampleFraction()} of the fine windows
 *       (at least {@link #MIN_SAMPLE}) drawn at random among the painted ones are scored exactly in the fine pass;
 *       their residuals give the {@link ErrorEstimate} (grouped by coarse cell, stratified by painted zero or
 *       not). They are exact in the map.
 * </ol>
 *
 * The statistics count every model sample honestly: the coarse variants, the fine variants and the
 * unoccluded input once per pass (on the CPU it rides in each pass's first batch), against the exact
 * run's windows plus its one unoccluded sample.
 */
public final class AdaptiveOcclusion {
    /** The default top fraction of coarse positions refined. */
    public static final double DEFAULT_R = 0.05;
    /** The default coarse factor: coarse window and stride this many times the fine ones. */
    public static final int DEFAULT_COARSE_FACTOR = 3;
    /** The default margin around selected coarse positions, in coarse positions. */
    public static final int DEFAULT_MARGIN = 1;
    /** The default fraction of the fine windows sampled to estimate the error of the painted ones. */
    public static final double DEFAULT_SAMPLE_FRACTION = 0.02;
    /** The fewest windows sampled for an error estimate. */
    public static final int MIN_SAMPLE = Cells.MIN_SAMPLE;
    /** A refined window is evidence when its |drop| is at least this fraction of the largest refined |drop|. */
    public static final double EVIDENCE = Cells.EVIDENCE;
    /** {@code auto}'s default goal: the estimated SSIM to the exact map. */
    public static final double DEFAULT_TARGET_SSIM = AutoSettings.DEFAULT_TARGET_SSIM;

    /** The default rule for which fine windows a selected cell makes exact. */
    public static final Rule DEFAULT_RULE = Rule.CENTRE;

    /** Which fine windows a selected coarse cell makes exact. */
    public enum Rule {
        /** The fine windows whose centre element lies in a selected cell (the default: cheaper). */
        CENTRE,
        /** The fine windows whose region overlaps a selected cell at all (more exact windows at the cells' borders). */
        OVERLAP
    }

    private AdaptiveOcclusion() {}

    /**
     * @param r            top fraction of coarse positions refined, in (0, 1]
     * @param coarseFactor coarse window and stride over the fine ones, >= 2
     * @param margin       coarse positions added around each selected one, per axis, >= 0
     * @param rule         which fine windows a selected cell makes exact
     * @param sampleFraction fraction of the fine windows (at least {@link #MIN_SAMPLE}) drawn among the painted ones and
     *                     scored exactly to estimate the map's error; 0 for no estimate
     */
    public record Settings(double r, int coarseFactor, int margin, Rule rule, double sampleFraction) {
        /** Settings with the default sample fraction for the error estimate. */
        public Settings(double r, int coarseFactor, int margin, Rule rule) {
            this(r, coarseFactor, margin, rule, DEFAULT_SAMPLE_FRACTION);
        }

        public Settings {
            if (!(sampleFraction >= 0 && sampleFraction <= 1)) {
                throw new IllegalArgumentException("sample fraction must be in [0, 1], got " + sampleFraction);
            }
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("adaptive fraction r must be in (0, 1], got " + r);
            }
            if (coarseFactor < 2) {
                throw new IllegalArgumentException("coarse factor must be >= 2, got " + coarseFactor);
            }
            if (margin < 0) {
                throw new IllegalArgumentException("margin must be >= 0, got " + margin);
            }
            java.util.Objects.requireNonNull(rule, "rule");
        }

        public static Settings of(double r) {
            return new Settings(r, DEFAULT_COARSE_FACTOR, DEFAULT_MARGIN, DEFAULT_RULE);
        }

        public static Settings defaults() {
            return of(DEFAULT_R);
        }
    }

    /** Adaptive explanation with top fraction {@code r} and the default coarse factor and margin. */
    public static AdaptiveResult explain(Occlusion base, Tensor input, double r) {
        return explain(base, input, Settings.of(r));
    }

    /**
     * {@code auto}: refine until the map is estimated right, not until a fixed fraction is spent.
     *
     * <ol>
     *   <li><b>Lattice</b>: the fine windows at every {@code S}-th position per axis ({@code S = window / stride},
     *       between 2 and {@link AutoSettings#maxStep()}, so the lattice's windows still cover the input when the stride is at most
     *       half the window), scored exactly. No window larger than the requested one is ever scored.
     *   <li><b>Cells</b>: the boxes between neighbouring lattice positions. A window not scored is painted by
     *       multilinear interpolation between the corners of the smallest cell containing it: only from scored fine
     *       windows around it, so evidence never leaks into a cell whose corners do not see it.
     *   <li><b>Refine where large</b>: every cell more than 2 positions wide whose indicator is at least
     *       {@link AutoSettings#threshold()} is split in halves along each axis and the new corners scored, repeatedly,
     *       until none is (a cell at most 2 wide is left to the estimate: it paints at most 5 windows, which the pixel
     *       map averages with the windows overlapping them). The indicator, over the map's largest |value|: for a
     *       lattice cell, the spread of its corners' values (max - min) and half the largest |value| around it (corners can cancel what lies between them); for a
     *       split cell, its new corners' surplus (how far they are from what the parent painted there), unless all its
     *       corners are below 5 % of the map's largest |value| (it then paints about zero between zeros); either raised
     *       by residuals sampled inside it. Cells with a corner at 0.7 of the map's largest |value| or more are always
     *       split: the extremes set the min-max normalisation of the whole map.
     *   <li><b>Estimate</b>: a random sample of the painted windows, stratified by how large the map is around each
     *       window's cell, is scored exactly. Each stratum wants its share by size of
     *       {@link AutoSettings#sampleFraction()} of the fine windows (at least {@link AutoSettings#minSample()}), at
     *       least 6 % of its windows and 8 in the two strata next to evidence, only 4 in the stratum far from it. The
     *       sample is kept across rounds: each round recomputes every sampled window's residual (exact - painted)
     *       against the current painting and only tops the strata up; a sampled window that refinement made a corner
     *       leaves it. The residuals give the estimate of the SSIM to the exact map (see {@link ErrorEstimate}); a
     *       split cell's windows also draw from its own corners' surplus (what its parent painted there, against the
     *       exact score: a sample of the interpolation error at its scale that costs no forward), unless its corners
     *       are all below 5 % of the map's largest |value|. The sampled windows stay exact in the map.
     *   <li><b>Stop</b> when the estimate's conservative bound, its lowest bootstrap draw
     *       ({@link ErrorEstimate#ssimLow()}), is at least {@link AutoSettings#targetSsim()} (not its mean, which erred
     *       optimistic by up to 0.055 on BlazeFace); otherwise a stratum whose samples erred gives each of its cells its
     *       root mean square residual as a hint, the cells with the largest indicator are split until 4 % of the windows
     *       are new, those are scored, and the estimate is made again. When the windows left are at most twice such a
     *       batch plus a sample, they are all scored: the map is then exact.
     * </ol>
     * The stats count every model sample: every pass's variants plus the unoccluded input once (the first pass scores
     * it, later passes reuse its scores through {@link Occlusion#explain(Tensor, int[], float[])}).
     */
    public static AdaptiveResult explainAuto(Occlusion base, Tensor input, AutoSettings settings) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(settings, "settings");
        return AutoAdaptive.explain(base, input, settings);
    }

    /** Adaptive explanation of {@code input} with {@code base}'s settings as the fine (requested) settings. */
    public static AdaptiveResult explain(Occlusion base, Tensor input, Settings settings) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(settings, "settings");
        long t0 = System.nanoTime();
        WindowGrid fine = base.grid(input);
        int[] spatial = fine.spatialShape();
        int[] cw = new int[spatial.length];
        int[] cs = new int[spatial.length];
        for (int d = 0; d < spatial.length; d++) {
            cw[d] = (int) Math.min(spatial[d], (long) settings.coarseFactor() * fine.window()[d]);
            cs[d] = (int) Math.min(cw[d], (long) settings.coarseFactor() * fine.stride()[d]);
        }
        SensitivityMap coarse;
        try (Occlusion coarseOcc = base.with(b -> b.window(cw).stride(cs))) {
            coarse = coarseOcc.explain(input);
        }
        int[] targets = coarse.targets();
        int channels = input.dim(0);
        boolean perChannel = coarse.perChannel();
        int slices = perChannel ? channels : 1;
        float[][] coarseGrids = new float[targets.length][];
        for (int t = 0; t < targets.length; t++) {
            coarseGrids[t] = coarse.gridMap(t).data();
        }
        boolean[] exact = select(fine, coarse.grid(), coarseGrids, slices, settings.r(), settings.margin(), settings.rule());
        int[] sample = CoarsePainting.sample(exact, settings.sampleFraction(), fine.count() * slices);
        boolean[] scored = exact.clone();
        for (int w : sample) {
            scored[w] = true;
        }
        int[] subset = RefinementGrid.indices(scored);
        SensitivityMap part;
        try (Occlusion fineOcc = base.with(b -> b.targets(Targets.of(targets)))) {
            part = fineOcc.explain(input, subset);
        }
        float[][] grids = new float[targets.length][];
        float[][] pixels = new float[targets.length][];
        float[][] painted = new float[targets.length][];
        double[] scales = new double[targets.length];
        for (int t = 0; t < targets.length; t++) {
            float[] g = part.gridMap(t).data();
            double[] estimate = CoarsePainting.paintFromCoarse(fine, coarse.grid(), coarseGrids[t], exact, g, slices);
            scales[t] = CoarsePainting.scale(g, exact, CoarsePainting.coarseEstimate(fine, coarse.pixelMap(t).data(), slices));
            painted[t] = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                painted[t][i] = (float) (scales[t] * estimate[i]);
                if (!scored[i]) {
                    g[i] = painted[t][i];
                }
            }
            grids[t] = g;
            pixels[t] = Reductions.pixelMap(g, fine, slices);
        }
        ErrorEstimate estimate = sample.length == 0 && settings.sampleFraction() == 0 ? null
                : CoarsePainting.fixedEstimate(fine, coarse.grid(), slices, perChannel ? CoarsePainting.prepend(channels, spatial) : spatial, grids, painted, scored, sample);
        double seconds = (System.nanoTime() - t0) / 1e9;
        RunStats cst = coarse.stats();
        RunStats fst = part.stats();
        int variants = cst.windows() + fst.windows();
        RunStats runStats = new RunStats(variants, cst.forwards() + fst.forwards(), fst.batchSize(), fst.batchFixed(), seconds,
                variants / seconds, fst.backend(), fst.device(), fst.verification());
        SensitivityMap map = new SensitivityMap(fine, perChannel, channels, part.output(), part.targets(), part.allBaseScores(),
                grids, pixels, runStats);
        int used = cst.windows() + 1 + fst.windows() + 1;
        int exactForwards = exact.length + 1;
        AdaptiveStats stats = new AdaptiveStats("fixed", cw, cs, cst.windows(), fst.windows(), exact.length, used, exactForwards, (double) used / exactForwards,
                cst.forwards() + fst.forwards(), scales, seconds, 2, estimate, null);
        return new AdaptiveResult(map, coarse, scored, stats);
    }

    /**
     * The fine windows to compute exactly (see the class comment).
     *
     * @param coarseGrids per target, the coarse grid map {@code [slices, coarse positions]}
     * @return per fine window {@code [slices, fine positions]}, whether it is computed exactly
     */
    public static boolean[] select(WindowGrid fine, WindowGrid coarse, float[][] coarseGrids, int slices, double r, int margin,
            Rule rule) {
        int k = fine.rank();
        int[] spatial = fine.spatialShape();
        int[] cshape = coarse.gridShape();
        int[] fshape = fine.gridShape();
        int ccount = coarse.count();
        int fcount = fine.count();
        // Per axis: the coarse cell of every element, then the range of cells each fine window overlaps.
        int[][] lo = new int[k][];
        int[][] hi = new int[k][];
        for (int d = 0; d < k; d++) {
            int[] cellOf = Cells.cells(coarse, d, spatial[d]);
            lo[d] = new int[fshape[d]];
            hi[d] = new int[fshape[d]];
            for (int j = 0; j < fshape[d]; j++) {
                int s = fine.start(d, j);
                int e = fine.extent(d, j);
                if (rule == Rule.OVERLAP) {
                    lo[d][j] = cellOf[s];
                    hi[d][j] = cellOf[s + e - 1];
                } else {
                    lo[d][j] = hi[d][j] = cellOf[s + (e - 1) / 2];
                }
            }
        }
        int top = (int) Math.max(1, Math.min(ccount, Math.ceil(r * ccount - 1e-9)));
        boolean[] exact = new boolean[slices * fcount];
        int[] coord = new int[k];
        int[] boxLo = new int[k];
        int[] boxHi = new int[k];
        for (float[] grid : coarseGrids) {
            for (int sl = 0; sl < slices; sl++) {
                boolean[] chosen = new boolean[ccount];
                for (int p : topPositions(grid, sl * ccount, ccount, top)) {
                    Cells.unravel(p, cshape, coord);
                    for (int d = 0; d < k; d++) {
                        boxLo[d] = Math.max(0, coord[d] - margin);
                        boxHi[d] = Math.min(cshape[d] - 1, coord[d] + margin);
                    }
                    Cells.forEachInBox(boxLo, boxHi, cshape, q -> chosen[q] = true);
                }
                for (int j = 0; j < fcount; j++) {
                    if (exact[sl * fcount + j]) {
                        continue;
                    }
                    Cells.unravel(j, fshape, coord);
                    for (int d = 0; d < k; d++) {
                        boxLo[d] = lo[d][coord[d]];
                        boxHi[d] = hi[d][coord[d]];
                    }
                    boolean[] hit = {false};
                    Cells.forEachInBox(boxLo, boxHi, cshape, q -> hit[0] |= chosen[q]);
                    exact[sl * fcount + j] = hit[0];
                }
            }
        }
        return exact;
    }

    private static int[] topPositions(float[] grid, int offset, int count, int top) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(grid[offset + b], grid[offset + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[top];
        for (int i = 0; i < top; i++) {
            out[i] = order[i];
        }
        return out;
    }

    /** The windows computed exactly, as a list of fine window numbers. */
    public static List<Integer> exactWindows(AdaptiveResult result) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < result.exact().length; i++) {
            if (result.exact()[i]) {
                out.add(i);
            }
        }
        return out;
    }
}
