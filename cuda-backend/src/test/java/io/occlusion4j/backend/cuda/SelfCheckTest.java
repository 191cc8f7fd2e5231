// The run-time self-check: a plan agreeing with ONNX Runtime runs verified; one that does not is never trusted.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.BackendException;
import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SelfCheck} through {@link CudaBackendSession} on the host device, ONNX Runtime on the class path: a right
 * plan is verified; a plan whose matrix products are 1 % off (a wrong GPU result stood in for) falls back to the CPU
 * under AUTO with one log line naming the output, fails when CUDA was asked for, and runs unverified, saying so,
 * when the check is off.
 */
class SelfCheckTest {
    @TempDir
    Path dir;
    Path model;
    ExplainRequest request;

    /** Matrix products scaled by 1.01: the classifier head's logits come out wrong. */
    private static final class WrongProducts extends DelegatingDevice {
        @Override
        public void multiply(Lowered.MatrixProduct m, Buffer a, Buffer b, Buffer y, Precision precision) {
            host.multiply(new Lowered.MatrixProduct(m.step(), m.a(), m.transA(), m.b(), m.transB(), m.y(), m.m(), m.n(),
                    m.k(), m.alpha() * 1.01f, m.beta(), m.batch(), m.strideA(), m.strideB(), m.strideY(), m.fillY()), a, b, y,
                    precision);
        }
    }

