package io.occlusion4j.core;

import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import java.nio.FloatBuffer;

/**
 * Turns the selected model outputs of one sample into its scores: the score transform over each output
 * (softmax over the last axis, or sigmoid per element), then the optional max reduction. The reference
 * for the score kernel.
 */
public final class Scoring {
    private final Score score;
    private final Reduce reduce;
    private final int[] sizes;
    private final int[] lastAxis;
    private final float[] scratch;
    private final double[] exps;

    /**
     * @param sizes    elements per sample of each selected output
     * @param lastAxis length of each output's last axis (the softmax groups)
     */
    public Scoring(Score score, Reduce reduce, int[] sizes, int[] lastAxis) {
        if (reduce == Reduce.NONE && sizes.length != 1) {
            throw new IllegalArgumentException("without a reduction exactly one model output is scored, got " + sizes.length);
        }
        this.score = score;
        this.reduce = reduce;
        this.sizes = sizes.clone();
        this.lastAxis = lastAxis.clone();
        int max = 0;
        for (int s : sizes) {
            max = Math.max(max, s);
        }
        this.scratch = new float[max];
        int group = 1;
        for (int g : lastAxis) {
            group = Math.max(group, g);
        }
        this.exps = new double[group];
    }

    /** Scores per sample ({@code K}). */
    public int count() {
        return reduce == Reduce.MAX ? 1 : sizes[0];
    }

    /**
     * Writes the {@code count()} scores of sample {@code row} into {@code dst}.
     *
     * @return false when any transformed output value of the sample is NaN or infinite
     */
    public boolean scores(FloatBuffer[] outputs, int row, float[] dst) {
        boolean finite = true;
        float best = Float.NEGATIVE_INFINITY;
        for (int o = 0; o < sizes.length; o++) {
            int n = sizes[o];
            float[] out = reduce == Reduce.NONE ? dst : scratch;
            outputs[o].get(row * n, out, 0, n);
            finite &= transform(out, n, lastAxis[o]);
            if (reduce == Reduce.MAX) {
                for (int i = 0; i < n; i++) {
                    best = Math.max(best, out[i]);
                }
            }
        }
        if (reduce == Reduce.MAX) {
            dst[0] = best;
        }
        return finite;
    }

    private boolean transform(float[] v, int n, int group) {
        boolean finite = true;
        switch (score) {
            case RAW -> {
                for (int i = 0; i < n; i++) {
                    finite &= Float.isFinite(v[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    finite &= Float.isFinite(v[i]);
                    v[i] = sigmoid(v[i]);
                }
            }
            case SOFTMAX -> {
                for (int g = 0; g < n; g += group) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int i = g; i < g + group; i++) {
                        finite &= Float.isFinite(v[i]);
                        m = Math.max(m, v[i]);
                    }
                    double sum = 0;
                    for (int i = g; i < g + group; i++) {
                        double e = Math.exp(v[i] - m);
                        exps[i - g] = e;
                        sum += e;
                    }
                    for (int i = g; i < g + group; i++) {
                        v[i] = (float) (exps[i - g] / sum);
                    }
                }
            }
        }
        return finite;
    }

    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
