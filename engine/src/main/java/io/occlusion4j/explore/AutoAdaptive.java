package io.occlusion4j.explore;

import io.occlusion4j.Occlusion;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.explore.AutoCommon.Hints;
import io.occlusion4j.explore.AutoCommon.Update;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.occlusion4j.explore.AutoCommon.magnitudeAround;
import static io.occlusion4j.explore.AutoCommon.ranges;

/**
 * {@code --adaptive} without a value ({@code auto}): refine until the map is estimated right (see
 * {@link AdaptiveOcclusion#explainAuto}).
 */
final class AutoAdaptive {
    /**
     * Scores fine windows exactly: the grid map per target {@code [t][slice * count + p]}, meaningful at the given
     * positions (every slice); the same number of targets on every call.
     */
    interface Scorer {
        float[][] score(int[] positions);
    }



    /** What the loop did, for the stats. */
    record Outcome(float[][] values, boolean[] known, int latticePositions, int scoreCalls, ErrorEstimate estimate,
            int[] step, int[] spent) {}

    /** Where the scored windows went ({@link Outcome#spent}): lattice, refinement, samples, the rest scored at the end. */
    static final int LATTICE = 0, REFINE = 1, SAMPLE = 2, REST = 3;

    private AutoAdaptive() {}


    static AdaptiveResult explain(Occlusion base, Tensor input, AutoSettings settings) {
        long t0 = System.nanoTime();
        WindowGrid fine = base.grid(input);
        int channels = input.dim(0);
        boolean perChannel = base.settings().perChannel();
        int slices = perChannel ? channels : 1;
        int count = fine.count();
        SensitivityMap[] first = {null};
        Occlusion[] pinned = {null};
        int[] forwards = {0};
        int[] calls = {0};
        int[] variants = {0};
        try {
            Scorer scorer = positions -> {
                int[] windows = new int[positions.length * slices];
                for (int s = 0, n = 0; s < slices; s++) {
                    for (int p : positions) {
                        windows[n++] = s * count + p;
                    }
                }
                Arrays.sort(windows);
                SensitivityMap part;
                if (pinned[0] == null) {
                    part = base.explain(input, windows);
                    first[0] = part;
                    int[] targets = part.targets();
                    pinned[0] = base.with(b -> b.targets(Targets.of(targets)));
                    forwards[0]++;
                } else {
                    // The unoccluded input was scored by the first pass: later passes reuse its scores.
                    part = pinned[0].explain(input, windows, first[0].allBaseScores());
                }
                forwards[0] += part.stats().windows();
                calls[0] += part.stats().forwards();
                variants[0] += part.stats().windows();
                float[][] out = new float[part.targetCount()][];
                for (int t = 0; t < out.length; t++) {
                    out[t] = part.gridMap(t).data();
                }
                return out;
            };
            Outcome o = run(fine, slices, perChannel ? prepend(channels, fine.spatialShape()) : fine.spatialShape(), scorer,
                    settings);
            SensitivityMap head = first[0];
            float[][] pixels = new float[o.values().length][];
            for (int t = 0; t < pixels.length; t++) {
                pixels[t] = Reductions.pixelMap(o.values()[t], fine, slices);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            RunStats hs = head.stats();
            RunStats runStats = new RunStats(variants[0], calls[0], hs.batchSize(), hs.batchFixed(), seconds, variants[0] / seconds,
                    hs.backend(), hs.device(), hs.verification());
            SensitivityMap map = new SensitivityMap(fine, perChannel, channels, head.output(), head.targets(), head.allBaseScores(),
                    o.values(), pixels, runStats);
            boolean[] exact = new boolean[slices * count];
            int known = 0;
            for (int p = 0; p < count; p++) {
                known += o.known()[p] ? 1 : 0;
                for (int s = 0; s < slices; s++) {
                    exact[s * count + p] = o.known()[p];
                }
            }
            int[] cw = fine.window();
            int[] cs = fine.stride();
            for (int d = 0; d < cs.length; d++) {
                cs[d] *= o.step()[d];
            }
            double[] scale = new double[o.values().length];
            Arrays.fill(scale, 1.0);
            AdaptiveStats stats = new AdaptiveStats("auto", cw, cs, o.latticePositions() * slices, known * slices,
                    count * slices, forwards[0], count * slices + 1, (double) forwards[0] / (count * slices + 1), calls[0], scale,
                    seconds, o.scoreCalls(), o.estimate(), o.spent().clone());
            return new AdaptiveResult(map, null, exact, stats);
        } finally {
            if (pinned[0] != null) {
                pinned[0].close();
            }
        }
    }

    /**
     * The loop on an abstract scorer: lattice; refine every leaf whose indicator is at least the threshold
     * ({@link #splitThreshold}) until none is; then rounds of (top up the sample and estimate, {@link AutoSample}; stop,
     * or split the leaves of highest indicator until {@link #STEP_FRACTION} of the windows are new).
     */
    static Outcome run(WindowGrid fine, int slices, int[] pixelShape, Scorer scorer, AutoSettings settings) {
        int[] shape = fine.gridShape();
        int count = fine.count();
        int[] step = latticeStep(fine, settings.maxStep());
        RefinementGrid rg = new RefinementGrid(shape, step);
        boolean[] known = new boolean[count];
        int[] scoreCalls = {0};
        int[] spent = new int[4];
        int[] stage = {LATTICE};
        float[][][] holder = {null};
        Update tracked = positions -> {
            if (positions.length == 0) {
                return;
            }
            float[][] part = scorer.score(positions);
            scoreCalls[0]++;
            spent[stage[0]] += positions.length;
            if (holder[0] == null) {
                holder[0] = new float[part.length][slices * count];
            }
            for (int t = 0; t < part.length; t++) {
                for (int s = 0; s < slices; s++) {
                    for (int p : positions) {
                        holder[0][t][s * count + p] = part[t][s * count + p];
                    }
                }
            }
            for (int p : positions) {
                known[p] = true;
            }
        };
        int[] lattice = rg.cornerPositions();
        tracked.score(lattice);
        float[][] values = holder[0];
        Hints hints = new Hints(new IdentityHashMap<>(), new IdentityHashMap<>());
        boolean[] sampled = new boolean[count];
        SplittableRandom rng = new SplittableRandom(settings.seed());
        double theta = settings.threshold();
        int budget = (int) Math.max(settings.minSample(), Math.ceil(STEP_FRACTION * count));
        stage[0] = REFINE;
        refineAbove(rg, values, slices, known, theta, hints, tracked);
        ErrorEstimate estimate;
        while (true) {
            int left = count - RefinementGrid.indices(known).length;
            if (left > 0 && left <= 2 * budget + settings.sampleFraction() * count) {
                // Another round would cost about as much as the rest: score the rest, the map is then exact.
                boolean[] rest = new boolean[count];
                for (int p = 0; p < count; p++) {
                    rest[p] = !known[p];
                }
                stage[0] = REST;
                tracked.score(RefinementGrid.indices(rest));
            }
            stage[0] = SAMPLE;
            estimate = AutoSample.sampleAndEstimate(fine, rg, values, slices, known, sampled, pixelShape, hints, tracked, rng, settings);
            double th = theta;
            ErrorEstimate est = estimate;
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("adaptive auto: threshold %.4f, %d of %d scored, %s", th,
                    RefinementGrid.indices(known).length, count, est));
            if (mayStop(estimate, settings)) {
                break;
            }
            stage[0] = REFINE;
            refineTop(rg, values, slices, known, budget, hints, tracked);
        }
        RefinementGrid.Cell[] owner = rg.owners();
        for (float[] v : values) {
            rg.paint(v, slices, known, owner);
        }
        return new Outcome(values, known, lattice.length, scoreCalls[0], estimate, step, spent);
    }

