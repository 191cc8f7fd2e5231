// The whole CUDA back end, its device loop run on the host device, against the CPU back end (ONNX Runtime).
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CudaBackendSession#explain} end to end on a {@link HostDevice}: the plan's input slot, the variant writer's
 * full and window-only writes, the captured forward and its replays, score gathering, the pixel map and the batch
 * sizing run exactly as on a GPU, on the CPU. Every case must give the CPU back end's (ONNX Runtime's) targets,
 * base scores, grid maps and pixel maps: with fp32 storage to 1e-5 of max(1, |value|), with the FP16 mode's fp16
 * NHWC storage to {@link Precision#FP16}'s 1e-2 of the scores' scale. The cases cover every edge policy and fill,
 * every score transform, joint and per-channel windows, 2-D and 3-D inputs, batch sizes 1, 5, 16 and the
 * back end's own choice, a model with a fixed batch of 1, both layouts, and the two demo models (BlazeFace through
 * the host loop with two outputs reduced by MAX, as the demo runs it, and through the device loop on one output).
 * A reintroduced input-aliasing bug (graph inputs no longer kept whole by the buffer plan) fails most of them.
 */
class HostDeviceParityTest {
    @TempDir
    static Path dir;
    static Path small;
    static Path smallFixed;
    static Path volume;

