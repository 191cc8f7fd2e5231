// The CUDA back end's run-time check of a new plan against ONNX Runtime on the request's own samples.
package io.occlusion4j.backend.cuda;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.graph.Fp16Simulation;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.TensorValue;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Before a new plan explains anything, it scores the request's unoccluded input and its first few occluded
 * variants ({@value #VARIANTS}), and ONNX Runtime scores the same samples on the CPU; every requested output must
 * agree within the precision's tolerance ({@link Precision#error}). The verdict names the first diverging output,
 * sample and element, so a wrong GPU map is never returned silently: {@link CudaBackendSession} then falls back to
 * the CPU (AUTO) or fails (CUDA asked for). Where ONNX Runtime is not on the class path the plan runs unverified,
 * and says so.
 *
 * <p>In FP16 the fixed tolerance is only the first test: a deep network's fp16 rounding alone can exceed it
 * (ResNet-50: 2e-2 of its output scale). A plan that fails it is judged again by {@link Fp16Criterion}, the
 * criterion {@code check-model} uses: the reference executor runs the unoccluded input once in simulated fp16
 * ({@link Fp16Simulation}, on the CPU, only in this case), and every sample's error to ONNX Runtime must stay within
 * {@value Fp16Criterion#FACTOR} times that simulation's error, with every top-1 element unchanged beyond near ties.
 */
final class SelfCheck {
    /** Occluded variants checked beside the unoccluded input. */
    static final int VARIANTS = 3;

    /** The verdict: {@code verified}, or why not; {@code diverged} when the outputs disagree. */
    record Verdict(boolean verified, boolean diverged, String detail) {
        static Verdict skipped(String why) {
            return new Verdict(false, false, "not verified: " + why);
        }
    }

    private SelfCheck() {
    }

    /** The samples of the check: the unoccluded input, then the first variants, each in the model's layout. */
    static List<float[]> samples(ExplainRequest r) {
        VariantWriter writer = VariantWriter.of(r);
        int sample = writer.sampleSize();
        List<float[]> out = new ArrayList<>();
        FloatBuffer one = FloatBuffer.allocate(sample);
        writer.writeBase(one, 0);
        out.add(one.array().clone());
        for (int w = 0; w < Math.min(VARIANTS, writer.count()); w++) {
            writer.writeBase(one, 0);
            writer.occlude(one, 0, w);
            out.add(one.array().clone());
        }
        return out;
    }

    /**
     * Checks {@code plan} on {@code r}'s samples against ONNX Runtime running {@code model}; {@code graph} (the
     * model's graph, its sample shape bound) is what the FP16 second opinion simulates.
     */
    static Verdict run(Path model, CudaPlan plan, Graph graph, ExplainRequest r, Precision precision, int threads) {
        List<float[]> samples = samples(r);
        Map<String, List<float[]>> cpu;
        try {
            cpu = onnxRuntime(model, plan, samples, r.outputs(), threads);
        } catch (NoClassDefFoundError e) {
            return Verdict.skipped("ONNX Runtime is not on the class path");
        } catch (OrtException e) {
            return Verdict.skipped("ONNX Runtime could not run the model (" + e.getMessage() + ")");
        }
        Map<String, List<float[]>> gpu = onPlan(plan, samples, r.outputs());
        double worst = 0;
        for (String output : r.outputs()) {
            for (int s = 0; s < samples.size(); s++) {
                float[] want = cpu.get(output).get(s);
                float[] got = gpu.get(output).get(s);
                double scale = Precision.scale(want);
                for (int i = 0; i < want.length; i++) {
                    double err = precision.error(got[i], want[i], scale);
                    if (!(err <= precision.tolerance())) {
                        String fixed = String.format(Locale.ROOT, "output '%s' of the %s, element %d: CUDA "
                                + "plan %s, ONNX Runtime %s (error %.2e over the %s tolerance %.0e)", output,
                                s == 0 ? "unoccluded input" : "variant occluding window " + (s - 1), i, got[i], want[i], err,
                                precision, precision.tolerance());
                        return precision == Precision.FP16 && graph != null
                                ? againstSimulatedFp16(graph, samples, cpu, gpu, r.outputs(), fixed)
                                : new Verdict(false, true, fixed);
                    }
                    worst = Math.max(worst, err);
                }
            }
        }
        return new Verdict(true, false, String.format(Locale.ROOT, "verified against ONNX Runtime on %d samples (worst "
                + "error %.1e, %s tolerance %.0e)", samples.size(), worst, precision, precision.tolerance()));
    }

    /**
     * The FP16 second opinion ({@link Fp16Criterion}) after the fixed tolerance failed ({@code fixed} says where):
     * the bound is {@value Fp16Criterion#FACTOR} x the simulated fp16 run's error on the unoccluded input, and it
     * holds every sample's error, each output, and their top-1 elements.
     */
    static Verdict againstSimulatedFp16(Graph graph, List<float[]> samples, Map<String, List<float[]>> cpu,
                                        Map<String, List<float[]>> gpu, List<String> outputs, String fixed) {
        Map<String, TensorValue> simulated;
        try {
            Plan one = PlanBuilder.build(graph, 1, PlanBuilder.Options.all());
            String input = one.graph().inputs().get(0).name();
            simulated = Fp16Simulation.runPlan(one, Map.of(input, TensorValue.ofFloats(one.slot(input).shape(),
                    samples.getFirst())));
        } catch (RuntimeException e) {
            return new Verdict(false, true, fixed + "; the simulated fp16 run that could excuse it failed: " + e);
        }
        String summary = null;
        for (String output : outputs) {
            float[] sim = simulated.get(output).toFloats();
            double simulatedError = Fp16Criterion.maxDifference(sim, cpu.get(output).getFirst());
            for (int s = 0; s < samples.size(); s++) {
                Fp16Criterion.Verdict v = Fp16Criterion.judge(cpu.get(output).get(s), gpu.get(output).get(s),
                        simulatedError, 1);
                if (!v.passed()) {
                    return new Verdict(false, true, fixed + String.format(Locale.ROOT, "; and against simulated fp16, "
                            + "output '%s' of the %s: %s", output, s == 0 ? "unoccluded input"
                            : "variant occluding window " + (s - 1), v.detail()));
                }
                if (s == 0 && summary == null) {
                    summary = v.detail();
                }
            }
        }
        return new Verdict(true, false, String.format(Locale.ROOT, "verified against ONNX Runtime on %d samples by the "
                + "FP16 criterion fair to deep networks (%s; the fixed FP16 tolerance %.0e alone would have failed: %s)",
                samples.size(), summary, Precision.FP16.tolerance(), fixed));
    }

    /** Each output of each sample on the plan: samples in rows of its batch, the rows past them zero. */
    private static Map<String, List<float[]>> onPlan(CudaPlan plan, List<float[]> samples, List<String> outputs) {
        String input = plan.plan().graph().inputs().get(0).name();
        int batch = plan.batch();
        int sample = samples.getFirst().length;
        Map<String, List<float[]>> out = new HashMap<>();
        for (int first = 0; first < samples.size(); first += batch) {
            float[] rows = new float[batch * sample];
            int n = Math.min(batch, samples.size() - first);
            for (int s = 0; s < n; s++) {
                System.arraycopy(samples.get(first + s), 0, rows, s * sample, sample);
            }
            Map<String, float[]> all = plan.run(Map.of(input, rows));
            for (String o : outputs) {
                float[] y = all.get(o);
                int per = y.length / batch;
                for (int s = 0; s < n; s++) {
                    out.computeIfAbsent(o, k -> new ArrayList<>()).add(java.util.Arrays.copyOfRange(y, s * per, (s + 1) * per));
                }
            }
        }
        return out;
    }

    /** Each output of each sample on ONNX Runtime, one sample per run (a fixed batch gets it in row 0). */
    private static Map<String, List<float[]>> onnxRuntime(Path model, CudaPlan plan, List<float[]> samples,
                                                          List<String> outputs, int threads) throws OrtException {
        String input = plan.plan().graph().inputs().get(0).name();
        long[] shape = plan.plan().slot(input).shape();
        long declared = plan.plan().graph().inputs().get(0).shape().dim(0) instanceof io.occlusion4j.graph.Dim.Fixed(long b)
                ? b : 1;
        shape[0] = declared;
        int sample = samples.getFirst().length;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, List<float[]>> out = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            try (OrtSession session = env.createSession(model.toString(), options)) {
                for (float[] s : samples) {
                    float[] rows = new float[(int) declared * sample];
                    System.arraycopy(s, 0, rows, 0, sample);
                    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), shape);
                         OrtSession.Result result = session.run(Map.of(input, x))) {
                        for (String o : outputs) {
                            FloatBuffer y = ((OnnxTensor) result.get(o).orElseThrow()).getFloatBuffer();
                            float[] all = new float[y.remaining()];
                            y.get(all);
                            out.computeIfAbsent(o, k -> new ArrayList<>()).add(java.util.Arrays.copyOf(all,
                                    (int) (all.length / declared)));
                        }
                    }
                }
            }
        }
        return out;
    }
}