    /**
     * The stopping rule: the conservative bound of the estimate ({@link ErrorEstimate#ssimLow()}, the
     * lowest of the bootstrap draws), not its mean, must reach the goal.
     */
    static boolean mayStop(ErrorEstimate estimate, AutoSettings settings) {
        return estimate.ssimLow() >= settings.targetSsim();
    }

    /** After an estimate below the goal, the leaves most likely wrong are split until this fraction of the windows is new. */
    static final double STEP_FRACTION = 0.04;
    private static final System.Logger LOG = System.getLogger(AutoAdaptive.class.getName());

    /**
     * Cells with a corner at least this fraction of the map's largest |value| are always refined. At 0.7 a wide plateau
     * of large values was resolved whole before the first estimate; at 0.85, replayed on the study's eleven stored maps
     * (seeds 1-120), the unmasked CNNs spend 37-61 % of the forwards instead of 51-89 %, the one-region ones the same or
     * up to 1.1 points less, and no run stops below the goal that did not before (the lowest true SSIM 0.962 instead of
     * 0.970, on spread-96-w8). At 0.9 masked CNNs spent more (region-128-1 27.8 % instead of 24.2 %).
     */
    static final double PEAK = 0.85;

    /**
     * The indicator at which {@code refineAbove} (before the first estimate) splits a leaf: {@code theta}; never for a
     * leaf at most 2 positions wide (a cell at the peak is still split, {@link #nearPeak}). Such a leaf paints at most
     * 5 windows, and the pixel map averages every window with the (window / stride)^k overlapping it, so whether its
     * interpolation error matters is left to the estimate, which sees it: a split leaf's corners' surplus (what its
     * parent painted there, {@link AutoCommon.Hints#history}) is drawn with the sample for its own windows. The rounds
     * after an estimate below the goal split such leaves by indicator. Before, they were split at indicator 0.2
     * (0.3 for larger leaves), because a small sample alone missed the few wrong ones (BlazeFace stopped at true SSIM
     * 0.909); with the history in the estimate, no run of the study's workloads stopped below 0.95 on replayed seeds
     * 1-60 but one of PaddleOCR's (0.914, where the old rule stopped three below, the lowest at 0.893).
     */
    static double splitThreshold(RefinementGrid.Cell c, double theta) {
        return c.width() <= 2 ? Double.POSITIVE_INFINITY : theta;
    }

