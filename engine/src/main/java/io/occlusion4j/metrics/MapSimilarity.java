package io.occlusion4j.metrics;

import io.occlusion4j.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * How alike two sensitivity maps of the same shape are; used to judge approximations (an adaptive or
 * multi-scale map against the exact one).
 *
 * <ul>
 *   <li>{@link #ssim}: the structural similarity of Wang, Bovik, Sheikh and Simoncelli (2004), on both maps
 *       after each is min-max normalised to [0, 1] (a constant map becomes all 0), so the data range is
 *       {@code L = 1}; {@code C1 = (0.01 L)^2}, {@code C2 = (0.03 L)^2}; local statistics weighted by a
 *       Gaussian window of 11 elements per axis, sigma 1.5 (normalised, separable), with the sample
 *       (co)variances' {@code N/(N-1)} correction omitted as in the paper; the mean of the SSIM index over
 *       every position where the whole window fits inside the map. An axis shorter than 11 uses a window
 *       of its own length (odd, rounded down) with the same sigma. Any rank works (the window is
 *       separable); the maps must be finite.
 *   <li>{@link #spearman}: Spearman's rank correlation, the Pearson correlation of the ranks, with tied
 *       values given their average rank. 0 when either map is constant.
 * </ul>
 */
public final class MapSimilarity {
    /** Side of the Gaussian SSIM window. */
    public static final int SSIM_WINDOW = 11;
    /** Standard deviation of the Gaussian SSIM window, in elements. */
    public static final double SSIM_SIGMA = 1.5;
    private static final double K1 = 0.01;
    private static final double K2 = 0.03;

    private MapSimilarity() {}

    /** SSIM of two maps of the same shape (see the class comment); 1 for identical maps. */
    public static double ssim(Tensor a, Tensor b) {
        int[] shape = sameShape(a, b);
        double[] x = normalise(a.data(), "first");
        double[] y = normalise(b.data(), "second");
        double[] xx = new double[x.length];
        double[] yy = new double[x.length];
        double[] xy = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }
        int[] out = shape.clone();
        double[] mx = filter(x, shape, out);
        double[] my = filter(y, shape, out);
        double[] mxx = filter(xx, shape, out);
        double[] myy = filter(yy, shape, out);
        double[] mxy = filter(xy, shape, out);
        double c1 = K1 * K1;
        double c2 = K2 * K2;
        double sum = 0;
        for (int i = 0; i < mx.length; i++) {
            double vx = mxx[i] - mx[i] * mx[i];
            double vy = myy[i] - my[i] * my[i];
            double cxy = mxy[i] - mx[i] * my[i];
            sum += (2 * mx[i] * my[i] + c1) * (2 * cxy + c2) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
        }
        return sum / mx.length;
    }

    /** Spearman's rank correlation of the elements of two maps of the same shape (average ranks for ties). */
    public static double spearman(Tensor a, Tensor b) {
        sameShape(a, b);
        return spearman(a.data(), b.data());
    }

    /** Spearman's rank correlation of two equally long arrays (average ranks for ties). */
    public static double spearman(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("arrays have different lengths: " + a.length + " and " + b.length);
        }
        if (a.length < 2) {
            throw new IllegalArgumentException("rank correlation needs at least 2 values, got " + a.length);
        }
        double[] ra = ranks(a, "first");
        double[] rb = ranks(b, "second");
        return pearson(ra, rb);
    }

    /**
     * The 1-based ranks of {@code v} in ascending order, tied values sharing the mean of the ranks they span.
     */
    public static double[] ranks(float[] v, String name) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(name + " map has a non-finite value " + v[i] + " at index " + i);
            }
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> Float.compare(v[p], v[q]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                r[order[t]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    /**
     * The largest {@code |map[i] - reference[i]|} over the reference's range (max - min), the agreement figure the
     * benchmarks report; the plain largest difference where the reference is flat.
     */
    public static double maxDifferenceOverRange(float[] map, float[] reference) {
        if (map.length != reference.length) {
            throw new IllegalArgumentException("maps differ in size: " + map.length + " vs " + reference.length);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double d = 0;
        for (int i = 0; i < map.length; i++) {
            lo = Math.min(lo, reference[i]);
            hi = Math.max(hi, reference[i]);
            d = Math.max(d, Math.abs(map[i] - reference[i]));
        }
        return hi > lo ? d / (hi - lo) : d;
    }

    /** Pearson's correlation of two maps of the same size (accumulated in double). */
    public static double pearson(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps differ in size: " + a.length + " vs " + b.length);
        }
        double[] x = new double[a.length];
        double[] y = new double[b.length];
        for (int i = 0; i < a.length; i++) {
            x[i] = a[i];
            y[i] = b[i];
        }
        return pearson(x, y);
    }

    static double pearson(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) {
            return 0;
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    private static int[] sameShape(Tensor a, Tensor b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("maps have different shapes: " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()));
        }
        return a.shape();
    }

    /** Min-max to [0, 1]; a constant map becomes 0. */
    static double[] normalise(float[] v, String name) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(name + " map has a non-finite value " + v[i] + " at index " + i);
            }
            lo = Math.min(lo, v[i]);
            hi = Math.max(hi, v[i]);
        }
        double[] out = new double[v.length];
        if (hi > lo) {
            for (int i = 0; i < v.length; i++) {
                out[i] = (v[i] - lo) / (hi - lo);
            }
        }
        return out;
    }

    static double[] gaussian(int n, double sigma) {
        double[] k = new double[n];
        double c = (n - 1) / 2.0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            k[i] = Math.exp(-0.5 * (i - c) * (i - c) / (sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < n; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Valid-mode separable Gaussian filter over every axis; {@code outShape} receives the result's shape. */
    private static double[] filter(double[] v, int[] shape, int[] outShape) {
        int[] cur = shape.clone();
        double[] data = v;
        for (int axis = 0; axis < shape.length; axis++) {
            int len = cur[axis];
            int n = Math.min(SSIM_WINDOW, len % 2 == 1 ? len : len - 1);
            double[] k = gaussian(n, SSIM_SIGMA);
            int outLen = len - n + 1;
            int inner = 1;
            for (int d = axis + 1; d < cur.length; d++) {
                inner *= cur[d];
            }
            int outer = data.length / (len * inner);
            double[] next = new double[outer * outLen * inner];
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < outLen; i++) {
                    for (int in = 0; in < inner; in++) {
                        double acc = 0;
                        for (int t = 0; t < n; t++) {
                            acc += k[t] * data[(o * len + i + t) * inner + in];
                        }
                        next[(o * outLen + i) * inner + in] = acc;
                    }
                }
            }
            cur[axis] = outLen;
            data = next;
        }
        System.arraycopy(cur, 0, outShape, 0, cur.length);
        return data;
    }
}
