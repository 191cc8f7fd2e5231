// The CUDA back end's run-time check of a new plan against ONNX Runtime on the request's own samples.
package io.occlusion4j.backend.cuda;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.VariantWriter;
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

    /** Checks {@code plan} on {@code r}'s samples against ONNX Runtime running {@code model}. */
    static Verdict run(Path model, CudaPlan plan, ExplainRequest r, Precision precision, int threads) {
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
                        return new Verdict(false, true, String.format(Locale.ROOT, "output '%s' of the %s, element %d: CUDA "
                                + "plan %s, ONNX Runtime %s (error %.2e over the %s tolerance %.0e)", output,
                                s == 0 ? "unoccluded input" : "variant occluding window " + (s - 1), i, got[i], want[i], err,
                                precision, precision.tolerance()));
                    }
                    worst = Math.max(worst, err);
                }
            }
        }
        return new Verdict(true, false, String.format(Locale.ROOT, "verified against ONNX Runtime on %d samples (worst "
                + "error %.1e, %s tolerance %.0e)", samples.size(), worst, precision, precision.tolerance()));
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
