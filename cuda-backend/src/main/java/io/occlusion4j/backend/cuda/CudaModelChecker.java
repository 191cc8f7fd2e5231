// check-model for the CUDA back end: census, rewrites, support, and the lowered plan run on the host.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.ModelCheck;
import io.occlusion4j.core.ModelChecker;
import io.occlusion4j.graph.Fp16Simulation;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.GraphException;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.UnsupportedOperatorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code cuda} {@link ModelChecker}, found by {@link java.util.ServiceLoader}. It needs no GPU: it reads the model,
 * counts its operators, builds the plan the back end would run for the requested batch and size (every rewrite), lowers
 * it, lists every node it cannot run, and runs the lowered plan on the {@link HostDevice} (the kernels' host build,
 * convolutions and products in Java) twice: with fp32 storage, compared with ONNX Runtime element by element
 * ({@value #FP32_TOLERANCE} of the output's range), and with the FP16 mode's fp16 storage, judged by
 * {@link Fp16Criterion} against the reference executor run in simulated fp16 (ONNX Runtime is the fp32 reference of
 * both). With {@code device} {@code gpu} the same two runs happen on the machine's GPU instead.
 */
public final class CudaModelChecker implements ModelChecker {
    /** The fp32 host run may differ from ONNX Runtime by this fraction of the output's range. */
    public static final double FP32_TOLERANCE = 1e-4;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public ModelCheck check(Path model, Request request) {
        if (!Files.isRegularFile(model)) {
            throw new OcclusionException("model " + model + " is not a file");
        }
        Graph graph;
        try {
            graph = OnnxModelReader.read(model);
        } catch (GraphException e) {
            throw new OcclusionException(e.getMessage(), e);
        }
        Map<String, long[]> shapes = CheckInputs.shapes(graph, request);
        Map<String, List<Long>> inputs = new LinkedHashMap<>();
        shapes.forEach((k, v) -> inputs.put(k, CheckInputs.list(v)));
        Map<String, Integer> census = census(graph.nodes());
        List<ModelCheck.Unsupported> unsupported = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Plan plan = null;
        try {
            plan = PlanBuilder.build(graph, shapes, PlanBuilder.Options.all());
        } catch (UnsupportedOperatorException e) {
            unsupported.addAll(SupportFindings.graphNodes(graph, e));
        } catch (GraphException e) {
            throw new OcclusionException("model " + model + ": " + e.getMessage(), e);
        }
        Map<String, Integer> lowering = new LinkedHashMap<>();
        boolean lowered = false;
        if (plan != null) {
            try {
                lowering = loweringCounts(PlanLowering.lower(plan, false));
                lowered = true;
            } catch (UnsupportedOperatorException e) {
                unsupported.addAll(SupportFindings.steps(plan, e));
            } catch (RuntimeException e) {
                notes.add("the lowering failed: " + e);
            }
        }
        List<ModelCheck.Rewrite> rewrites = plan == null ? List.of() : rewrites(census, plan);
        int steps = plan == null ? 0 : plan.steps().size();
        ModelCheck.Fp32Comparison fp32 = null;
        ModelCheck.Fp16Comparison fp16 = null;
        String where = request.device().equals("gpu") ? "the GPU" : "the host device";
        if (lowered && unsupported.isEmpty()) {
            Map<String, TensorValue> x = CheckInputs.values(shapes, request.seed());
            Map<String, float[]> reference = onnxRuntime(model, x, graph.outputs(), notes);
            if (reference != null) {
                int batch = (int) shapes.values().iterator().next()[0];
                try (Device device = open(request.device())) {
                    where = device.description();
                    fp32 = fp32(device, plan, batch, x, reference, notes);
                    fp16 = fp16(device, plan, batch, x, reference, notes);
                }
            }
        }
        return new ModelCheck(model.toString(), name(), where, inputs, census, graph.nodes().size(), rewrites, steps, lowering,
                unsupported, fp32, fp16, notes);
    }

    /** The host device, or the machine's GPU (a missing GPU or library is a {@link io.occlusion4j.BackendException}). */
    private static Device open(String device) {
        if (!device.equals("gpu")) {
            return new HostDevice();
        }
        try {
            return Devices.gpu();
        } catch (RuntimeException | LinkageError e) {
            if (NativeFailures.isNative(e)) {
                throw NativeFailures.translate(e, "open the GPU for check-model --device gpu");
            }
            throw e;
        }
    }

    /** Operator -> nodes, sorted by count (then name). */
    static Map<String, Integer> census(List<Node> nodes) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Node n : nodes) {
            counts.merge(n.qualifiedOpType(), 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((a, b) -> b.getValue().equals(a.getValue()) ? a.getKey().compareTo(b.getKey())
                : Integer.compare(b.getValue(), a.getValue()));
        Map<String, Integer> out = new LinkedHashMap<>();
        sorted.forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Each operator whose count the rewrites changed: nodes as read against steps of the plan. */
    private static List<ModelCheck.Rewrite> rewrites(Map<String, Integer> asRead, Plan plan) {
        Map<String, Integer> planned = census(plan.steps().stream().map(PlanStep::node).toList());
        Map<String, int[]> both = new LinkedHashMap<>();
        asRead.forEach((op, n) -> both.computeIfAbsent(op, k -> new int[2])[0] = n);
        planned.forEach((op, n) -> both.computeIfAbsent(op, k -> new int[2])[1] = n);
        List<ModelCheck.Rewrite> out = new ArrayList<>();
        both.forEach((op, n) -> {
            if (n[0] != n[1]) {
                out.add(new ModelCheck.Rewrite(op, n[0], n[1]));
            }
        });
        return out;
    }

    private static Map<String, Integer> loweringCounts(PlanLowering.Lowering l) {
        Map<String, Integer> out = new LinkedHashMap<>();
        out.put("cuDNN convolutions", 0);
        out.put("cuBLAS products", 0);
        out.put("kernel launches", 0);
        out.put("views", 0);
        for (Lowered s : l.steps()) {
            switch (s) {
                case Lowered.Convolution c -> out.merge("cuDNN convolutions", 1, Integer::sum);
                case Lowered.MatrixProduct m -> out.merge("cuBLAS products", 1, Integer::sum);
                case Lowered.Launches ls -> out.merge("kernel launches", ls.launches().size(), Integer::sum);
                case Lowered.Nothing n -> out.merge("views", 1, Integer::sum);
            }
        }
        return out;
    }

    private static Map<String, float[]> onnxRuntime(Path model, Map<String, TensorValue> x, List<String> outputs,
                                                    List<String> notes) {
        try {
            return OrtReference.run(model, x, outputs);
        } catch (NoClassDefFoundError e) {
            notes.add("ONNX Runtime is not on the class path: no reference to compare the host runs with");
        } catch (Exception e) {
            notes.add("ONNX Runtime could not run the model (" + e.getMessage() + "): no reference to compare with");
        }
        return null;
    }

    private static ModelCheck.Fp32Comparison fp32(Device device, Plan plan, int batch, Map<String, TensorValue> x,
                                                  Map<String, float[]> reference, List<String> notes) {
        HostRun run = HostRun.of(device, plan, batch, x, false, notes);
        if (run == null) {
            return null;
        }
        ModelCheck.Fp32Comparison worst = null;
        for (Map.Entry<String, float[]> e : reference.entrySet()) {
            float[] want = e.getValue();
            double range = range(want);
            if (range == 0) {
                notes.add("output '" + e.getKey() + "' is constant on ONNX Runtime: the model ignores its input here");
            }
            float[] got = run.outputs().get(e.getKey());
            if (got.length != want.length) {
                notes.add("output '" + e.getKey() + "': the fp32 plan gives " + got.length + " values, ONNX Runtime "
                        + want.length);
            }
            double diff = got.length != want.length ? Double.POSITIVE_INFINITY : Fp16Criterion.maxDifference(got, want);
            ModelCheck.Fp32Comparison c = new ModelCheck.Fp32Comparison(e.getKey(), diff, range, FP32_TOLERANCE,
                    run.millis(), run.storage());
            if (worst == null || !(c.relative() <= worst.relative())) {
                worst = c;
            }
        }
        return worst;
    }

    private static ModelCheck.Fp16Comparison fp16(Device device, Plan plan, int batch, Map<String, TensorValue> x,
                                                  Map<String, float[]> reference, List<String> notes) {
        HostRun run = HostRun.of(device, plan, batch, x, true, notes);
        if (run == null) {
            return null;
        }
        Map<String, TensorValue> simulated;
        try {
            simulated = Fp16Simulation.runPlan(plan, x);
        } catch (RuntimeException e) {
            notes.add("the reference executor could not run the plan in simulated fp16: " + e);
            return null;
        }
        ModelCheck.Fp16Comparison worst = null;
        double worstRatio = -1;
        for (Map.Entry<String, float[]> e : reference.entrySet()) {
            float[] want = e.getValue();
            if (run.outputs().get(e.getKey()).length != want.length) {
                notes.add("output '" + e.getKey() + "': the fp16 plan gives " + run.outputs().get(e.getKey()).length
                        + " values, ONNX Runtime " + want.length);
                return new ModelCheck.Fp16Comparison(e.getKey(), Double.POSITIVE_INFINITY, Double.NaN, Double.NaN,
                        Fp16Criterion.FACTOR, 0, 0, range(want), Double.POSITIVE_INFINITY, run.millis(), run.storage());
            }
            // Rows per sample where the output has the batch dimension; one row otherwise.
            int rows = want.length % batch == 0 ? batch : 1;
            Fp16Criterion.Verdict v = Fp16Criterion.judge(want, simulated.get(e.getKey()).toFloats(),
                    run.outputs().get(e.getKey()), rows);
            double ratio = v.top1Changed() > 0 || !(v.planError() <= v.bound()) ? Double.POSITIVE_INFINITY
                    : v.planError() / v.bound();
            if (worst == null || ratio > worstRatio) {
                worstRatio = ratio;
                worst = new ModelCheck.Fp16Comparison(e.getKey(), v.planError(), v.simulatedError(), v.bound(),
                        Fp16Criterion.FACTOR, v.top1Changed(), v.samples(), range(want),
                        v.planError() / Math.max(1.0, Precision.scale(want)), run.millis(), run.storage());
            }
        }
        return worst;
    }

    private static double range(float[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float f : v) {
            lo = Math.min(lo, f);
            hi = Math.max(hi, f);
        }
        return v.length == 0 ? 0 : hi - lo;
    }

    /** One run of the lowered plan on the device (the host device unless asked otherwise): outputs, wall time, storage. */
    private record HostRun(Map<String, float[]> outputs, double millis, String storage) {
        static HostRun of(Device device, Plan plan, int batch, Map<String, TensorValue> x, boolean half,
                          List<String> notes) {
            Precision p = half ? Precision.FP16 : Precision.FP32;
            PlanOptions options = new PlanOptions(p, false, false, 1L << 30, half);
            Map<String, float[]> in = new LinkedHashMap<>();
            x.forEach((k, v) -> in.put(k, v.floats()));
            try (CudaPlan cuda = CudaPlan.create(device, plan, batch, options)) {
                long t0 = System.nanoTime();
                Map<String, float[]> out = cuda.run(in);
                return new HostRun(out, (System.nanoTime() - t0) / 1e6, cuda.storage());
            } catch (RuntimeException | LinkageError e) {
                notes.add("the " + p + " run on " + device.description() + " failed: " + e);
                return null;
            }
        }
    }
}
