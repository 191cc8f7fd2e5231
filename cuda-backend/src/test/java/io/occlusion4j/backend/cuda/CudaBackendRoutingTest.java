// Which requests the CUDA back end runs on the device (zero copy) and which take the host loop: no GPU needed.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Settings;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.OcclusionKernels;
import java.util.List;
import org.junit.jupiter.api.Test;

class CudaBackendRoutingTest {

    private static ExplainRequest request(int[] spatial, int[] window, int[] stride, Edge edge, Fill fill, Layout layout,
                                          boolean perChannel, Score score, Reduce reduce, List<String> outputs) {
        int channels = 3;
        int size = 1;
        for (int d : spatial) {
            size *= d;
        }
        int[] shape = new int[spatial.length + 1];
        shape[0] = channels;
        System.arraycopy(spatial, 0, shape, 1, spatial.length);
        WindowGrid grid = WindowGrid.of(spatial, window, stride, edge, true);
        Settings settings = Occlusion.builder().window(window).stride(stride).edge(edge).allowGaps(true).fill(fill)
                .layout(layout).perChannel(perChannel).score(score).reduce(reduce).outputs(outputs.toArray(String[]::new))
                .settings();
        return new ExplainRequest(Tensor.zeros(shape), settings, grid);
    }

    private static ExplainRequest simple(Fill fill) {
        return request(new int[] {12, 10}, new int[] {4, 3}, new int[] {2, 2}, Edge.CROP, fill, Layout.CHANNELS_FIRST, false,
                Score.RAW, Reduce.NONE, List.of("logits"));
    }

    @Test
    void everyFillEdgeLayoutScoreAndReduceOfOneOutputRunsOnTheDevice() {
        Fill[] fills = {Fill.constant(0), Fill.constantPerChannel(0.1f, 0.2f, 0.3f), Fill.mean(), Fill.blur(1.5),
                Fill.noise(7, -1, 1), Fill.baseline(Tensor.zeros(3, 12, 10)), Fill.gaussianWindow()};
        for (Fill fill : fills) {
            for (Edge edge : Edge.values()) {
                for (Layout layout : Layout.values()) {
                    for (boolean perChannel : new boolean[] {false, true}) {
                        for (Score score : Score.values()) {
                            for (Reduce reduce : Reduce.values()) {
                                ExplainRequest r = request(new int[] {12, 10}, new int[] {5, 3}, new int[] {3, 4}, edge, fill,
                                        layout, perChannel, score, reduce, List.of("logits"));
                                assertThat(CudaBackendSession.zeroCopyUnsupported(r)).as(fill + " " + edge + " " + layout + " "
                                        + perChannel + " " + score + " " + reduce).isNull();
                            }
                        }
                    }
                }
            }
        }
        // 3-D (volumes, video clips) too.
        assertThat(CudaBackendSession.zeroCopyUnsupported(request(new int[] {4, 9, 9}, new int[] {2, 3, 3}, new int[] {2, 3, 3},
                Edge.SHIFT, Fill.mean(), Layout.CHANNELS_LAST, true, Score.SOFTMAX, Reduce.NONE, List.of("y")))).isNull();
    }

    @Test
    void aWindowSubsetSeveralOutputsAndOtherRanksTakeTheHostLoopWithAReason() {
        assertThat(CudaBackendSession.zeroCopyUnsupported(simple(Fill.constant(0)).withWindows(new int[] {0, 3})))
                .contains("window subset");
        assertThat(CudaBackendSession.zeroCopyUnsupported(request(new int[] {12, 10}, new int[] {4, 3}, new int[] {2, 2},
                Edge.CROP, Fill.constant(0), Layout.CHANNELS_FIRST, false, Score.SIGMOID, Reduce.MAX, List.of("a", "b"))))
                .contains("2 selected outputs");
        assertThat(CudaBackendSession.zeroCopyUnsupported(request(new int[] {40}, new int[] {4}, new int[] {2},
                Edge.CROP, Fill.constant(0), Layout.CHANNELS_FIRST, false, Score.RAW, Reduce.NONE, List.of("y"))))
                .contains("1 spatial axes");
        assertThat(CudaBackendSession.zeroCopyUnsupported(request(new int[] {3, 4, 5, 6}, new int[] {1, 2, 2, 2},
                new int[] {1, 2, 2, 2}, Edge.CROP, Fill.constant(0), Layout.CHANNELS_FIRST, false, Score.RAW, Reduce.NONE,
                List.of("y")))).contains("4 spatial axes");
    }

    @Test
    void theDevicePathCanBeSwitchedOff() {
        String key = "occlusion4j.cuda.zeroCopy";
        String before = System.getProperty(key);
        try {
            System.setProperty(key, "false");
            assertThat(CudaBackendSession.zeroCopyUnsupported(simple(Fill.constant(0)))).contains("switched off");
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
        assertThat(CudaBackendSession.zeroCopyUnsupported(simple(Fill.constant(0)))).isNull();
    }

    @Test
    void theKernelGeometryNumbersWindowsAsTheEngineGridDoes() {
        for (Edge edge : Edge.values()) {
            ExplainRequest r = request(new int[] {13, 11}, new int[] {4, 3}, new int[] {5, 2}, edge, Fill.constant(0),
                    Layout.CHANNELS_LAST, true, Score.RAW, Reduce.NONE, List.of("y"));
            KernelGeometry g = KernelTerms.geometry(r, false);
            assertArrayEquals(r.grid().gridShape(), g.gridShape(), edge.name());
            assertEquals(r.windowCount(), g.windowCount());
            assertThat(g.channelsLast()).isTrue();
            assertThat(g.halfOutput()).as("an fp32 input slot takes fp32 variants").isFalse();
            KernelGeometry half = KernelTerms.geometry(r, true);
            assertThat(half.halfOutput()).as("an fp16 NHWC input slot takes fp16 variants").isTrue();
            assertThat(half.channelsLast()).isTrue();
            assertThat(half.gridShape()).containsExactly(g.gridShape());
            for (int i = 0; i < g.gridShape()[0]; i++) {
                assertEquals(r.grid().start(0, i), g.axisWindow(0, i)[0]);
                assertEquals(r.grid().extent(0, i), g.axisWindow(0, i)[1]);
            }
        }
    }

    @Test
    void edgesAndScoresMapOntoTheKernelsCodes() {
        assertThat(KernelTerms.edge(Edge.CROP)).isEqualTo(KernelGeometry.EDGE_CROP);
        assertThat(KernelTerms.edge(Edge.INSIDE)).isEqualTo(KernelGeometry.EDGE_INSIDE);
        assertThat(KernelTerms.edge(Edge.SHIFT)).isEqualTo(KernelGeometry.EDGE_SHIFT);
        assertThat(KernelTerms.score(Score.RAW)).isEqualTo(OcclusionKernels.SCORE_RAW);
        assertThat(KernelTerms.score(Score.SOFTMAX)).isEqualTo(OcclusionKernels.SCORE_SOFTMAX);
        assertThat(KernelTerms.score(Score.SIGMOID)).isEqualTo(OcclusionKernels.SCORE_SIGMOID);
    }
}
