// Whether the CUDA back end's device loop runs an explanation incrementally, and the plan it runs it with.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Layout;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.incremental.IncrementalPlan;
import io.occlusion4j.cpu.incremental.PlanGeometry;
import io.occlusion4j.graph.GraphException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The CUDA back end's side of {@code --incremental}: the same decision as the CPU back end's (its analysis,
 * {@link IncrementalPlan}, and its cost model; {@code off} never, {@code on} whenever the analysis covers the first
 * layers, {@code auto} where the prediction reaches {@link #AUTO_MIN_SPEEDUP}, a threshold below 1 always), then an
 * {@link IncrementalDevicePlan} for the device loop. The cost model's weights were measured on the CPU back end; on a
 * GPU they are unmeasured. It falls back to the full sweep, saying why in the run's stats, where the device plan does
 * not run: the FP16 mode (fp32 storage only; FP32 and TF32 run it), channels-last input, a model with a fixed batch,
 * a model the analysis does not cover, a step or suffix the plan cannot lower, no device memory left for it. One plan
 * is kept (the last geometry), closed with the session.
 */
final class DeviceIncremental implements AutoCloseable {
    /**
     * The smallest predicted speed-up {@code auto} acts on. The CPU back end acts from 1.5x since its measured tuning
     * (IncrementalChoice.AUTO_MIN_SPEEDUP); on a GPU the per-step costs the cost model cannot see (launches, small
     * cuDNN convolutions) are unmeasured, so the device keeps the CPU's earlier, more cautious 2.
     */
    static final double AUTO_MIN_SPEEDUP = 2.0;

    /** The scorer to run the variants with (null: the full sweep) and what goes into the run's stats. */
    record Choice(IncrementalScorer scorer, IncrementalStats stats) {
    }

    private final Path model;
    private final Device device;
    private String key;
    /** The last analysis and its key: a session explains many inputs of one geometry, the model read once for them. */
    private String analysedKey;
    private IncrementalPlan analysed;
    private IncrementalDevicePlan plan;
    private IncrementalScorer scorer;
    private final FullTiming fullTiming = new FullTiming();

    DeviceIncremental(Path model, Device device) {
        this.model = model;
        this.device = device;
    }

    /** Stats of a run that is not incremental, for {@code why}. */
    static IncrementalStats full(ExplainRequest r, String why) {
        return new IncrementalStats(mode(r), false, "", 0, 1, 1, Double.NaN, r.settings().approximate(), why);
    }

    private static String mode(ExplainRequest r) {
        return r.settings().incremental().name().toLowerCase(Locale.ROOT);
    }

    /**
     * The choice for {@code r} on the device loop with batches of {@code batch}.
     *
     * @param precision  the session's precision
     * @param fixedBatch the model's fixed batch, or 0
     */
    Choice choose(ExplainRequest r, Precision precision, long fixedBatch, int batch) {
        Incremental mode = r.settings().incremental();
        double tau = r.settings().approximate();
        if (mode == Incremental.OFF && tau >= 1) {
            return new Choice(null, full(r, "off: the full sweep was asked for"));
        }
        String unsupported = precision == Precision.FP16 ? "the " + precision + " mode (the device's incremental plan runs "
                + "fp32 storage only)" : r.settings().layout() == Layout.CHANNELS_LAST ? "channels-last input"
                : fixedBatch > 0 ? "the model's batch is fixed at " + fixedBatch : null;
        if (unsupported != null) {
            return new Choice(null, full(r, "not incremental on the CUDA back end: " + unsupported));
        }
        String k = Arrays.toString(r.modelShape()) + Arrays.toString(r.grid().window())
                + Arrays.toString(r.grid().stride()) + r.grid().edge() + "/" + r.grid().count() + r.outputs() + tau + "/"
                + batch + "/"
                + System.getProperty(IncrementalPlan.STEPS_PROPERTY, "");
        try {
            if (!k.equals(analysedKey)) {
                analysed = IncrementalPlan.analyse(model, r.modelShape(), false, r.grid(), r.outputs(), tau, batch);
                analysedKey = k;
            }
        } catch (NoClassDefFoundError e) {
            // The analysis is the CPU back end's, whose plan class links to ONNX Runtime: a GPU deployment without it
            // runs the full sweep rather than failing.
            return new Choice(null, full(r, "not incremental: ONNX Runtime is not on the class path (the incremental "
                    + "analysis belongs to the CPU back end)"));
        }
        IncrementalPlan.Decision d = analysed.decision();
        if (!d.feasible()) {
            return new Choice(null, full(r, "not incremental: " + d.reason()));
        }
        boolean use = mode == Incremental.ON || tau < 1 || d.predictedSpeedup() >= AUTO_MIN_SPEEDUP;
        String why = String.format(Locale.ROOT, "%s: predicted %.2fx over the full sweep by the CPU back end's cost model "
                + "(%s %.2f); %s", use ? "incremental on the device" : "full sweep", d.predictedSpeedup(),
                mode == Incremental.AUTO ? "auto acts at" : "mode " + mode(r) + ", auto would act at", AUTO_MIN_SPEEDUP,
                d.reason());
        IncrementalStats stats = new IncrementalStats(mode(r), use, d.switchLayer(), d.prefixSteps(), d.predictedSpeedup(),
                d.flopRatio(), Double.NaN, tau, why);
        if (!use) {
            return new Choice(null, stats);
        }
        if (!k.equals(key)) {
            release();
            try {
                plan = IncrementalDevicePlan.create(device, PlanGeometry.of(analysed), batch, r.grid().count(),
                        r.outputs().get(0), PlanOptions.defaults(precision));
                scorer = new IncrementalScorer(device, plan);
            } catch (RuntimeException e) {
                release();
                if (e instanceof GraphException || e instanceof UnsupportedOperationException) {
                    return new Choice(null, full(r, "not incremental: the device plan cannot lower a step or the suffix ("
                            + e.getMessage() + ")"));
                }
                if (e instanceof io.occlusion4j.cuda.NativeCallException n && CudaPlan.isOutOfMemory(n)) {
                    // The full plan was sized to the free memory first; the incremental plans come on top of it.
                    return new Choice(null, full(r, "not incremental: the device has no memory left for the incremental "
                            + "plans beside the full plan (" + n.codeName() + ")"));
                }
                throw e;
            }
            key = k;
        }
        return new Choice(scorer, stats);
    }

    /**
     * {@code s} with the measured speed-up of an incremental run ({@code run}): the full plan's time per variant
     * ({@link FullTiming}, measured at the plan's first incremental run) times the variants over the run's seconds.
     * The run's seconds include its unoccluded forward and each sub-plan's first, eager forward (before its replay is
     * captured): a lower bound.
     */
    IncrementalStats measured(IncrementalStats s, CudaPlan full, io.occlusion4j.RunStats run) {
        double perVariant = fullTiming.secondsPerVariant(full, full.batch(), () -> {
            full.forward();
            device.synchronize();
        });
        double speedup = perVariant * run.windows() / run.seconds();
        return new IncrementalStats(s.mode(), s.used(), s.switchLayer(), s.prefixLayers(), s.predictedSpeedup(),
                s.flopRatio(), speedup, s.tau(), s.reason());
    }

    /**
     * The full plan's seconds per variant, the best of {@link #RUNS} forwards of its whole batch (the first may build its
     * replay), measured once per plan: its batch and shapes are fixed, and a service explaining many inputs would
     * otherwise pay three whole-batch forwards on every incremental request for a figure in its stats.
     */
    static final class FullTiming {
        static final int RUNS = 3;
        private Object plan;
        private double perVariant;

        double secondsPerVariant(Object forPlan, int batch, Runnable forward) {
            if (forPlan != plan) {
                double best = Double.MAX_VALUE;
                for (int i = 0; i < RUNS; i++) {
                    long t = System.nanoTime();
                    forward.run();
                    best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
                perVariant = best / batch;
                plan = forPlan;
            }
            return perVariant;
        }
    }

    private void release() {
        if (scorer != null) {
            scorer.close();
            scorer = null;
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
        key = null;
    }

    @Override
    public void close() {
        release();
    }
}
