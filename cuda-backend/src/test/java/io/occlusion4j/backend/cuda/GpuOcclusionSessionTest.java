// The GPU loop end to end with the cuBLAS linear scorer: closed-form map, graph capture, bytes moved.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.InputTransform;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.kernels.EdgePolicy;
import io.occlusion4j.kernels.GpuSupport;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.OcclusionKernels;
import io.occlusion4j.kernels.ScoreTransform;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Skipped, with the reason, where no GPU is usable. */
class GpuOcclusionSessionTest {
    private static CudaContext context;
    private static OcclusionKernels kernels;

    @BeforeAll
    static void open() {
        if (GpuSupport.unavailableReason() != null) {
            return;
        }
        context = GpuSupport.context();
        kernels = OcclusionKernels.load(context, GpuSupport.compiler());
    }

    @BeforeEach
    void requireGpu() {
        String reason = GpuSupport.unavailableReason();
        assumeTrue(reason == null, () -> "GPU session tests skipped: " + reason);
    }

    @AfterAll
    static void close() {
        if (kernels != null) {
            kernels.close();
            context.close();
        }
    }

    @Test
    void linearModelMapEqualsTheClosedFormAndBytesAreTheInputAndTheMapOnce() {
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
        InputTransform transform = new InputTransform(mean, std, Layout.CHANNELS_FIRST);
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
        // Closed form: delta_W[t] = sum_j W[t, j] * (base_j - variant_j), in double, over the reference's variants.
        VariantWriter writer = new VariantWriter(x, channels, grid, false, Fill.mean(), transform);
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
        KernelGeometry g = new KernelGeometry(channels, spatial, window, stride, EdgePolicy.CROP, false, false, false);
        GpuOcclusionSession session = new GpuOcclusionSession(context, kernels);
        int batch = 16;
        try (LinearScorer scorer = new LinearScorer(context, w, b, batch)) {
            for (boolean capture : new boolean[] {false, true}) {
                GpuOcclusionSession.Request request = new GpuOcclusionSession.Request(x, g, new FillSpec.ChannelMean(), mean, std,
                        ScoreTransform.RAW, false, batch, scores -> targets.clone(), capture);
                GpuOcclusionSession.Result result = session.explain(request, scorer);
                for (int t = 0; t < targets.length; t++) {
                    for (int win = 0; win < windows; win++) {
                        assertEquals(expectedGrid[t][win], result.gridMap()[t][win], 1e-5, "window " + win + " target " + t);
                    }
                    float[] expectedPixel = Reductions.pixelMap(expectedGrid[t], grid, 1);
                    for (int p = 0; p < expectedPixel.length; p++) {
                        assertEquals(expectedPixel[p], result.pixelMap()[t][p], 1e-5, "pixel " + p + " target " + t);
                    }
                }
                assertEquals(capture ? (windows + batch - 1) / batch : 0, result.graphsLaunched());
                long input = 4L * features + 8L * channels;
                long map = 4L * targets.length * (windows + size) + 4;
                long baseScores = 4L * (k + 1);
                assertEquals(input + 4L * targets.length, result.ledger().hostToDeviceBytes(), result.ledger().toString());
                assertEquals(map + baseScores, result.ledger().deviceToHostBytes(), result.ledger().toString());
                System.out.println("[gpu-session] capture=" + capture + " windows=" + windows + " batch=" + batch + " "
                        + result.ledger() + " seconds=" + result.seconds());
            }
        }
    }

    @Test
    void capturedBatchesGiveTheSameMapBitForBit() {
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
        KernelGeometry g = new KernelGeometry(channels, spatial, window, stride, EdgePolicy.SHIFT, true, false, true);
        GpuOcclusionSession session = new GpuOcclusionSession(context, kernels);
        try (LinearScorer scorer = new LinearScorer(context, w, new float[k], 8)) {
            float[][] maps = new float[2][];
            for (int i = 0; i < 2; i++) {
                GpuOcclusionSession.Result r = session.explain(new GpuOcclusionSession.Request(x, g, new FillSpec.Blur(1.1),
                        new float[] {0.1f, 0.2f}, new float[] {0.5f, 2f}, ScoreTransform.SOFTMAX, false, 8,
                        scores -> new int[] {0}, i == 1), scorer);
                maps[i] = r.pixelMap()[0];
            }
            assertThat(maps[1]).containsExactly(maps[0]);
        }
    }
}
