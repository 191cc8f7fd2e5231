package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.graph.Fp16Simulation;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ReferenceExecutor;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.GpuSupport;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA plan against the plain-Java reference executor on the same rewritten plan and the same
 * input: the project's small CNN, 3-D CNN and ResNet-18 shape, and the two real models in assets/, in
 * every precision mode (tolerance 1e-5 FP32, 1e-3 TF32 relative on max(1, |reference|); 1e-2 FP16 relative on
 * the output's scale, {@link Precision#error}, and in FP16 also {@link Fp16Criterion} against the reference run in
 * simulated fp16). The device arena is poisoned with NaN before each run, so a slot the plan forgets to write shows.
 */
class GpuPlanTest {

    record Model(String name, byte[] onnx, Path file, Map<String, long[]> shapes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Model> models() {
        List<Model> out = new ArrayList<>();
        out.add(new Model("smallCnn", TestModels.smallCnn(3, 32, 32, 10, 1).onnx(), null, Map.of("input", new long[] {4, 3, 32, 32})));
        out.add(new Model("cnn3d", TestModels.cnn3d(3, 8, 32, 32, 10, 2).onnx(), null, Map.of("input", new long[] {2, 3, 8, 32, 32})));
        out.add(new Model("resnet18", TestModels.resnet18(1000, 3).onnx(), null, Map.of("input", new long[] {2, 3, 224, 224})));
        Path assets = assets();
        out.add(new Model("blazeface", null, assets.resolve("blazeface_front_128.onnx"), Map.of("input:0", new long[] {1, 128, 128, 3})));
        out.add(new Model("ppocr", null, assets.resolve("ppocr_mobile_v2_cls.onnx"), Map.of("x", new long[] {2, 3, 48, 192})));
        out.add(new Model("vitLike", io.occlusion4j.onnx.TransformerModels.vitLike(2, 31L).onnx(), null,
                Map.of("input", new long[] {4, 3, 32, 32})));
        out.add(new Model("convNextLike", io.occlusion4j.onnx.TransformerModels.convNextLike(32L).onnx(), null,
                Map.of("input", new long[] {4, 3, 32, 32})));
        out.add(new Model("swinLike", io.occlusion4j.onnx.TransformerModels.swinLike(33L).onnx(), null,
                Map.of("input", new long[] {4, 3, 16, 16})));
        return out;
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Model m : models()) {
            for (Precision p : Precision.values()) {
                out.add(Arguments.of(m, p));
            }
        }
        return out;
    }

    /** assets/models of the working tree: -Docclusion4j.assets, else found upward from the working folder. */
    static Path assets() {
        String explicit = System.getProperty("occlusion4j.assets");
        if (explicit != null) {
            return Path.of(explicit);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("assets/models"))) {
                return p.resolve("assets/models");
            }
        }
        return Path.of("assets/models");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void planMatchesTheReferenceExecutor(Model model, Precision precision) {
        String why = GpuSupport.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        Graph graph = model.onnx() != null ? OnnxModelReader.read(model.onnx(), null, model.name())
                : OnnxModelReader.read(model.file());
        Plan plan = PlanBuilder.build(graph, model.shapes(), PlanBuilder.Options.all());
        String inputName = model.shapes().keySet().iterator().next();
        long[] shape = model.shapes().get(inputName);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] x = new float[(int) n];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Map<String, TensorValue> expected = ReferenceExecutor.runPlan(plan, Map.of(inputName, TensorValue.ofFloats(shape, x)));
        int batch = (int) shape[0];
        try (GpuDevice device = GpuDevice.open(GpuSupport.compiler());
             CudaPlan cuda = CudaPlan.create(device, plan, batch, PlanOptions.defaults(precision))) {
            for (String out : graph.outputs()) {
                device.fill32(cuda.slot(out), Float.floatToRawIntBits(Float.NaN));
            }
            if (cuda.isHalf(inputName)) {
                // The FP16 plan stores this input as fp16 NHWC: convert on the device as the host loop does.
                try (Device.Buffer staging = device.allocate(4L * x.length)) {
                    DeviceTransfers.upload(device, x, staging);
                    cuda.loadInput(staging, inputName, x.length);
                    device.synchronize();
                }
            } else {
                DeviceTransfers.upload(device, x, cuda.slot(inputName));
            }
            cuda.forward();
            device.synchronize();
            double tol = precision.tolerance();
            // FP16: also the criterion fair to deep networks, against the reference run in simulated fp16.
            Map<String, TensorValue> simulated = precision == Precision.FP16
                    ? Fp16Simulation.runPlan(plan, Map.of(inputName, TensorValue.ofFloats(shape, x))) : null;
            for (String out : graph.outputs()) {
                float[] want = expected.get(out).toFloats();
                float[] got = DeviceTransfers.floats(device, cuda.slot(out));
                assertThat(got).as("%s output %s length", model, out).hasSize(want.length);
                double worst = 0;
                double scale = Precision.scale(want);
                for (int i = 0; i < want.length; i++) {
                    double err = precision.error(got[i], want[i], scale);
                    assertThat(err).as("%s %s output %s element %d: %s vs %s", model, precision, out, i, got[i], want[i])
                            .isLessThanOrEqualTo(tol);
                    worst = Math.max(worst, err);
                }
                System.out.printf("[gpu-plan] %s %s %s: max error %.3e (tolerance %.0e); %s%n", model, precision, out, worst, tol,
                        cuda.storage());
                if (simulated != null) {
                    Fp16Criterion.Verdict v = Fp16Criterion.judge(want, simulated.get(out).toFloats(), got, batch);
                    System.out.printf("[gpu-plan] %s FP16 criterion %s: %s%n", model, out, v.detail());
                    assertThat(v.passed()).as("%s output %s: %s", model, out, v.detail()).isTrue();
                }
            }
        }
    }
}
