// The device loop with a linear scorer: the closed-form map, captured batches, bytes moved; on the host and a GPU.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.InputTransform;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.VariantWriter;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GpuOcclusionSession} over {@link LinearScorer}: a linear model's map is {@code sum_j W[t, j] (base_j -
 * variant_j)}, computed here in double over the engine's own variants. The host device runs the same operations in
 * order on the CPU, so this runs everywhere; the GPU case is skipped, naming why, without a GPU.
 */
class DeviceLoopClosedFormTest {
    private static final GpuOcclusionSession.Runner RUNNER = new GpuOcclusionSession.Runner("linear", "cuda", "test", false, "");

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.occlusion4j.backend.cuda.TestDevices#both")
    void linearModelMapEqualsTheClosedFormAndBytesAreTheInputAndTheMapOnce(String kind) {
        Random rnd = new Random(7);
        int channels = 3;
        int[] spatial = {23, 31};
        int[] window = {5, 7};
        int[] stride = {3, 4};
        WindowGrid grid = WindowGrid.of(spatial, window, stride, Edge.CROP, false);
        int size = spatial[0] * spatial[1];
        float[] x = new float[channels * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        int k = 10;
        int features = channels * size;
        float[] w = new float[k * features];
        float[] b = new float[k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (rnd.nextFloat() - 0.5f) * 0.02f;
        }
        for (int i = 0; i < k; i++) {
            b[i] = rnd.nextFloat();
        }
        VariantWriter writer = new VariantWriter(x, channels, grid, false, Fill.mean(), new InputTransform(mean, std,
                Layout.CHANNELS_FIRST));
        int windows = writer.count();
        int[] targets = {2, 7};
        float[][] expectedGrid = new float[targets.length][windows];
        FloatBuffer variant = FloatBuffer.allocate(features);
        float[] base = writer.normalizedBase();
        for (int win = 0; win < windows; win++) {
            writer.writeBase(variant, 0);
            writer.occlude(variant, 0, win);
            for (int t = 0; t < targets.length; t++) {
                double delta = 0;
                for (int j = 0; j < features; j++) {
                    delta += (double) w[targets[t] * features + j] * (base[j] - variant.get(j));
                }
                expectedGrid[t][win] = (float) delta;
            }
        }
        Settings settings = Occlusion.builder().window(window).stride(stride).fill(Fill.mean()).normalize(mean, std)
                .targets(Targets.of(targets)).outputs("y").settings();
        ExplainRequest r = new ExplainRequest(Tensor.of(x, channels, spatial[0], spatial[1]), settings, grid);
        int batch = 16;
        try (Device device = TestDevices.open(kind); LinearScorer scorer = new LinearScorer(device, w, b, batch)) {
            GpuOcclusionSession session = new GpuOcclusionSession(device);
            for (boolean capture : new boolean[] {false, true}) {
                TransferLedger ledger = new TransferLedger();
                SensitivityMap map = session.explain(r, KernelTerms.geometry(r, false), scorer, batch, capture, ledger, RUNNER);
                for (int t = 0; t < targets.length; t++) {
                    float[] gridMap = map.gridMap(t).data();
                    for (int win = 0; win < windows; win++) {
                        assertEquals(expectedGrid[t][win], gridMap[win], 1e-5, kind + " window " + win + " target " + t);
                    }
                    float[] expectedPixel = Reductions.pixelMap(expectedGrid[t], grid, 1);
                    float[] pixel = map.pixelMap(t).data();
                    for (int p = 0; p < expectedPixel.length; p++) {
                        assertEquals(expectedPixel[p], pixel[p], 1e-5, kind + " pixel " + p + " target " + t);
                    }
                }
                assertThat(map.stats().forwards()).isEqualTo(1 + (windows + batch - 1) / batch);
                long input = 4L * features + 8L * channels;
                long maps = 4L * targets.length * (windows + size) + 4;
                long baseScores = 4L * (k + 1);
                assertEquals(input + 4L * targets.length, ledger.hostToDeviceBytes(), ledger.toString());
                assertEquals(maps + baseScores, ledger.deviceToHostBytes(), ledger.toString());
                System.out.println("[device-loop] " + kind + " capture=" + capture + " windows=" + windows + " batch=" + batch
                        + " " + ledger);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.occlusion4j.backend.cuda.TestDevices#both")
    void capturedBatchesGiveTheSameMapBitForBit(String kind) {
        Random rnd = new Random(11);
        int channels = 2;
        int[] spatial = {5, 9, 11};
        int[] window = {2, 4, 3};
        int[] stride = {2, 3, 2};
        float[] x = new float[channels * 5 * 9 * 11];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        int k = 6;
        float[] w = new float[k * x.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextFloat() - 0.5f;
        }
        Settings settings = Occlusion.builder().window(window).stride(stride).edge(Edge.SHIFT).perChannel(true)
                .fill(Fill.blur(1.1)).normalize(new float[] {0.1f, 0.2f}, new float[] {0.5f, 2f}).score(Score.SOFTMAX)
                .layout(Layout.CHANNELS_LAST).targets(Targets.of(0)).outputs("y").settings();
        ExplainRequest r = new ExplainRequest(Tensor.of(x, channels, 5, 9, 11), settings,
                WindowGrid.of(spatial, window, stride, Edge.SHIFT, false));
        try (Device device = TestDevices.open(kind); LinearScorer scorer = new LinearScorer(device, w, new float[k], 8)) {
            GpuOcclusionSession session = new GpuOcclusionSession(device);
            float[][] maps = new float[2][];
            for (int i = 0; i < 2; i++) {
                maps[i] = session.explain(r, KernelTerms.geometry(r, false), scorer, 8, i == 1, new TransferLedger(), RUNNER)
                        .pixelMap(0).data();
            }
            assertThat(maps[1]).containsExactly(maps[0]);
        }
    }
}
