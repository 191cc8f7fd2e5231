package io.occlusion4j.cpu;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Layout;
import io.occlusion4j.ModelSignature;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.incremental.IncrementalPlan;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Whether one explanation runs incrementally, and with which plan: {@code off} never; {@code on} whenever the
 * analysis covers the model's first layers; {@code auto} only where the cost model predicts at least
 * {@link #AUTO_MIN_SPEEDUP}, so that no workload it predicts slower (or barely faster) leaves the full sweep.
 *
 * @param plan  the opened plan to run, or null for the full sweep
 * @param batch variants per forward of the incremental run
 * @param stats what goes into the run's stats
 * @param owned whether the run owns the plan (a geometry past the cache's capacity: closed after the run)
 */
record IncrementalChoice(IncrementalPlan plan, int batch, IncrementalStats stats, boolean owned) {
    /** Plans one session keeps (each holds ONNX Runtime sessions); further geometries get a plan for their run alone. */
    static final int CACHED_PLANS = 8;

    IncrementalChoice(IncrementalPlan plan, int batch, IncrementalStats stats) {
        this(plan, batch, stats, false);
    }
    /**
     * The smallest predicted speed-up {@code auto} acts on: a margin over 1 for what the cost model cannot see. Measured
     * on 2026-12-02 (bench/results/incremental-2026-12-02.md): with the prefix run on one thread per slot range over
     * single-threaded step sessions, ResNet-50 (predicted 1.72x) and ResNet-18 on the cpu-small workload (predicted
     * 1.62x) ran faster than the full sweep; before that change they had run 1.2x and 0.8x, and the threshold was 2.
     */
    static final double AUTO_MIN_SPEEDUP = 1.5;
    /** Variants per forward of an incremental run when none is asked for. */
    static final int DEFAULT_BATCH = 32;

    /** The plans of one session, by request geometry, opened once and closed with the session. */
    static final class Cache implements AutoCloseable {
        private final Path model;
        private final OrtEnvironment env;
        private final int threads;
        private final Map<String, IncrementalPlan> plans = new HashMap<>();

        Cache(Path model, OrtEnvironment env, int threads) {
            this.model = model;
            this.env = env;
            this.threads = threads;
        }

        synchronized IncrementalChoice choose(ExplainRequest r, ModelSignature signature) {
            Incremental mode = r.settings().incremental();
            double tau = r.settings().approximate();
            String modeText = mode.name().toLowerCase(Locale.ROOT);
            if (mode == Incremental.OFF && tau >= 1) {
                return full(modeText, tau, "off: the full sweep was asked for");
            }
            int batch = r.batchSize() > 0 ? r.batchSize() : DEFAULT_BATCH;
            batch = Math.max(1, Math.min(batch, r.variantCount() + 1));
            String key = r.settings().layout() + Arrays.toString(r.modelShape()) + Arrays.toString(r.grid().window())
                    + Arrays.toString(r.grid().stride()) + r.grid().edge() + r.outputs() + tau + "/" + batch + "/"
                    + System.getProperty(IncrementalPlan.STEPS_PROPERTY, "");
            IncrementalPlan plan = plans.get(key);
            boolean owned = false;
            if (plan == null) {
                plan = IncrementalPlan.analyse(model, r.modelShape(), r.settings().layout() == Layout.CHANNELS_LAST, r.grid(),
                        r.outputs(), tau, batch);
                owned = plans.size() >= CACHED_PLANS;
                if (!owned) {
                    plans.put(key, plan);
                }
            }
            IncrementalPlan.Decision d = plan.decision();
            if (!d.feasible()) {
                return full(modeText, tau, "not incremental: " + d.reason());
            }
            boolean use = mode == Incremental.ON || tau < 1 || d.predictedSpeedup() >= AUTO_MIN_SPEEDUP;
            String why = String.format(Locale.ROOT, "%s: predicted %.2fx over the full sweep (%s %.2f); %s",
                    use ? "incremental" : "full sweep", d.predictedSpeedup(), mode == Incremental.AUTO ? "auto acts at" : "mode "
                    + modeText + ", auto would act at", AUTO_MIN_SPEEDUP, d.reason());
            if (!use) {
                return new IncrementalChoice(null, 0, new IncrementalStats(modeText, false, d.switchLayer(), d.prefixSteps(),
                        d.predictedSpeedup(), d.flopRatio(), Double.NaN, tau, why));
            }
            try {
                plan.openIfNeeded(env, threads);
            } catch (OrtException e) {
                throw new OcclusionException("ONNX Runtime cannot load the incremental plan of " + model + ": "
                        + OrtMessages.firstLine(e.getMessage()), e);
            }
            return new IncrementalChoice(plan, batch, new IncrementalStats(modeText, true, d.switchLayer(), d.prefixSteps(),
                    d.predictedSpeedup(), d.flopRatio(), Double.NaN, tau, why), owned);
        }

        private static IncrementalChoice full(String mode, double tau, String why) {
            return new IncrementalChoice(null, 0, new IncrementalStats(mode, false, "", 0, 1, 1, Double.NaN, tau, why));
        }

        @Override
        public synchronized void close() {
            plans.values().forEach(IncrementalPlan::close);
            plans.clear();
        }
    }
}
