// Every convolution of the test and demo models' plans described to the real cuDNN, as the GPU device describes it.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With the real cuDNN 9 ({@code bin/check} provides it; no GPU needed): each convolution of the small CNN, the 3-D
 * CNN, ResNet-18, BlazeFace and the PaddleOCR classifier, lowered with fp32 NCHW storage (FP32 math) and with the
 * FP16 mode's fp16 NHWC storage, gets the descriptors {@link CudnnConvolution} makes (those the GPU device hands to
 * the algorithm search and the forward calls): cuDNN accepts every one, and its
 * {@code cudnnGetConvolutionNdForwardOutputDim} equals the plan's output shape.
 */
class CudnnDescriptorsTest {

    @BeforeAll
    static void requireCudnn() {
        LoadedLibrary cudnn = NativeLibraries.load(CudaLibrary.CUDNN);
        assumeTrue(cudnn.isFound(), () -> "cuDNN missing (bin/check provides it): " + cudnn.reason());
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GpuPlanTest.Model m : GpuPlanTest.models()) {
            out.add(Arguments.of(m, Precision.FP32));
            out.add(Arguments.of(m, Precision.FP16));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void cudnnAcceptsEveryConvolutionAndComputesThePlansOutputShape(GpuPlanTest.Model model, Precision precision) {
        Graph graph = model.onnx() != null ? OnnxModelReader.read(model.onnx(), null, model.name())
                : OnnxModelReader.read(model.file());
        Plan plan = PlanBuilder.build(graph, model.shapes(), PlanBuilder.Options.all());
        PlanLowering.Lowering lowering = PlanLowering.lower(plan, precision == Precision.FP16);
        int checked = 0;
        int half = 0;
        for (Lowered l : lowering.steps()) {
            if (!(l instanceof Lowered.Convolution c)) {
                continue;
            }
            try (CudnnConvolution d = CudnnConvolution.describe(c, precision)) {
                long[] want = c.outputShape();
                int[] expected = CudnnConvolution.ints(want, c.conv().spatialRank() == 1 ? 1 : 0, 1);
                assertThat(d.outputDims()).as("%s %s convolution '%s' (%s)", model, precision, c.step().node().name(),
                        c.half() ? "fp16 NHWC" : "fp32 NCHW").containsExactly(expected);
                checked++;
                half += c.half() ? 1 : 0;
            }
        }
        assertThat(checked).as("convolutions of %s", model).isPositive();
        System.out.printf("[cudnn] %s %s: %d convolutions described (%d fp16 NHWC), output dims as planned%n", model,
                precision, checked, half);
    }
}
