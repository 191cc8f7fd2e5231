package io.occlusion4j.metrics;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.core.FillValues;
import java.util.Arrays;
import java.util.Objects;

/**
 * Faithfulness of a sensitivity map to its model.
 *
 * <ul>
 *   <li><b>Deletion</b> (Petsiuk et al., RISE, 2018): the map's elements are removed in the order of the
 *       map, highest value first, in {@code steps} steps; removing an element replaces it with the fill
 *       (the run's fill, computed for the input as the explanation computes it). The target's score is
 *       read after each step. A faithful map makes it fall fast: lower AUC is better.
 *   <li><b>Insertion</b>: starts from a blurred copy of the input (or a given start) and puts the input's
 *       elements back in the same order. A faithful map makes the score rise fast: higher AUC is better.
 *   <li><b>Pointing game</b> (Zhang et al., 2016): whether the map's maximum falls inside a ground-truth
 *       box.
 * </ul>
 *
 * Order: descending map value, ties broken by ascending row-major index. Step {@code k} (0..steps)
 * has changed the first {@code n_k = round(k * S / steps)} of the {@code S} map elements. A spatial map
 * {@code [D1..Dk]} changes all channels of an element together; a per-channel map {@code [C, D1..Dk]}
 * changes single channel values. The curve's x axis is {@code n_k / S}, its AUC the trapezoid rule over
 * the {@code steps + 1} points (so an AUC lies in the range of the scores, e.g. [0, 1] for probabilities).
 * Scores are the model's transformed scores (the explainer's score transform, reduction, outputs and
 * normalisation), one forward per point, read through {@link Occlusion#explain(Tensor, int[])} with no
 * windows.
 */
public final class Faithfulness {
    /** Blur of the insertion start when none is given, in elements (RISE blurs strongly). */
    public static final double DEFAULT_INSERTION_BLUR_SIGMA = 5.0;
    /** Steps of a curve when none are given. */
    public static final int DEFAULT_STEPS = 20;

    private Faithfulness() {}

    /**
     * A deletion or insertion curve.
     *
     * @param fractions fraction of the map's elements changed at each point, 0 to 1
     * @param scores    the target's score at each point
     * @param auc       area under the curve (trapezoid rule over {@code fractions})
     */
    public record Curve(double[] fractions, double[] scores, double auc) {
        public Curve {
            fractions = fractions.clone();
            scores = scores.clone();
        }

        @Override
        public String toString() {
            return "Curve[auc=" + auc + ", points=" + scores.length + "]";
        }
    }

    /**
     * @param hit         whether a maximal element of the map lies inside the box (grown by the tolerance)
     * @param peak        coordinates of the first maximal element (row-major order)
     * @param peaks       number of elements holding the maximum
     * @param peaksInside how many of them lie inside the (grown) box
     */
    public record Pointing(boolean hit, int[] peak, int peaks, int peaksInside) {
        public Pointing {
            peak = peak.clone();
        }
    }

    /** Deletion curve of target {@code target} of a map from {@link SensitivityMap#pixelMap(int)}. */
    public static Curve deletion(Occlusion model, Tensor input, SensitivityMap map, int targetIndex, Fill fill, int steps) {
        return deletion(model, input, map.pixelMap(targetIndex), map.targets()[targetIndex], fill, steps);
    }

    /**
     * Deletion curve: the elements of {@code input} ({@code [C, D1..Dk]}) removed in the order of {@code map}
     * (shape {@code [D1..Dk]} or {@code [C, D1..Dk]}), replaced by {@code fill}; {@code target} is the score
     * index read.
     */
    public static Curve deletion(Occlusion model, Tensor input, Tensor map, int target, Fill fill, int steps) {
        Objects.requireNonNull(fill, "fill");
        int[] spatial = spatial(input);
        float[] replacement = FillValues.staticFill(fill, input.data(), input.dim(0), spatial);
        if (replacement == null) {
            throw new IllegalArgumentException("deletion needs a fill that does not depend on the window; " + fill
                    + " does (use a constant, mean, blur, noise or baseline fill)");
        }
        return curve(model, input.data(), replacement, input, map, target, steps);
    }

    /** Insertion curve from a blurred start (Gaussian, {@code blurSigma} elements, as {@link Fill#blur}). */
    public static Curve insertion(Occlusion model, Tensor input, Tensor map, int target, double blurSigma, int steps) {
        int[] spatial = spatial(input);
        if (!(blurSigma > 0) || !Double.isFinite(blurSigma)) {
            throw new IllegalArgumentException("insertion blur sigma must be > 0, got " + blurSigma);
        }
        float[] start = FillValues.blur(input.data(), input.dim(0), spatial, blurSigma);
        return curve(model, start, input.data(), input, map, target, steps);
    }

    /** Insertion curve of a map from {@link SensitivityMap#pixelMap(int)}, from the default blurred start. */
    public static Curve insertion(Occlusion model, Tensor input, SensitivityMap map, int targetIndex, int steps) {
        return insertion(model, input, map.pixelMap(targetIndex), map.targets()[targetIndex], DEFAULT_INSERTION_BLUR_SIGMA, steps);
    }

    /** Insertion curve from an explicit start tensor of the input's shape. */
    public static Curve insertion(Occlusion model, Tensor input, Tensor map, int target, Tensor start, int steps) {
        Objects.requireNonNull(start, "start");
        spatial(input);
        if (!Arrays.equals(start.shape(), input.shape())) {
            throw new IllegalArgumentException("insertion start has shape " + Arrays.toString(start.shape()) + " but the input has "
                    + Arrays.toString(input.shape()));
        }
        return curve(model, start.data(), input.data(), input, map, target, steps);
    }