    @BeforeAll
    static void models() throws IOException {
        small = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 24, 20, 10, 1).onnx());
        smallFixed = Files.write(dir.resolve("small1.onnx"), TestModels.smallCnn(3, 24, 20, 10, 2,
                TestModels.Batch.FIXED_ONE).onnx());
        volume = Files.write(dir.resolve("cnn3d.onnx"), TestModels.cnn3d(2, 6, 12, 10, 6, 3).onnx());
    }

    /** One case: a model, an input shape {@code [C, D...]}, settings, a precision. */
    record Case(String name, Path model, int[] shape, Settings settings, Precision precision) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Fill[] FILLS = {Fill.constant(0.25f), Fill.constantPerChannel(0.1f, -0.2f, 0.3f), Fill.mean(),
        Fill.blur(1.3), Fill.noise(11, -1, 1), null /* baseline, made per input shape */, Fill.gaussianWindow(0.4)};
    private static final int[] BATCHES = {1, 5, 16, 0};

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        int i = 0;
        for (Fill fill : FILLS) {
            for (Edge edge : Edge.values()) {
                Score score = Score.values()[i % 3];
                boolean perChannel = i % 2 == 1;
                int batch = BATCHES[i % BATCHES.length];
                Fill f = fill == null ? Fill.baseline(random(new int[] {3, 24, 20}, 99)) : fill;
                out.add(new Case("2-D " + f + " " + edge + " " + score + (perChannel ? " per channel" : "") + " batch " + batch,
                        small, new int[] {3, 24, 20}, settings(new int[] {6, 5}, new int[] {4, 3}, edge, f, score, perChannel,
                        batch, Layout.CHANNELS_FIRST), Precision.FP32));
                i++;
            }
        }
        for (Edge edge : Edge.values()) {
            out.add(new Case("3-D mean " + edge, volume, new int[] {2, 6, 12, 10}, settings(new int[] {2, 4, 3},
                    new int[] {2, 3, 3}, edge, Fill.mean(), Score.SOFTMAX, edge == Edge.SHIFT, 7, Layout.CHANNELS_FIRST),
                    Precision.FP32));
            out.add(new Case("3-D blur " + edge, volume, new int[] {2, 6, 12, 10}, settings(new int[] {3, 5, 4},
                    new int[] {3, 5, 4}, edge, Fill.blur(0.8), Score.RAW, false, 0, Layout.CHANNELS_FIRST), Precision.FP32));
        }
        out.add(new Case("fixed batch 1, constant", smallFixed, new int[] {3, 24, 20}, settings(new int[] {8, 8},
                new int[] {4, 4}, Edge.CROP, Fill.constant(0), Score.RAW, false, 0, Layout.CHANNELS_FIRST), Precision.FP32));
        out.add(new Case("fixed batch 1, per channel soft window", smallFixed, new int[] {3, 24, 20}, settings(new int[] {5, 7},
                new int[] {5, 6}, Edge.SHIFT, Fill.gaussianWindow(), Score.SIGMOID, true, 0, Layout.CHANNELS_FIRST),
                Precision.FP32));
        for (Edge edge : Edge.values()) {
            out.add(new Case("FP16 2-D mean " + edge, small, new int[] {3, 24, 20}, settings(new int[] {6, 5},
                    new int[] {3, 3}, edge, Fill.mean(), Score.SOFTMAX, edge == Edge.INSIDE, 16, Layout.CHANNELS_FIRST),
                    Precision.FP16));
        }
        out.add(new Case("FP16 mode 3-D blur (3-D convolutions keep fp32 storage)", volume, new int[] {2, 6, 12, 10}, settings(new int[] {2, 4, 4},
                new int[] {2, 4, 4}, Edge.CROP, Fill.blur(1), Score.RAW, false, 8, Layout.CHANNELS_FIRST), Precision.FP16));
        return out;
    }

    static Settings settings(int[] window, int[] stride, Edge edge, Fill fill, Score score, boolean perChannel, int batch,
                             Layout layout) {
        return Occlusion.builder().window(window).stride(stride).edge(edge).fill(fill).score(score).perChannel(perChannel)
                .batchSize(batch).layout(layout).normalize(new float[] {0.45f}, new float[] {0.25f})
                .targets(Targets.topK(2)).outputs(TestModels.OUTPUT).settings();
    }

    static Tensor random(int[] shape, long seed) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        return Tensor.of(v, shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theHostDeviceLoopGivesTheCpuBackEndsMaps(Case c) {
        Tensor x = random(c.shape(), 5);
        int[] spatial = java.util.Arrays.copyOfRange(c.shape(), 1, c.shape().length);
        Settings s = c.settings();
        ExplainRequest r = new ExplainRequest(x, s, WindowGrid.of(spatial, s.window(), s.stride(), s.edge(), false));
        try (CudaBackendSession cuda = CudaBackendSession.open(c.model(), c.precision(), new HostDevice());
             OrtBackendSession ort = OrtBackendSession.open(c.model(), 1)) {
            assertThat(CudaBackendSession.zeroCopyUnsupported(r)).as("the device loop runs this case").isNull();
            SensitivityMap map = cuda.explain(r);
            compare(c + " [" + cuda.storage() + "]", map, ort.explain(r), c.precision());
        }
    }

    /** Targets equal; base scores and maps within the precision's tolerance; the worst error printed. */
    static void compare(String what, SensitivityMap cuda, SensitivityMap cpu, Precision precision) {
        assertThat(cuda.targets()).as("%s targets", what).containsExactly(cpu.targets());
        double scale = precision == Precision.FP16 ? Math.max(1, Precision.scale(cpu.baseScores())) : 1;
        double tol = precision.tolerance();
        double worst = 0;
        worst = Math.max(worst, check(what + " base scores", cuda.baseScores(), cpu.baseScores(), precision, scale, tol));
        for (int t = 0; t < cpu.targetCount(); t++) {
            worst = Math.max(worst, check(what + " grid map " + t, cuda.gridMap(t).data(), cpu.gridMap(t).data(), precision,
                    scale, tol));
            worst = Math.max(worst, check(what + " pixel map " + t, cuda.pixelMap(t).data(), cpu.pixelMap(t).data(), precision,
                    scale, tol));
        }
        System.out.printf("[host-parity] %s: %d windows, batch %d%s, %d forwards; worst error %.2e (tolerance %.0e)%n", what,
                cuda.stats().windows(), cuda.stats().batchSize(), cuda.stats().batchFixed() ? " (fixed)" : "",
                cuda.stats().forwards(), worst, tol);
    }

    private static double check(String what, float[] got, float[] want, Precision precision, double scale, double tol) {
        assertThat(got).as("%s length", what).hasSize(want.length);
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double err = precision == Precision.FP16 ? Math.abs(got[i] - want[i]) / scale
                    : Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
            assertThat(err).as("%s element %d: %s vs %s", what, i, got[i], want[i]).isLessThanOrEqualTo(tol);
            worst = Math.max(worst, err);
        }
        return worst;
    }

    static List<Arguments> demoCases() {
        return List.of(Arguments.of(Precision.FP32), Arguments.of(Precision.FP16));
    }

    /**
     * The demo's two real models: BlazeFace (NHWC, a fixed batch of 1) as the demo explains it, two outputs reduced
     * by MAX through sigmoid (the host loop) and one output on the device loop; the PaddleOCR orientation classifier
     * on the device loop.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("demoCases")
    void theDemoModelsGiveTheCpuBackEndsMaps(Precision precision) {
        Path models = GpuPlanTest.assets();
        Path blaze = models.resolve("blazeface_front_128.onnx");
        Tensor face = random(new int[] {3, 128, 128}, 8);
        WindowGrid faceGrid = WindowGrid.of(new int[] {128, 128}, new int[] {32, 32}, new int[] {32, 32}, Edge.CROP, false);
        Settings both = Occlusion.builder().window(32, 32).stride(32, 32).layout(Layout.CHANNELS_LAST)
                .normalize(new float[] {0.5f}, new float[] {0.5f}).outputs("Identity:0", "Identity_1:0").reduce(Reduce.MAX)
                .score(Score.SIGMOID).fill(Fill.constant(0.5f)).settings();
        Settings one = Occlusion.builder().window(32, 32).stride(32, 32).layout(Layout.CHANNELS_LAST)
                .normalize(new float[] {0.5f}, new float[] {0.5f}).outputs("Identity_1:0").score(Score.SIGMOID)
                .fill(Fill.blur(2)).targets(Targets.topK(2)).settings();
        Path ocr = models.resolve("ppocr_mobile_v2_cls.onnx");
        Tensor text = random(new int[] {3, 48, 192}, 9);
        try (CudaBackendSession cuda = CudaBackendSession.open(blaze, precision, new HostDevice());
             OrtBackendSession ort = OrtBackendSession.open(blaze, 1)) {
            ExplainRequest reduced = new ExplainRequest(face, both, faceGrid);
            assertThat(CudaBackendSession.zeroCopyUnsupported(reduced)).contains("2 selected outputs");
            compare("BlazeFace " + precision + " two outputs, max (host loop)", cuda.explain(reduced), ort.explain(reduced),
                    precision);
            ExplainRequest single = new ExplainRequest(face, one, faceGrid);
            SensitivityMap map = cuda.explain(single);
            compare("BlazeFace " + precision + " one output (device loop) [" + cuda.storage() + "]", map,
                    ort.explain(single), precision);
        }
        try (CudaBackendSession cuda = CudaBackendSession.open(ocr, precision, new HostDevice());
             OrtBackendSession ort = OrtBackendSession.open(ocr, 1)) {
            Settings ocrSettings = Occlusion.builder().window(16, 16).stride(16, 16).normalize(new float[] {0.5f},
                    new float[] {0.5f}).outputs(cuda.signature().outputs().getFirst().name()).fill(Fill.constant(0.5f))
                    .targets(Targets.of(0, 1)).batchSize(8).settings();
            ExplainRequest r = new ExplainRequest(text, ocrSettings, WindowGrid.of(new int[] {48, 192}, new int[] {16, 16},
                    new int[] {16, 16}, Edge.CROP, false));
            SensitivityMap map = cuda.explain(r);
            compare("PaddleOCR " + precision + " (device loop) [" + cuda.storage() + "]", map, ort.explain(r), precision);
        }
    }
}
