package io.occlusion4j.cpu.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.ModelFiles;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.ZooModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental inference gives the full sweep's maps: max |difference| within 1e-4 of the map's range, on every test
 * model the machine has (ResNet-18/50-like, VGG16-like, MobileNetV2-like with depthwise and grouped convolutions,
 * DenseNet-like with concatenation, the small and the 3-D CNN, PaddleOCR's classifier), for three window/stride
 * settings each across the edge policies, fills, per-channel windows, and both the cost model's switch point and the
 * deepest one the analysis allows (every covered layer on patches).
 */
class IncrementalExactnessTest {
    @TempDir
    static Path dir;

    record Model(String name, Supplier<byte[]> onnx, int[] shape) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Path PPOCR = ModelsDir.find().resolve("ppocr_mobile_v2_cls.onnx");

    static final List<Model> MODELS = List.of(
            new Model("smallCnn", () -> TestModels.smallCnn(3, 32, 28, 10, 5).onnx(), new int[] {3, 32, 28}),
            new Model("vgg16-like", () -> ZooModels.vgg16(32, 32, 10, 8, 6), new int[] {3, 32, 32}),
            new Model("resnet18", () -> TestModels.resnet18Proto(10, 64, 64, 3, TestModels.Batch.DYNAMIC).toByteArray(),
                    new int[] {3, 64, 64}),
            new Model("resnet50-like", () -> ZooModels.resnet50(64, 64, 10, 4, 7), new int[] {3, 64, 64}),
            new Model("mobilenetv2-like", () -> ZooModels.mobileNetLike(48, 40, 10, 8), new int[] {3, 48, 40}),
            new Model("densenet-like", () -> ZooModels.denseNetLike(32, 32, 10, 9), new int[] {3, 32, 32}),
            new Model("cnn3d", () -> TestModels.cnn3d(2, 8, 16, 12, 5, 10).onnx(), new int[] {2, 8, 16, 12}),
            new Model("ppocr-cls", () -> read(PPOCR), new int[] {3, 48, 192}));

    static final Map<String, Path> FILES = new java.util.concurrent.ConcurrentHashMap<>();

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path file(Model m) {
        return FILES.computeIfAbsent(m.name(), k -> ModelFiles.write(dir, k + ".onnx", m.onnx().get()));
    }

    @AfterEach
    void clearSteps() {
        System.clearProperty(IncrementalPlan.STEPS_PROPERTY);
    }

    /** Three window/stride settings per model, each with its own edge policy and fill, the last per channel. */
    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Fill[] fills = {Fill.constant(0.3f), Fill.blur(1.5), Fill.gaussianWindow(0.3), Fill.mean(), Fill.noise(3)};
        Edge[] edges = {Edge.CROP, Edge.SHIFT, Edge.INSIDE};
        int f = 0;
        for (Model m : MODELS) {
            int k = m.shape().length - 1;
            int small = m.shape()[1] / 8;
            int[][] windows = {fill(k, Math.max(2, small)), fill(k, Math.max(2, small + 1)), fill(k, Math.max(3, 2 * small))};
            int[][] strides = {fill(k, Math.max(2, small)), fill(k, Math.max(1, small / 2 + 1)), fill(k, Math.max(2, small + 1))};
            if (k == 3) {
                windows = new int[][] {{2, 4, 4}, {3, 3, 5}, {4, 6, 6}};
                strides = new int[][] {{2, 4, 4}, {2, 2, 3}, {3, 5, 4}};
            }
            if (m.name().equals("ppocr-cls")) {
                windows = new int[][] {{8, 16}, {12, 12}, {16, 32}};
                strides = new int[][] {{8, 16}, {6, 10}, {16, 24}};
            }
            for (int s = 0; s < 3; s++) {
                for (String steps : new String[] {"", "all"}) {
                    out.add(Arguments.of(m, windows[s], strides[s], edges[s], fills[f++ % fills.length], s == 2, steps));
                }
            }
        }
        return out;
    }

    static int[] fill(int k, int v) {
        int[] r = new int[k];
        java.util.Arrays.fill(r, v);
        return r;
    }

    @ParameterizedTest(name = "{0} window {1} stride {2} {3} {4} per-channel {5} steps [{6}]")
    @MethodSource("cases")
    void incrementalEqualsFullSweep(Model m, int[] window, int[] stride, Edge edge, Fill fill, boolean perChannel,
                                    String steps) {
        Tensor x = Tensor.of(ModelFiles.random(m.name().hashCode(), size(m.shape())), m.shape());
        SensitivityMap full = run(file(m), x, Incremental.OFF, window, stride, edge, fill, perChannel);
        if (!steps.isEmpty()) {
            System.setProperty(IncrementalPlan.STEPS_PROPERTY, steps);
        }
        SensitivityMap inc = run(file(m), x, Incremental.ON, window, stride, edge, fill, perChannel);
        assertThat(full.stats().incremental().used()).isFalse();
        assertSame(full, inc);
    }

    /**
     * PyTorch's exporter writes Identity nodes over shared initializers (torchvision's VGG16 at opset 13 starts with
     * one): a node that only computes a constant must not end the analysis before the first convolution.
     */
    @Test
    void aNodeThatOnlyComputesAConstantDoesNotStopTheAnalysis() throws Exception {
        var model = io.occlusion4j.onnx.proto.ModelProto.parseFrom(TestModels.smallCnn(3, 32, 28, 10, 5).onnx()).toBuilder();
        var graph = model.getGraphBuilder();
        int conv = 0;
        while (!graph.getNode(conv).getOpType().equals("Conv")) {
            conv++;
        }
        String weight = graph.getNode(conv).getInput(1);
        graph.setNode(conv, graph.getNode(conv).toBuilder().setInput(1, weight + "_copy"));
        graph.addNode(0, io.occlusion4j.onnx.proto.NodeProto.newBuilder().setOpType("Identity").setName("Identity_0")
                .addInput(weight).addOutput(weight + "_copy"));
        Path file = ModelFiles.write(dir, "identity-first.onnx", model.build().toByteArray());
        Tensor x = Tensor.of(ModelFiles.random(11, 3 * 32 * 28), new int[] {3, 32, 28});
        int[] w = {8, 8};
        SensitivityMap full = run(file, x, Incremental.OFF, w, w, Edge.CROP, Fill.constant(0), false);
        SensitivityMap inc = run(file, x, Incremental.ON, w, w, Edge.CROP, Fill.constant(0), false);
        assertThat(inc.stats().incremental().used()).as(inc.stats().incremental().reason()).isTrue();
        assertSame(full, inc);
    }

    @Test
    void autoStaysOffWhereItPredictsNoGain() {
        Model m = MODELS.get(0);
        Tensor x = Tensor.of(ModelFiles.random(4, size(m.shape())), m.shape());
        SensitivityMap auto = run(file(m), x, Incremental.AUTO, new int[] {4, 4}, new int[] {4, 4}, Edge.CROP,
                Fill.constant(0), false);
        IncrementalStats s = auto.stats().incremental();
        assertThat(s.predictedSpeedup()).isLessThan(2.0);
        assertThat(s.used()).isFalse();
        assertThat(s.reason()).contains("full sweep: predicted");
    }

    /** BlazeFace takes channels-last input and transposes it first; its batch is fixed at 1. */
    @ParameterizedTest(name = "blazeface steps [{0}] per-channel {1}")
    @org.junit.jupiter.params.provider.CsvSource({"'',false", "all,false", "3,true"})
    void channelsLastBlazeFace(String steps, boolean perChannel) {
        Path blaze = ModelsDir.find().resolve("blazeface_front_128.onnx");
        Tensor x = Tensor.of(ModelFiles.random(5, 3 * 128 * 128), 3, 128, 128);
        SensitivityMap[] maps = new SensitivityMap[2];
        for (int i = 0; i < 2; i++) {
            if (i == 1 && !steps.isEmpty()) {
                System.setProperty(IncrementalPlan.STEPS_PROPERTY, steps);
            }
            try (Occlusion occ = Occlusion.builder().model(blaze).window(16, 16).stride(12, 12).edge(Edge.SHIFT)
                    .fill(Fill.blur(2)).perChannel(perChannel).layout(io.occlusion4j.Layout.CHANNELS_LAST)
                    .incremental(i == 0 ? Incremental.OFF : Incremental.ON).batchSize(16).build()) {
                maps[i] = occ.explain(x);
            }
        }
        assertSame(maps[0], maps[1]);
    }

    /** A subset of the windows (what adaptive occlusion asks for): the incremental forward is told each slot's window. */
    @Test
    void windowSubsets() {
        Model m = MODELS.get(2);
        Tensor x = Tensor.of(ModelFiles.random(9, size(m.shape())), m.shape());
        int[] subset = {0, 3, 4, 17, 40, 41, 99, 168};
        SensitivityMap[] maps = new SensitivityMap[2];
        for (int i = 0; i < 2; i++) {
            try (Occlusion occ = Occlusion.builder().model(file(m)).window(8, 8).stride(4, 4).batchSize(3)
                    .incremental(i == 0 ? Incremental.OFF : Incremental.ON).build()) {
                maps[i] = occ.explain(x, subset);
            }
        }
        assertThat(maps[1].stats().incremental().used()).isTrue();
        float[] a = maps[0].gridMaps().data();
        float[] b = maps[1].gridMaps().data();
        double range = 0;
        double diff = 0;
        int scored = 0;
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(a[i])) {
                assertThat(b[i]).isNaN();
                continue;
            }
            scored++;
            range = Math.max(range, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertThat(scored).isEqualTo(subset.length);
        assertThat(range).isGreaterThan(0);
        assertThat(diff).isLessThanOrEqualTo(1e-4 * range);
    }

    /** Krypton's threshold: an approximation that reports itself, close to the exact map but not equal to it. */
    @Test
    void approximateCapsPatchesAndSaysSo() {
        Model m = MODELS.get(2);
        Tensor x = Tensor.of(ModelFiles.random(8, size(m.shape())), m.shape());
        int[] w = {8, 8};
        SensitivityMap exact = run(file(m), x, Incremental.OFF, w, w, Edge.CROP, Fill.constant(0), false);
        System.setProperty(IncrementalPlan.STEPS_PROPERTY, "all");
        SensitivityMap approx;
        try (Occlusion occ = Occlusion.builder().model(file(m)).window(w).stride(w).approximate(0.6).batchSize(16).build()) {
            approx = occ.explain(x);
        }
        IncrementalStats s = approx.stats().incremental();
        assertThat(s.used()).isTrue();
        assertThat(s.tau()).isEqualTo(0.6);
        assertThat(s.flopRatio()).isLessThan(1.0);
        double ssim = io.occlusion4j.metrics.MapSimilarity.ssim(exact.pixelMap(0), approx.pixelMap(0));
        System.out.printf("approximate tau 0.6: SSIM %.4f to the exact map, FLOP ratio %.3f%n", ssim, s.flopRatio());
        assertThat(ssim).isGreaterThan(0.0).isLessThan(1.0);
        assertThat(approx.gridMaps().data()).isNotEqualTo(exact.gridMaps().data());
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    static SensitivityMap run(Path model, Tensor x, Incremental mode, int[] window, int[] stride, Edge edge, Fill fill,
                              boolean perChannel) {
        try (Occlusion occ = Occlusion.builder().model(model).window(window).stride(stride).edge(edge).fill(fill)
                .perChannel(perChannel).allowGaps(true).incremental(mode).batchSize(16).build()) {
            return occ.explain(x);
        }
    }

    static void assertSame(SensitivityMap full, SensitivityMap inc) {
        float[] a = full.gridMaps().data();
        float[] b = inc.gridMaps().data();
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            lo = Math.min(lo, a[i]);
            hi = Math.max(hi, a[i]);
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        IncrementalStats s = inc.stats().incremental();
        System.out.printf("range %.4g max diff %.3g (%.2g of the range); %d steps, switch %s%n", hi - lo, maxDiff,
                maxDiff / (hi - lo), s.prefixLayers(), s.switchLayer());
        assertThat(s.used()).as(s.reason()).isTrue();
        assertThat(hi - lo).as("the map responds to the windows").isGreaterThan(0f);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4 * (hi - lo));
        assertThat(inc.targets()).isEqualTo(full.targets());
    }
}