    @BeforeEach
    void model() throws IOException {
        model = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 16, 16, 5, 4).onnx());
        request = new ExplainRequest(HostDeviceParityTest.random(new int[] {3, 16, 16}, 2), Occlusion.builder().window(4, 4)
                .fill(Fill.mean()).outputs(TestModels.OUTPUT).settings(),
                WindowGrid.of(new int[] {16, 16}, new int[] {4, 4}, new int[] {4, 4}, Edge.CROP, false));
    }

    private static List<LogRecord> warnings(Runnable run) {
        Logger logger = Logger.getLogger("io.occlusion4j");
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(h);
        try {
            run.run();
        } finally {
            logger.removeHandler(h);
        }
        return records;
    }

    @Test
    void aPlanThatAgreesWithOnnxRuntimeRunsVerifiedAndSaysSo() {
        try (CudaBackendSession s = CudaBackendSession.open(model, Precision.FP32, new HostDevice(),
                new BackendProvider.OpenOptions(1, true, true))) {
            SensitivityMap map = s.explain(request);
            assertThat(s.name()).isEqualTo("cuda");
            assertThat(map.stats().verification()).startsWith("verified against ONNX Runtime on 4 samples");
            assertThat(map.stats().verified()).isTrue();
        }
    }

    @Test
    void underAutoAWrongPlanHandsTheWorkToTheCpuWithOneLogLineNamingTheOutput() {
        try (CudaBackendSession s = CudaBackendSession.open(model, Precision.FP32, new WrongProducts(),
                new BackendProvider.OpenOptions(1, true, true));
             OrtBackendSession cpu = OrtBackendSession.open(model, 1)) {
            SensitivityMap[] map = new SensitivityMap[1];
            List<LogRecord> logged = warnings(() -> map[0] = s.explain(request));
            assertThat(logged).hasSize(1);
            assertThat(logged.getFirst().getMessage()).contains("back end cpu").contains("self-check failed")
                    .contains("output 'logits' of the unoccluded input");
            assertThat(s.name()).isEqualTo("cpu");
            assertThat(map[0].stats().backend()).isEqualTo("cpu");
            assertThat(map[0].pixelMap(0).data()).containsExactly(cpu.explain(request).pixelMap(0).data());
            assertThat(s.explain(request).stats().backend()).as("and stays there").isEqualTo("cpu");
        }
    }

    @Test
    void askedForByNameAWrongPlanIsAnError() {
        try (CudaBackendSession s = CudaBackendSession.open(model, Precision.FP32, new WrongProducts(),
                new BackendProvider.OpenOptions(1, true, false))) {
            assertThatThrownBy(() -> s.explain(request)).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.backend()).isEqualTo("cuda");
                assertThat(e.getMessage()).contains("self-check failed").contains("output 'logits'").contains("--no-verify")
                        .contains("--backend cpu");
            });
        }
    }

    @Test
    void withTheCheckOffTheRunSaysItIsNotVerified() {
        try (CudaBackendSession s = CudaBackendSession.open(model, Precision.FP32, new WrongProducts(),
                new BackendProvider.OpenOptions(1, false, true))) {
            SensitivityMap map = s.explain(request);
            assertThat(map.stats().backend()).isEqualTo("cuda");
            assertThat(map.stats().verified()).isFalse();
            assertThat(map.stats().verification()).isEqualTo("not verified: the self-check is off (--no-verify)");
        }
    }

    /** The FP16 plan of the PaddleOCR classifier stores its input as fp16 NHWC: the check crosses that storage too. */
    @Test
    void anFp16PlanWithAnFp16InputSlotIsVerifiedWithinItsTolerance() {
        Path ocr = GpuPlanTest.assets().resolve("ppocr_mobile_v2_cls.onnx");
        try (CudaBackendSession s = CudaBackendSession.open(ocr, Precision.FP16, new HostDevice(),
                new BackendProvider.OpenOptions(1, true, false))) {
            ExplainRequest r = new ExplainRequest(HostDeviceParityTest.random(new int[] {3, 48, 192}, 4), Occlusion.builder()
                    .window(16, 16).stride(16, 16).outputs(s.signature().outputs().getFirst().name()).batchSize(8).settings(),
                    WindowGrid.of(new int[] {48, 192}, new int[] {16, 16}, new int[] {16, 16}, Edge.CROP, false));
            SensitivityMap map = s.explain(r);
            assertThat(s.storage()).contains("fp16 NHWC input");
            assertThat(map.stats().verification()).startsWith("verified against ONNX Runtime on 4 samples")
                    .contains("FP16 tolerance");
        }
    }

    /**
     * Logits made by cancellation: a 1x1 convolution (8 -> 8 channels, so the FP16 mode stores it as fp16 NHWC) whose
     * channels come in pairs of about 4000 (fp16 spacing 2 to 4 there) that differ by a few units; the logits are
     * the pairs' differences, of order 1. Stored in fp16, the plan's error is a sizeable fraction of the output scale
     * although nothing is wrong: what the fixed FP16 tolerance cannot tell from a bug.
     */
    private Path cancellingModel() throws IOException {
        float[] w = new float[64];
        float[] head = new float[16];
        for (int o = 0; o < 8; o++) {
            for (int i = 0; i < 8; i++) {
                w[o * 8 + i] = 1000 + (o % 2 == 1 ? (i + o) % 3 - 1 : 0);
            }
            head[o] = o % 2 == 0 ? 1 : -1;
            head[8 + o] = -head[o];
        }
        OnnxGraphBuilder g = new OnnxGraphBuilder("cancel").opset(13)
                .input("x", List.of(Dim.sym("N"), Dim.of(8), Dim.of(16), Dim.of(16))).output("logits")
                .floatInitializer("w", new long[] {8, 8, 1, 1}, w)
                .floatInitializer("head", new long[] {2, 8}, head)
                .floatInitializer("bias", new long[] {2}, new float[] {0, 0});
        g.node("Conv").name("conv").inputs("x", "w").outputs("c").add();
        g.node("GlobalAveragePool").name("gap").inputs("c").outputs("p").add();
        g.node("Flatten").name("flat").inputs("p").outputs("f").add();
        g.node("Gemm").name("fc").inputs("f", "head", "bias").outputs("logits").intAttr("transB", 1).add();
        return g.write(dir.resolve("cancel.onnx"));
    }

    private ExplainRequest cancellingRequest() {
        return new ExplainRequest(HostDeviceParityTest.random(new int[] {8, 16, 16}, 7), Occlusion.builder().window(8, 8)
                .stride(8, 8).outputs("logits").batchSize(4).settings(),
                WindowGrid.of(new int[] {16, 16}, new int[] {8, 8}, new int[] {8, 8}, Edge.CROP, false));
    }

    @Test
    void anFp16PlanOutsideTheFixedToleranceOnlyThroughRoundingIsVerifiedByTheSimulatedFp16Criterion() throws IOException {
        Path cancel = cancellingModel();
        try (CudaBackendSession s = CudaBackendSession.open(cancel, Precision.FP16, new HostDevice(),
                new BackendProvider.OpenOptions(1, true, false))) {
            SensitivityMap map = s.explain(cancellingRequest());
            assertThat(s.storage()).contains("fp16 NHWC");
            assertThat(map.stats().backend()).isEqualTo("cuda");
            assertThat(map.stats().verified()).isTrue();
            assertThat(map.stats().verification()).contains("FP16 criterion fair to deep networks")
                    .contains("the fixed FP16 tolerance 1e-02 alone would have failed");
        }
    }

    @Test
    void anFp16PlanWhoseErrorIsMoreThanRoundingStillFailsTheCheck() throws IOException {
        Path cancel = cancellingModel();
        // Products three times too large: far beyond twice the simulated fp16 error of these logits.
        DelegatingDevice wrong = new DelegatingDevice() {
            @Override
            public void multiply(Lowered.MatrixProduct m, Buffer a, Buffer b, Buffer y, Precision precision) {
                host.multiply(new Lowered.MatrixProduct(m.step(), m.a(), m.transA(), m.b(), m.transB(), m.y(), m.m(),
                        m.n(), m.k(), m.alpha() * 3f, m.beta(), m.batch(), m.strideA(), m.strideB(), m.strideY(),
                        m.fillY()), a, b, y, precision);
            }
        };
        try (CudaBackendSession s = CudaBackendSession.open(cancel, Precision.FP16, wrong,
                new BackendProvider.OpenOptions(1, true, false))) {
            assertThatThrownBy(() -> s.explain(cancellingRequest())).isInstanceOfSatisfying(BackendException.class,
                    e -> assertThat(e.getMessage()).contains("self-check failed").contains("against simulated fp16")
                            .contains("exceeds 2x the simulated fp16 error"));
        }
    }
}