    /** A lattice cell's indicator is at least this times the largest |value| around it ({@link AutoCommon#magnitudeAround}). */
    static final double NEIGHBOUR = 0.5;


    /**
     * Splits, repeatedly, every leaf whose indicator is at least {@code theta} and scores the new corners. A child's
     * hint is its new corners' surplus: how far they are from what the parent painted there, over the map's largest
     * |value| (so a smooth region stops refining where the interpolation is already right).
     */
    private static void refineAbove(RefinementGrid rg, float[][] values, int slices, boolean[] known, double theta, Hints hints,
            Update scorer) {
        while (true) {
            double[] range = ranges(values);
            List<RefinementGrid.Cell> split = new ArrayList<>();
            for (RefinementGrid.Cell c : rg.leaves()) {
                if (!c.resolved() && (indicator(rg, c, values, slices, range, hints) >= splitThreshold(c, theta) || nearPeak(rg, c, values, slices, range))) {
                    split.add(c);
                }
            }
            if (split.isEmpty()) {
                return;
            }
            splitAndScore(rg, split, values, slices, known, hints, scorer);
        }
    }

    /**
     * One batch after an estimate below the goal: the leaves in descending order of indicator (ties in grid order), split
     * until their new corners number at least {@code budget}, then scored.
     */
    private static void refineTop(RefinementGrid rg, float[][] values, int slices, boolean[] known, int budget, Hints hints,
            Update scorer) {
        double[] range = ranges(values);
        List<RefinementGrid.Cell> open = new ArrayList<>();
        Map<RefinementGrid.Cell, Double> score = new IdentityHashMap<>();
        for (RefinementGrid.Cell c : rg.leaves()) {
            if (!c.resolved()) {
                open.add(c);
                score.put(c, indicator(rg, c, values, slices, range, hints));
            }
        }
        open.sort((x, y) -> Double.compare(score.get(y), score.get(x)));
        boolean[] fresh = new boolean[rg.count()];
        int[] added = {0};
        List<RefinementGrid.Cell> split = new ArrayList<>();
        for (RefinementGrid.Cell c : open) {
            if (added[0] >= budget) {
                break;
            }
            split.add(c);
            rg.forEachInside(c, p -> {
                if (!known[p] && !fresh[p] && isChildCorner(rg, c, p)) {
                    fresh[p] = true;
                    added[0]++;
                }
            });
        }
        splitAndScore(rg, split, values, slices, known, hints, scorer);
    }

    /**
     * Whether a corner of {@code c} is within {@link #PEAK} of the map's largest |value|: the map's extremes set its
     * min-max normalisation, so the cells around them are resolved whatever their indicator.
     */
    static boolean nearPeak(RefinementGrid rg, RefinementGrid.Cell c, float[][] values, int slices, double[] range) {
        int count = rg.count();
        boolean[] near = {false};
        rg.corners(c, p -> {
            for (int t = 0; t < values.length; t++) {
                for (int s = 0; s < slices; s++) {
                    near[0] |= Math.abs(values[t][s * count + p]) >= PEAK * range[t];
                }
            }
        });
        return near[0];
    }

