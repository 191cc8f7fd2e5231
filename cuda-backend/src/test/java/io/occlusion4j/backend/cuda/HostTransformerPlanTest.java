// The ViT-like and ConvNeXt-like test models lowered for the CUDA plan and run on the host.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ReferenceExecutor;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.HostKernels;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.TransformerModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A vision transformer, a ConvNeXt and a Swin block (graph's {@link TransformerModels}: shape sub-graphs, LayerNorm, the erf GELU,
 * Pow, Sqrt, batched attention products, Gather of float activations) planned for a batch of 2, lowered with fp32
 * storage and with the FP16 mode's storage, run by {@link HostPlanRunner} and compared with the reference executor
 * on the same plan, as {@link HostPlanRunTest} does for the CNNs (the graph module's test compares the reference
 * with ONNX Runtime).
 */
class HostTransformerPlanTest {
    private static HostKernels host;

    @BeforeAll
    static void load() {
        host = HostKernels.open();
    }

    @AfterAll
    static void unload() {
        host.close();
    }

    static TestModels.TestModel model(String name) {
        return switch (name) {
            case "vit" -> TransformerModels.vitLike(2, 31L);
            case "swin" -> TransformerModels.swinLike(33L);
            default -> TransformerModels.convNextLike(32L);
        };
    }

    @ParameterizedTest(name = "{0} fp16 storage {1}")
    @CsvSource({"vit, false", "vit, true", "convnext, false", "convnext, true", "swin, false", "swin, true"})
    void loweredPlanMatchesTheReferenceExecutor(String name, boolean halfStorage) {
        TestModels.TestModel m = model(name);
        Graph graph = OnnxModelReader.read(m.onnx(), null, name);
        long[] shape = m.inputShape(2);
        Plan plan = PlanBuilder.build(graph, Map.of(TestModels.INPUT, shape), PlanBuilder.Options.all());
        float[] x = new float[(int) LoweringOperands.count(shape)];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Map<String, TensorValue> inputs = Map.of(TestModels.INPUT, TensorValue.ofFloats(shape, x));
        float[] want = ReferenceExecutor.runPlan(plan, inputs).get(TestModels.OUTPUT).toFloats();
        PlanLowering.Lowering lowering = PlanLowering.lower(plan, halfStorage);
        float[] got = HostPlanRunner.run(host, plan, lowering, inputs).get(TestModels.OUTPUT);
        Precision mode = halfStorage ? Precision.FP16 : Precision.FP32;
        double tol = halfStorage ? Precision.FP16.tolerance() : 1e-4;
        double scale = Precision.scale(want);
        assertThat(scale).as("output not all zeros").isGreaterThan(1e-3);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double err = mode.error(got[i], want[i], scale);
            assertThat(err).as("%s element %d: %s vs %s", name, i, got[i], want[i]).isLessThanOrEqualTo(tol);
            worst = Math.max(worst, err);
        }
        List<String> kernels = lowering.steps().stream().filter(s -> s instanceof Lowered.Launches)
                .flatMap(s -> ((Lowered.Launches) s).launches().stream()).map(PlanLaunch::kernel).toList();
        assertThat(kernels).contains("occ_plan_layer_norm");
        long products = lowering.steps().stream().filter(s -> s instanceof Lowered.MatrixProduct).count();
        long batched = lowering.steps().stream().filter(s -> s instanceof Lowered.MatrixProduct p && p.batch() > 1)
                .count();
        if (name.equals("vit")) {
            assertThat(batched).as("attention's two products per block, strided batched").isEqualTo(4);
        }
        System.out.printf("[host-plan] %s fp16-storage=%s: max relative error %.3e (tolerance %.0e); %d steps, %d"
                + " products (%d batched)%n", name, halfStorage, worst, tol, plan.steps().size(), products, batched);
    }

    @TempDir
    static Path dir;

    /** Occlusion maps of both models through the CUDA back end's device loop on the host device equal the CPU's. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"vit, FP32", "vit, FP16", "convnext, FP32", "convnext, FP16", "swin, FP32"})
    void occlusionMapsEqualTheCpuBackEnds(String name, Precision precision) throws IOException {
        Path model = Files.write(dir.resolve(name + ".onnx"), model(name).onnx());
        int size = name.equals("swin") ? 16 : 32;
        Tensor x = HostDeviceParityTest.random(new int[] {3, size, size}, 12);
        Settings s = HostDeviceParityTest.settings(new int[] {8, 8}, new int[] {8, 8}, Edge.CROP, Fill.constant(0.25f),
                Score.SOFTMAX, false, 8, Layout.CHANNELS_FIRST);
        ExplainRequest r = new ExplainRequest(x, s, WindowGrid.of(new int[] {size, size}, s.window(), s.stride(),
                s.edge(), false));
        try (CudaBackendSession cuda = CudaBackendSession.open(model, precision, new HostDevice());
             OrtBackendSession ort = OrtBackendSession.open(model, 1)) {
            assertThat(CudaBackendSession.zeroCopyUnsupported(r)).as("the device loop runs this case").isNull();
            SensitivityMap map = cuda.explain(r);
            HostDeviceParityTest.compare(name + " " + precision + " [" + cuda.storage() + "]", map, ort.explain(r),
                    precision);
        }
    }
}
