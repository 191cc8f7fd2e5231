// check-model's CUDA checker: every node the lowering refuses is listed, not only the first; shapes it binds.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.BackendException;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.ModelCheck;
import io.occlusion4j.core.ModelChecker;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.kernels.GpuSupport;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaModelCheckerTest {
    @TempDir
    Path dir;

    @Test
    void theServiceLoaderFindsTheCudaChecker() {
        assertThat(ModelChecker.discover()).extracting(ModelChecker::name).contains("cuda");
    }

    @Test
    void everyNodeTheLoweringRefusesIsListedWithItsReason() throws IOException {
        // Pad is in the plan's operator set, its 'wrap' mode is not: the lowering stops at the first such node, the
        // checker lowers each step alone and names both.
        OnnxGraphBuilder g = new OnnxGraphBuilder("variants")
                .input("x", List.of(Dim.of(1), Dim.of(8), Dim.of(8), Dim.of(8)));
        g.int64Initializer("p", new long[] {8}, new long[] {0, 0, 1, 1, 0, 0, 1, 1});
        g.node("Pad").name("pad_wrap").inputs("x", "p").outputs("a").stringAttr("mode", "wrap").add()
                .node("Relu").name("relu").inputs("a").outputs("b").add()
                .node("Pad").name("pad_wrap_again").inputs("b", "p").outputs("y").stringAttr("mode", "wrap").add();
        g.output("y");
        Path m = Files.write(dir.resolve("variants.onnx"), g.opset(19).toBytes());
        ModelCheck c = new CudaModelChecker().check(m, new ModelChecker.Request(0, 0, 0, 7));
        assertThat(c.supported()).isFalse();
        assertThat(c.passed()).isFalse();
        assertThat(c.fp32()).isNull();
        assertThat(c.unsupported()).extracting(ModelCheck.Unsupported::node).containsExactly("pad_wrap", "pad_wrap_again");
        assertThat(c.unsupported()).filteredOn(u -> u.node().equals("pad_wrap")).singleElement()
                .satisfies(u -> assertThat(u.reason()).contains("mode 'wrap'").doesNotContain("--backend cpu"));
    }

    @Test
    void aSupportedModelRunsOnTheHostInBothStoragesAgainstOnnxRuntime() throws IOException {
        Path m = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 16, 16, 5, 4).onnx());
        ModelCheck c = new CudaModelChecker().check(m, new ModelChecker.Request(3, 0, 0, 7));
        assertThat(c.inputs().get("input")).containsExactly(3L, 3L, 16L, 16L);
        assertThat(c.passed()).as(c.toString()).isTrue();
        assertThat(c.fp32().maxDifference()).isLessThanOrEqualTo(1e-4 * c.fp32().outputRange()).isPositive();
        assertThat(c.fp16().samples()).isEqualTo(3);
        assertThat(c.fp16().storage()).startsWith("fp16 NHWC storage");
        assertThat(c.rewrites()).contains(new ModelCheck.Rewrite("io.occlusion4j.FusedConv", 0, 2));
    }

    @Test
    void withoutAGpuTheGpuDeviceIsABackendErrorSayingSo() throws IOException {
        String why = GpuSupport.unavailableReason();
        assumeTrue(why != null, "a GPU is here: onAGpuTheSameCheckPasses covers it");
        Path m = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 16, 16, 5, 4).onnx());
        assertThatThrownBy(() -> new CudaModelChecker().check(m, new ModelChecker.Request(1, 0, 0, 7, "gpu")))
                .isInstanceOf(BackendException.class).hasMessageContaining("open the GPU for check-model --device gpu");
    }

    @Test
    void onAGpuTheSameCheckPasses() throws IOException {
        String why = GpuSupport.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        Path m = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 16, 16, 5, 4).onnx());
        ModelCheck c = new CudaModelChecker().check(m, new ModelChecker.Request(2, 0, 0, 7, "gpu"));
        System.out.println("[check-model gpu] " + c.device() + " fp32 " + c.fp32() + " fp16 " + c.fp16() + " " + c.notes());
        assertThat(c.device()).doesNotStartWith("host");
        assertThat(c.passed()).as(c.toString()).isTrue();
    }

    @Test
    void shapesTheModelLeavesOpenNeedASizeAndAFixedOneMustFit() throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder("open")
                .input("x", List.of(Dim.of(1), Dim.of(3), Dim.sym("H"), Dim.sym("W")));
        g.node("Relu").name("r").inputs("x").outputs("y").add();
        g.output("y");
        Path m = Files.write(dir.resolve("open.onnx"), g.toBytes());
        CudaModelChecker checker = new CudaModelChecker();
        assertThatThrownBy(() -> checker.check(m, new ModelChecker.Request(0, 0, 0, 7)))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("give --size HxW");
        assertThat(checker.check(m, new ModelChecker.Request(0, 20, 30, 7)).inputs().get("x")).containsExactly(1L, 3L, 20L, 30L);
        assertThatThrownBy(() -> checker.check(m, new ModelChecker.Request(2, 20, 30, 7)))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("fixed batch of 1");
    }
}