    /** Whether {@code p} is a corner of one of {@code c}'s children (on {lo, mid, hi} along every axis). */
    private static boolean isChildCorner(RefinementGrid rg, RefinementGrid.Cell c, int p) {
        int[] coord = new int[c.lo().length];
        rg.unravel(p, coord);
        for (int d = 0; d < coord.length; d++) {
            int lo = c.lo()[d];
            int hi = c.hi()[d];
            if (coord[d] != lo && coord[d] != hi && coord[d] != (lo + hi) / 2) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits the given leaves and scores their children's new corners. A child's hint is its new corners' surplus: how
     * far they are from what the parent painted there, over the map's largest |value| (so a smooth region stops refining
     * where the interpolation is already right).
     */
    static void splitAndScore(RefinementGrid rg, List<RefinementGrid.Cell> split, float[][] values, int slices, boolean[] known,
            Hints hints, Update scorer) {
        int count = rg.count();
        double[] range = ranges(values);
        boolean[] fresh = new boolean[count];
        float[][] predicted = new float[values.length][slices * count];
        int[] coord = new int[rg.shape().length];
        Map<RefinementGrid.Cell, List<RefinementGrid.Cell>> children = new IdentityHashMap<>();
        Map<RefinementGrid.Cell, RefinementGrid.Cell> parent = new IdentityHashMap<>();
        for (RefinementGrid.Cell c : split) {
            hints.sampled().remove(c);
            hints.surplus().remove(c);
            hints.history().remove(c);
            List<RefinementGrid.Cell> kids = rg.split(c);
            children.put(c, kids);
            for (RefinementGrid.Cell child : kids) {
                parent.put(child, c);
            }
            for (RefinementGrid.Cell child : kids) {
                rg.corners(child, p -> {
                    if (!known[p] && !fresh[p]) {
                        fresh[p] = true;
                        rg.unravel(p, coord);
                        for (int t = 0; t < values.length; t++) {
                            for (int s = 0; s < slices; s++) {
                                predicted[t][s * count + p] = (float) rg.interpolate(values[t], s * count, c, coord);
                            }
                        }
                    }
                });
            }
        }
        scorer.score(RefinementGrid.indices(fresh));
        for (List<RefinementGrid.Cell> kids : children.values()) {
            for (RefinementGrid.Cell child : kids) {
                double[] worst = {0};
                rg.corners(child, p -> {
                    if (fresh[p]) {
                        for (int t = 0; t < values.length; t++) {
                            for (int s = 0; s < slices; s++) {
                                double e = Math.abs(values[t][s * count + p] - predicted[t][s * count + p]) / range[t];
                                worst[0] = Math.max(worst[0], e);
                            }
                        }
                    }
                });
                hints.surplus().put(child, worst[0]);
                hints.history().put(child, history(rg, parent.get(child), child, values, predicted, slices, fresh));
            }
        }
    }

    /**
     * The signed surplus of each of {@code child}'s corners new in this split, per slice: what the parent painted there
     * against the exact score, placed ({@link ErrorEstimator.Sample#place}) where the corner sat in the parent.
     */
    private static List<ErrorEstimator.Sample> history(RefinementGrid rg, RefinementGrid.Cell parent, RefinementGrid.Cell child,
            float[][] values, float[][] predicted, int slices, boolean[] fresh) {
        int count = rg.count();
        List<ErrorEstimator.Sample> out = new ArrayList<>();
        int[] coord = new int[rg.shape().length];
        rg.corners(child, p -> {
            if (!fresh[p]) {
                return;
            }
            rg.unravel(p, coord);
            double place = AutoSample.place(parent, coord);
            for (int s = 0; s < slices; s++) {
                double[] e = new double[values.length];
                for (int t = 0; t < values.length; t++) {
                    e[t] = values[t][s * count + p] - predicted[t][s * count + p];
                }
                out.add(new ErrorEstimator.Sample(s * count + p, -1, e, place));
            }
        });
        return out;
    }

    /**
     * How badly a leaf may be painted, over the map's largest |value|: a split cell's hint (its corners' surplus, raised by
     * any residual sampled inside it; only the sampled residual when its corners are {@link AutoCommon#flat}); a lattice cell's largest spread of its corners' values (max - min), raised by any
     * residual sampled inside it; over targets and slices.
     */
    static double indicator(RefinementGrid rg, RefinementGrid.Cell c, float[][] values, int slices, double[] range,
            Hints hints) {
        int count = rg.count();
        double worst = hints.sampled().getOrDefault(c, 0.0);
        Double surplus = hints.surplus().get(c);
        if (surplus != null) {
            return AutoCommon.flat(rg, c, values, slices, range) ? worst : Math.max(worst, surplus);
        }
        // A lattice cell next to evidence: its corners may cancel what lies between them (a model's drops can be negative).
        worst = Math.max(worst, NEIGHBOUR * magnitudeAround(rg, c, values, slices, range));
        for (int t = 0; t < values.length; t++) {
            for (int s = 0; s < slices; s++) {
                double[] mm = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
                int offset = s * count;
                float[] v = values[t];
                rg.corners(c, p -> {
                    mm[0] = Math.min(mm[0], v[offset + p]);
                    mm[1] = Math.max(mm[1], v[offset + p]);
                });
                worst = Math.max(worst, (mm[1] - mm[0]) / range[t]);
            }
        }
        return worst;
    }


    /** Lattice step per axis: window over stride (so the lattice's windows still cover the input), in [2, maxStep]. */
    static int[] latticeStep(WindowGrid fine, int maxStep) {
        int[] shape = fine.gridShape();
        int[] step = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            int ratio = fine.window()[d] / fine.stride()[d];
            step[d] = shape[d] < 3 ? 1 : Math.max(2, Math.min(maxStep, ratio));
        }
        return step;
    }

    private static int[] prepend(int c, int[] shape) {
        int[] out = new int[shape.length + 1];
        out[0] = c;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }
}