    /** Deletion AUC (lower is better). */
    public static double deletionAuc(Occlusion model, Tensor input, Tensor map, int target, Fill fill, int steps) {
        return deletion(model, input, map, target, fill, steps).auc();
    }

    /** Insertion AUC from the default blurred start (higher is better). */
    public static double insertionAuc(Occlusion model, Tensor input, Tensor map, int target, int steps) {
        return insertion(model, input, map, target, DEFAULT_INSERTION_BLUR_SIGMA, steps).auc();
    }

    /**
     * The pointing game: is the map's maximum inside the box {@code [boxStart, boxEnd)} (map coordinates,
     * one per axis, end exclusive), grown by {@code tolerance} elements on every side? A hit when any
     * element holding the maximum is inside.
     */
    public static Pointing pointingGame(Tensor map, int[] boxStart, int[] boxEnd, int tolerance) {
        Objects.requireNonNull(map, "map");
        int[] shape = map.shape();
        if (boxStart.length != shape.length || boxEnd.length != shape.length) {
            throw new IllegalArgumentException("box " + Arrays.toString(boxStart) + ".." + Arrays.toString(boxEnd) + " must have "
                    + shape.length + " coordinates, one per axis of the map " + Arrays.toString(shape));
        }
        for (int d = 0; d < shape.length; d++) {
            if (boxStart[d] >= boxEnd[d]) {
                throw new IllegalArgumentException("box " + Arrays.toString(boxStart) + ".." + Arrays.toString(boxEnd)
                        + " is empty on axis " + d);
            }
        }
        if (tolerance < 0) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        float[] v = map.data();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) {
                throw new IllegalArgumentException("map has NaN at index " + i);
            }
            max = Math.max(max, v[i]);
        }
        int peaks = 0;
        int inside = 0;
        int first = -1;
        int[] coord = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != max) {
                continue;
            }
            peaks++;
            if (first < 0) {
                first = i;
            }
            unravel(i, shape, coord);
            boolean in = true;
            for (int d = 0; d < shape.length; d++) {
                in &= coord[d] >= boxStart[d] - tolerance && coord[d] < boxEnd[d] + tolerance;
            }
            if (in) {
                inside++;
            }
        }
        unravel(first, shape, coord);
        return new Pointing(inside > 0, coord, peaks, inside);
    }

    private static void unravel(int i, int[] shape, int[] coord) {
        int rest = i;
        for (int d = shape.length - 1; d >= 0; d--) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
    }

    /** The order in which a map's elements are changed: descending value, ties by ascending index. */
    public static int[] order(float[] map) {
        Integer[] idx = new Integer[map.length];
        for (int i = 0; i < map.length; i++) {
            if (Float.isNaN(map[i])) {
                throw new IllegalArgumentException("map has NaN at index " + i);
            }
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(map[b], map[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[map.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** Trapezoid rule. */
    public static double auc(double[] x, double[] y) {
        double a = 0;
        for (int i = 1; i < x.length; i++) {
            a += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        }
        return a;
    }

    private static int[] spatial(Tensor input) {
        Objects.requireNonNull(input, "input");
        if (input.rank() < 2) {
            throw new IllegalArgumentException("input " + Arrays.toString(input.shape()) + " must be [C, D1..Dk]");
        }
        return Arrays.copyOfRange(input.shape(), 1, input.rank());
    }

    /** Moves from {@code from} towards {@code to} element by element in map order, scoring each step. */
    private static Curve curve(Occlusion model, float[] from, float[] to, Tensor input, Tensor map, int target, int steps) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(map, "map");
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        int[] inShape = input.shape();
        int channels = inShape[0];
        int[] spatial = Arrays.copyOfRange(inShape, 1, inShape.length);
        int size = FillValues.spatialSize(spatial);
        boolean perChannel;
        if (Arrays.equals(map.shape(), spatial)) {
            perChannel = false;
        } else if (Arrays.equals(map.shape(), inShape)) {
            perChannel = true;
        } else {
            throw new IllegalArgumentException("map of shape " + Arrays.toString(map.shape()) + " fits neither the input's spatial shape "
                    + Arrays.toString(spatial) + " nor its full shape " + Arrays.toString(inShape));
        }
        int[] order = order(map.data());
        int total = order.length;
        float[] x = from.clone();
        double[] fractions = new double[steps + 1];
        double[] scores = new double[steps + 1];
        int done = 0;
        for (int k = 0; k <= steps; k++) {
            int upTo = (int) Math.round((double) k * total / steps);
            for (; done < upTo; done++) {
                int e = order[done];
                if (perChannel) {
                    x[e] = to[e];
                } else {
                    for (int c = 0; c < channels; c++) {
                        x[c * size + e] = to[c * size + e];
                    }
                }
            }
            fractions[k] = (double) upTo / total;
            scores[k] = score(model, Tensor.of(x.clone(), inShape), target);
        }
        return new Curve(fractions, scores, auc(fractions, scores));
    }

    /** The transformed score {@code target} of {@code input}: one forward, no windows. */
    public static double score(Occlusion model, Tensor input, int target) {
        float[] all = model.explain(input, new int[0]).allBaseScores();
        if (target < 0 || target >= all.length) {
            throw new IllegalArgumentException("target " + target + " is out of range: the model gives " + all.length + " scores");
        }
        return all[target];
    }
}
