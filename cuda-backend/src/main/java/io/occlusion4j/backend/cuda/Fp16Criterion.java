// Whether a plan with fp16 storage is right: its error against the error fp16 rounding alone makes.
package io.occlusion4j.backend.cuda;

import java.util.Locale;

/**
 * The FP16 criterion fair to deep networks. A fixed tolerance on an fp16-storage plan fails deep networks whose
 * error is all rounding (ResNet-50's 0.02 of its output scale, the size fp16 rounding of every activation and weight
 * gives by itself), and passes a shallow network with a real bug. So the plan's output is compared with the fp32
 * reference and with the same network run in simulated fp16 ({@link io.occlusion4j.graph.Fp16Simulation}: every
 * value rounded to fp16 after each step). The plan passes when
 * <ul>
 *   <li>its largest absolute difference to the fp32 reference is at most {@value #FACTOR} times the simulation's
 *       (or at most the FP32 tolerance of the output's scale, {@code 1e-5 * max(1, scale)}, where the simulation is
 *       exact), and</li>
 *   <li>each sample's top-1 element (its argmax) is the reference's: a different argmax counts only when the
 *       reference tells the two apart by more than that bound (a near tie the error fp16 is allowed cannot
 *       resolve is not a change).</li>
 * </ul>
 * FP32 and TF32 keep their per-element tolerance ({@link Precision#error}).
 */
public final class Fp16Criterion {
    /** How much larger than the simulated fp16 error the plan's error may be. */
    public static final double FACTOR = 2.0;

    private Fp16Criterion() {
    }

    /**
     * The verdict on one output.
     *
     * @param planError      the plan's largest absolute difference to the fp32 reference
     * @param simulatedError the simulated fp16 run's largest absolute difference to the fp32 reference
     * @param bound          what the plan's error may reach: {@value #FACTOR} x the simulated error, at least the floor
     * @param samples        rows compared for the top-1 element
     * @param top1Changed    rows whose top-1 element changed beyond a near tie
     * @param detail         the first failure, or a summary
     */
    public record Verdict(double planError, double simulatedError, double bound, int samples, int top1Changed,
                          String detail) {
        /** Whether the error is within the bound and no top-1 element changed. */
        public boolean passed() {
            return planError <= bound && top1Changed == 0;
        }
    }

    /**
     * Judges {@code plan} (the fp16-storage plan's output, {@code samples} rows of equal length) against the fp32
     * {@code reference} and the {@code simulated} fp16 run of the same input.
     */
    public static Verdict judge(float[] reference, float[] simulated, float[] plan, int samples) {
        if (reference.length != plan.length || reference.length != simulated.length) {
            throw new IllegalArgumentException("outputs of different lengths: reference " + reference.length
                    + ", simulated " + simulated.length + ", plan " + plan.length);
        }
        if (samples < 1 || reference.length % samples != 0) {
            throw new IllegalArgumentException(reference.length + " elements are not " + samples + " equal rows");
        }
        return judge(reference, plan, maxDifference(simulated, reference), samples);
    }

    /**
     * {@link #judge(float[], float[], float[], int)} with the simulated fp16 run's error already known (measured on
     * another sample of the same network, say).
     */
    public static Verdict judge(float[] reference, float[] plan, double simulatedError, int samples) {
        if (reference.length != plan.length) {
            throw new IllegalArgumentException("outputs of different lengths: reference " + reference.length + ", plan "
                    + plan.length);
        }
        if (samples < 1 || reference.length % samples != 0) {
            throw new IllegalArgumentException(reference.length + " elements are not " + samples + " equal rows");
        }
        double planError = maxDifference(plan, reference);
        double floor = Precision.FP32.tolerance() * Math.max(1.0, Precision.scale(reference));
        double bound = Math.max(FACTOR * simulatedError, floor);
        int row = reference.length / samples;
        int changed = 0;
        String first = null;
        for (int s = 0; s < samples; s++) {
            int want = argmax(reference, s * row, row);
            int got = argmax(plan, s * row, row);
            if (got != want && !(reference[s * row + got] >= reference[s * row + want] - bound)) {
                changed++;
                if (first == null) {
                    first = String.format(Locale.ROOT, "sample %d: top-1 element %d (reference %s), the reference's is %d (%s)",
                            s, got, reference[s * row + got], want, reference[s * row + want]);
                }
            }
        }
        String detail;
        if (!(planError <= bound)) {
            detail = String.format(Locale.ROOT, "plan error %.3e exceeds %.0fx the simulated fp16 error %.3e (bound %.3e)",
                    planError, FACTOR, simulatedError, bound);
        } else if (first != null) {
            detail = changed + " of " + samples + " top-1 elements changed; first " + first;
        } else {
            detail = String.format(Locale.ROOT, "plan error %.3e within %.0fx the simulated fp16 error %.3e; top-1 unchanged "
                    + "in %d sample(s)", planError, FACTOR, simulatedError, samples);
        }
        return new Verdict(planError, simulatedError, bound, samples, changed, detail);
    }

    /** The largest {@code |a[i] - b[i]|}; NaN anywhere makes it NaN (which fails every bound). */
    public static double maxDifference(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    private static int argmax(float[] v, int from, int n) {
        int best = from;
        for (int i = from + 1; i < from + n; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best - from;
    }
}
