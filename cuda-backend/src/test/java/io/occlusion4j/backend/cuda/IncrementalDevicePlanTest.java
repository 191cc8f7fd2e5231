// The device's incremental plan as an object (its entry point), a check that can fail, and the full-sweep fallbacks.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.incremental.IncrementalPlan;
import io.occlusion4j.cpu.incremental.PlanGeometry;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link IncrementalDevicePlan} driven directly (analysis, geometry, lowering, the device loop with an
 * {@link IncrementalScorer}) on the host device, and on a GPU where there is one; the same loop with the variants'
 * window numbering off by one must miss the full sweep's maps (the comparison can fail); and every case where the CUDA
 * back end falls back to the full sweep says why in the run's stats.
 */
class IncrementalDevicePlanTest {
    @TempDir
    static Path dir;
    static Path small;
    static Path linear;

    @BeforeAll
    static void models() throws IOException {
        small = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 32, 28, 10, 5).onnx());
        linear = Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {16, 16}, 4, 3).onnx());
    }

    static ExplainRequest request(Tensor x, Incremental mode, Layout layout) {
        Settings s = Occlusion.builder().window(6, 6).stride(4, 4).edge(Edge.SHIFT).fill(Fill.constant(0.2f))
                .batchSize(6).normalize(new float[] {0.45f}, new float[] {0.25f}).targets(Targets.topK(2))
                .outputs(TestModels.OUTPUT).incremental(mode).layout(layout).settings();
        int[] shape = x.shape();
        int[] spatial = layout == Layout.CHANNELS_LAST ? java.util.Arrays.copyOfRange(shape, 0, shape.length - 1)
                : java.util.Arrays.copyOfRange(shape, 1, shape.length);
        return new ExplainRequest(x, s, WindowGrid.of(spatial, s.window(), s.stride(), s.edge(), false));
    }

    /** The device loop over the plan, with the windows the scorer is told shifted by {@code shift}. */
    static SensitivityMap explain(Device device, ExplainRequest r, int shift) {
        System.setProperty(IncrementalPlan.STEPS_PROPERTY, "all");
        try {
            IncrementalPlan analysed = IncrementalPlan.analyse(small, r.modelShape(), false, r.grid(), r.outputs(), 1, 6);
            assertThat(analysed.decision().feasible()).as(analysed.decision().reason()).isTrue();
            PlanGeometry geo = PlanGeometry.of(analysed);
            try (IncrementalDevicePlan plan = IncrementalDevicePlan.create(device, geo, 6, r.grid().count(),
                    TestModels.OUTPUT, PlanOptions.defaults(Precision.FP32));
                 IncrementalScorer inc = new IncrementalScorer(device, plan)) {
                Scorer scorer = new Scorer() {
                    @Override
                    public int outputsPerSample() {
                        return inc.outputsPerSample();
                    }

                    @Override
                    public int lastAxis() {
                        return inc.lastAxis();
                    }

                    @Override
                    public Device.Buffer inputBuffer() {
                        return inc.inputBuffer();
                    }

                    @Override
                    public void score(Device.Buffer batch, int rows, Device.Buffer outputs) {
                        inc.score(batch, rows, outputs);
                    }

                    @Override
                    public void scoreWindows(Device.Buffer batch, int rows, long first, Device.Buffer outputs) {
                        inc.scoreWindows(batch, rows, first + shift, outputs);
                    }
                };
                return new GpuOcclusionSession(device).explain(r, KernelTerms.geometry(r, false), scorer, 6, false,
                        new TransferLedger(), new GpuOcclusionSession.Runner("small", "cuda", device.description(), false,
                                "not verified"));
            }
        } finally {
            System.clearProperty(IncrementalPlan.STEPS_PROPERTY);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.occlusion4j.backend.cuda.TestDevices#both")
    void thePlanGivesTheFullSweepsMapsAndAnOffByOneDoesNot(String kind) {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 21);
        ExplainRequest full = request(x, Incremental.OFF, Layout.CHANNELS_FIRST);
        SensitivityMap sweep;
        try (CudaBackendSession cuda = CudaBackendSession.open(small, Precision.FP32, TestDevices.open(kind))) {
            sweep = cuda.explain(full);
        }
        try (Device device = TestDevices.open(kind)) {
            double exact = IncrementalMaps.maxRelativeDifference(explain(device, full, 0), sweep);
            double shifted = IncrementalMaps.maxRelativeDifference(explain(device, full, 1), sweep);
            System.out.printf("[incremental-plan] %s: %.2e of the map range; windows off by one: %.2e%n", kind, exact,
                    shifted);
            assertThat(exact).isLessThanOrEqualTo(1e-4);
            assertThat(shifted).as("the variants' patches taken at the next window's place").isGreaterThan(1e-2);
        }
    }

    /**
     * Krypton's threshold (an approximation): the device runs the CPU back end's capped patches, so its maps are the
     * CPU back end's incremental maps, and not the exact ones.
     */
    private static ExplainRequest thresholdRequest(Tensor x, Incremental mode, double tau) {
        Settings s = Occlusion.builder().window(8, 8).stride(8, 8).edge(Edge.CROP).fill(Fill.constant(0.2f)).batchSize(6)
                .normalize(new float[] {0.45f}, new float[] {0.25f}).targets(Targets.topK(2)).outputs(TestModels.OUTPUT)
                .incremental(mode).approximate(tau).settings();
        return new ExplainRequest(x, s, WindowGrid.of(new int[] {32, 28}, s.window(), s.stride(), s.edge(), false));
    }

    @Test
    void theThresholdGivesTheCpuBackEndsApproximation() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 23);
        ExplainRequest approx = thresholdRequest(x, Incremental.ON, 0.3);
        System.setProperty(IncrementalPlan.STEPS_PROPERTY, "all");
        try (CudaBackendSession cuda = CudaBackendSession.open(small, Precision.FP32, new HostDevice());
             io.occlusion4j.cpu.OrtBackendSession ort = io.occlusion4j.cpu.OrtBackendSession.open(small, 1)) {
            SensitivityMap device = cuda.explain(approx);
            SensitivityMap cpu = ort.explain(approx);
            assertThat(device.stats().incremental().used()).isTrue();
            assertThat(device.stats().incremental().tau()).isEqualTo(0.3);
            assertThat(cpu.stats().incremental().used()).isTrue();
            double same = IncrementalMaps.maxRelativeDifference(device, cpu);
            double fromExact = IncrementalMaps.maxRelativeDifference(device,
                    cuda.explain(thresholdRequest(x, Incremental.OFF, 1)));
            System.out.printf("[incremental-plan] tau 0.3: %.2e of the range from the CPU's approximation, %.2e from the "
                    + "exact map%n", same, fromExact);
            assertThat(same).isLessThanOrEqualTo(1e-4);
            assertThat(fromExact).as("a threshold this low changes the map").isGreaterThan(1e-3);
        } finally {
            System.clearProperty(IncrementalPlan.STEPS_PROPERTY);
        }
    }

    /**
     * Input [N, 3, 16, 16] -> Conv 3x3 pad 1 + Relu -> (GlobalAveragePool of the input itself: not covered, the
     * prefix ends) -> Conv + Relu -> GlobalAveragePool, concatenated with the input's pool -> Flatten -> Gemm: the
     * suffix reads the model's input as well as the stitched activation.
     */
    static byte[] inputInTheCut() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        java.util.function.IntFunction<float[]> weights = n -> {
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) rnd.nextDouble(-0.5, 0.5);
            }
            return w;
        };
        List<Dim> in = List.of(new Dim.Symbolic("N"), new Dim.Fixed(3), new Dim.Fixed(16), new Dim.Fixed(16));
        return new OnnxGraphBuilder("input_in_cut").input(TestModels.INPUT, in)
                .floatInitializer("w1", new long[] {4, 3, 3, 3}, weights.apply(108))
                .floatInitializer("w2", new long[] {4, 4, 3, 3}, weights.apply(144))
                .floatInitializer("fc", new long[] {5, 7}, weights.apply(35))
                .node("Conv").name("c1").inputs(TestModels.INPUT, "w1").outputs("c1.out").intsAttr("pads", 1, 1, 1, 1).add()
                .node("Relu").name("r1").inputs("c1.out").outputs("r1.out").add()
                .node("GlobalAveragePool").name("gi").inputs(TestModels.INPUT).outputs("gi.out").add()
                .node("Conv").name("c2").inputs("r1.out", "w2").outputs("c2.out").intsAttr("pads", 1, 1, 1, 1).add()
                .node("Relu").name("r2").inputs("c2.out").outputs("r2.out").add()
                .node("GlobalAveragePool").name("g2").inputs("r2.out").outputs("g2.out").add()
                .node("Concat").name("cat").inputs("g2.out", "gi.out").outputs("cat.out").intAttr("axis", 1).add()
                .node("Flatten").name("flat").inputs("cat.out").outputs("flat.out").intAttr("axis", 1).add()
                .node("Gemm").name("gemm").inputs("flat.out", "fc").outputs(TestModels.OUTPUT).intAttr("transB", 1).add()
                .output(TestModels.OUTPUT, List.of(new Dim.Symbolic("N"), new Dim.Fixed(5))).toBytes();
    }

    @Test
    void aSuffixThatReadsTheInputGetsTheVariantsThemselves() throws IOException {
        Path model = Files.write(dir.resolve("input_in_cut.onnx"), inputInTheCut());
        Tensor x = HostDeviceParityTest.random(new int[] {3, 16, 16}, 31);
        Settings base = Occlusion.builder().window(4, 4).stride(3, 3).edge(Edge.SHIFT).fill(Fill.constant(0.9f))
                .batchSize(5).targets(Targets.topK(2)).outputs(TestModels.OUTPUT).incremental(Incremental.OFF).settings();
        WindowGrid grid = WindowGrid.of(new int[] {16, 16}, base.window(), base.stride(), base.edge(), false);
        IncrementalPlan analysed = IncrementalPlan.analyse(model, new long[] {3, 16, 16}, false, grid,
                List.of(TestModels.OUTPUT), 1, 5);
        assertThat(PlanGeometry.of(analysed).cut()).contains(TestModels.INPUT);
        SensitivityMap[] maps = new SensitivityMap[2];
        try (CudaBackendSession cuda = CudaBackendSession.open(model, Precision.FP32, new HostDevice())) {
            for (Incremental mode : new Incremental[] {Incremental.OFF, Incremental.ON}) {
                Settings s = Occlusion.builder().window(4, 4).stride(3, 3).edge(Edge.SHIFT).fill(Fill.constant(0.9f))
                        .batchSize(5).targets(Targets.topK(2)).outputs(TestModels.OUTPUT).incremental(mode).settings();
                maps[mode == Incremental.OFF ? 0 : 1] = cuda.explain(new ExplainRequest(x, s, grid));
            }
        }
        SensitivityMap cpu;
        try (io.occlusion4j.cpu.OrtBackendSession ort = io.occlusion4j.cpu.OrtBackendSession.open(model, 1)) {
            cpu = ort.explain(new ExplainRequest(x, base, grid));
        }
        assertThat(maps[1].stats().incremental().used()).as(maps[1].stats().incremental().reason()).isTrue();
        double d = IncrementalMaps.maxRelativeDifference(maps[1], maps[0]);
        double c = IncrementalMaps.maxRelativeDifference(maps[1], cpu);
        System.out.printf("[incremental-plan] input in the cut: %.2e of the map range from the device sweep, %.2e from "
                + "the CPU%n", d, c);
        assertThat(d).isLessThanOrEqualTo(1e-4);
        assertThat(c).isLessThanOrEqualTo(1e-4);
    }

    private static IncrementalStats stats(Path model, Precision precision, ExplainRequest r) {
        try (CudaBackendSession cuda = CudaBackendSession.open(model, precision, new HostDevice())) {
            return cuda.explain(r).stats().incremental();
        }
    }

    @Test
    void offRunsTheFullSweepAndSaysSo() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 2);
        IncrementalStats s = stats(small, Precision.FP32, request(x, Incremental.OFF, Layout.CHANNELS_FIRST));
        assertThat(s.used()).isFalse();
        assertThat(s.mode()).isEqualTo("off");
        assertThat(s.reason()).contains("off");
    }

    @Test
    void autoFollowsTheCostModel() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 3);
        IncrementalStats s = stats(small, Precision.FP32, request(x, Incremental.AUTO, Layout.CHANNELS_FIRST));
        assertThat(s.predictedSpeedup()).isPositive();
        assertThat(s.used()).isEqualTo(s.predictedSpeedup() >= DeviceIncremental.AUTO_MIN_SPEEDUP);
        assertThat(s.reason()).contains("predicted").contains("auto acts at 2.00");
    }

    @Test
    void theFp16ModeFallsBackToTheFullSweep() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 4);
        IncrementalStats s = stats(small, Precision.FP16, request(x, Incremental.ON, Layout.CHANNELS_FIRST));
        assertThat(s.used()).isFalse();
        assertThat(s.reason()).contains("FP16").contains("fp32 storage only");
    }

    @Test
    void aModelTheAnalysisDoesNotCoverFallsBackSayingWhy() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 16, 16}, 5);
        Settings s = Occlusion.builder().window(4, 4).stride(4, 4).targets(Targets.topK(1)).outputs(TestModels.OUTPUT)
                .incremental(Incremental.ON).settings();
        ExplainRequest r = new ExplainRequest(x, s, WindowGrid.of(new int[] {16, 16}, s.window(), s.stride(), s.edge(),
                false));
        IncrementalStats st = stats(linear, Precision.FP32, r);
        assertThat(st.used()).isFalse();
        assertThat(st.reason()).startsWith("not incremental: ").contains("Flatten");
    }

    @Test
    void theHostLoopSaysItRunsNoIncrementalInference() {
        Tensor x = HostDeviceParityTest.random(new int[] {3, 32, 28}, 6);
        ExplainRequest all = request(x, Incremental.ON, Layout.CHANNELS_FIRST);
        ExplainRequest subset = new ExplainRequest(x, all.settings(), all.grid(), new int[] {0, 3, 5});
        assertThat(CudaBackendSession.zeroCopyUnsupported(subset)).isNotNull();
        IncrementalStats s = stats(small, Precision.FP32, subset);
        assertThat(s.used()).isFalse();
        assertThat(s.reason()).contains("host loop");
    }
}
