// The CUDA back end's incremental plan on the host device (and on a GPU where there is one) against the full sweep.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.cpu.incremental.IncrementalPlan;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.ZooModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --incremental on} on the CUDA back end's device loop ({@link IncrementalDevicePlan}: gathered contexts, one
 * lowered sub-plan per step, stitched activations, the suffix plan) gives the device's own full sweep's maps and the
 * CPU back end's (ONNX Runtime, full sweep): max |difference| within 1e-4 of each map's range, grid and pixel maps of
 * every target. Models: a small CNN, a VGG-like, a ResNet-50-like (bottlenecks, residual adds), a MobileNetV2-like
 * (depthwise and grouped convolutions), a DenseNet-like (channel concatenation, average pools), a 3-D CNN; each with
 * two window/stride settings, a different edge policy and fill, joint and per-channel windows, the cost model's switch
 * point and the deepest one ({@code all}). Run on the host device here; the GPU cases skip where no GPU is usable.
 */
class HostIncrementalParityTest {
    @TempDir
    static Path dir;

    record Model(String name, Supplier<byte[]> onnx, int[] shape) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Model> MODELS = List.of(
            new Model("smallCnn", () -> TestModels.smallCnn(3, 32, 28, 10, 5).onnx(), new int[] {3, 32, 28}),
            new Model("vgg16-like", () -> ZooModels.vgg16(32, 32, 10, 16, 6), new int[] {3, 32, 32}),
            new Model("resnet50-like", () -> ZooModels.resnet50(32, 32, 10, 16, 7), new int[] {3, 32, 32}),
            new Model("mobilenetv2-like", () -> ZooModels.mobileNetLike(32, 32, 10, 8), new int[] {3, 32, 32}),
            new Model("densenet-like", () -> ZooModels.denseNetLike(32, 32, 10, 9), new int[] {3, 32, 32}),
            new Model("cnn3d", () -> TestModels.cnn3d(2, 8, 16, 12, 5, 10).onnx(), new int[] {2, 8, 16, 12}));

    static final Map<String, Path> FILES = new ConcurrentHashMap<>();

    static Path file(Model m) {
        return FILES.computeIfAbsent(m.name(), k -> {
            try {
                return Files.write(dir.resolve(k + ".onnx"), m.onnx().get());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @AfterEach
    void clearSteps() {
        System.clearProperty(IncrementalPlan.STEPS_PROPERTY);
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Fill[] fills = {Fill.constant(0.3f), Fill.blur(1.5), Fill.mean(), Fill.noise(3, -1, 1), Fill.gaussianWindow(0.4)};
        Edge[] edges = {Edge.CROP, Edge.SHIFT, Edge.INSIDE};
        int i = 0;
        for (Model m : MODELS) {
            boolean volume = m.shape().length == 4;
            int[][] windows = volume ? new int[][] {{2, 4, 4}, {3, 5, 3}} : new int[][] {{6, 6}, {5, 7}};
            int[][] strides = volume ? new int[][] {{2, 4, 4}, {3, 4, 3}} : new int[][] {{6, 6}, {4, 5}};
            for (int s = 0; s < 2; s++) {
                out.add(Arguments.of("host", m, windows[s], strides[s], edges[i % 3], fills[i % fills.length], s == 1,
                        s == 0 ? "" : "all"));
                i++;
            }
        }
        // On a GPU (skipped where there is none): cuDNN's convolutions of the patches against its own full sweep.
        out.add(Arguments.of("gpu", MODELS.get(2), new int[] {6, 6}, new int[] {6, 6}, Edge.CROP, Fill.mean(), false, ""));
        out.add(Arguments.of("gpu", MODELS.get(3), new int[] {5, 7}, new int[] {4, 5}, Edge.SHIFT, Fill.blur(1.5), true,
                "all"));
        out.add(Arguments.of("gpu", MODELS.get(5), new int[] {3, 5, 3}, new int[] {3, 4, 3}, Edge.INSIDE,
                Fill.constant(0.3f), false, "all"));
        return out;
    }

    @ParameterizedTest(name = "{0} {1} window {2} stride {3} {4} {5} per-channel {6} steps [{7}]")
    @MethodSource("cases")
    void incrementalEqualsTheFullSweepAndTheCpu(String device, Model m, int[] window, int[] stride, Edge edge, Fill fill,
                                                boolean perChannel, String steps) {
        Tensor x = HostDeviceParityTest.random(m.shape(), m.name().hashCode());
        ExplainRequest full = request(m, x, window, stride, edge, fill, perChannel, Incremental.OFF);
        ExplainRequest inc = request(m, x, window, stride, edge, fill, perChannel, Incremental.ON);
        SensitivityMap cpu;
        try (OrtBackendSession ort = OrtBackendSession.open(file(m), 1)) {
            cpu = ort.explain(full);
        }
        try (CudaBackendSession cuda = CudaBackendSession.open(file(m), Precision.FP32, TestDevices.open(device))) {
            SensitivityMap sweep = cuda.explain(full);
            if (!steps.isEmpty()) {
                System.setProperty(IncrementalPlan.STEPS_PROPERTY, steps);
            }
            SensitivityMap incremental = cuda.explain(inc);
            IncrementalStats s = incremental.stats().incremental();
            assertThat(sweep.stats().incremental().used()).isFalse();
            assertThat(s.used()).as("incremental used: %s", s.reason()).isTrue();
            assertThat(s.prefixLayers()).isPositive();
            assertThat(s.measuredSpeedup()).as("measured against the full plan's forward").isPositive().isFinite();
            String what = m + " " + device + " switch " + s.switchLayer() + " (" + s.prefixLayers() + " steps)";
            double a = IncrementalMaps.maxRelativeDifference(incremental, sweep);
            double b = IncrementalMaps.maxRelativeDifference(incremental, cpu);
            System.out.printf("[incremental-parity] %s: vs device sweep %.2e, vs CPU %.2e of the map range (measured "
                    + "%.2fx, predicted %.2fx)%n", what, a, b, s.measuredSpeedup(), s.predictedSpeedup());
            assertThat(a).as("%s against the device's full sweep", what).isLessThanOrEqualTo(1e-4);
            assertThat(b).as("%s against the CPU back end", what).isLessThanOrEqualTo(1e-4);
        }
    }

    static ExplainRequest request(Model m, Tensor x, int[] window, int[] stride, Edge edge, Fill fill, boolean perChannel,
                                  Incremental mode) {
        Settings s = Occlusion.builder().window(window).stride(stride).edge(edge).fill(fill).perChannel(perChannel)
                .batchSize(7).normalize(new float[] {0.45f}, new float[] {0.25f}).targets(Targets.topK(2))
                .outputs(TestModels.OUTPUT).incremental(mode).settings();
        int[] spatial = java.util.Arrays.copyOfRange(m.shape(), 1, m.shape().length);
        return new ExplainRequest(x, s, WindowGrid.of(spatial, window, stride, edge, false));
    }
}
