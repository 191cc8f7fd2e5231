package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.core.FillValues;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * On a linear model the map has a closed form: the drop for target t at window W is
 * {@code sum over e in W of w[e,t] * (x[e] - fill[e])}. Grid and pixel maps must equal it to 1e-6.
 */
class LinearExactnessTest {
    @TempDir
    static Path dir;

    record Case(String name, int channels, int[] spatial, int[] window, int[] stride) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("2-D non-square, overlapping", 3, new int[] {13, 9}, new int[] {4, 3}, new int[] {3, 2}),
                new Case("2-D windows touching the edges", 2, new int[] {10, 10}, new int[] {5, 5}, new int[] {5, 5}),
                new Case("2-D cropped last windows", 3, new int[] {11, 7}, new int[] {4, 4}, new int[] {4, 4}),
                new Case("2-D stride 1", 1, new int[] {6, 8}, new int[] {3, 2}, new int[] {1, 1}),
                new Case("3-D", 2, new int[] {5, 6, 7}, new int[] {2, 3, 4}, new int[] {1, 2, 3}),
                new Case("3-D whole-axis window", 1, new int[] {4, 5, 3}, new int[] {4, 2, 3}, new int[] {1, 2, 1}));
    }

    static List<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases()) {
            for (Edge e : Edge.values()) {
                for (boolean perChannel : new boolean[] {false, true}) {
                    out.add(Arguments.of(c, e, perChannel));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, {1}, per channel {2}")
    @MethodSource("matrix")
    void mapsEqualTheClosedForm(Case c, Edge edge, boolean perChannel) {
        int classes = 4;
        TestModels.LinearModel model = TestModels.linear(c.channels(), c.spatial(), classes, 17);
        Path file = ModelFiles.write(dir, "linear-" + Math.abs(c.hashCode()) + ".onnx", model.onnx());
        int size = FillValues.spatialSize(c.spatial());
        float[] x = ModelFiles.random(5, c.channels() * size);
        int[] shape = new int[c.spatial().length + 1];
        shape[0] = c.channels();
        System.arraycopy(c.spatial(), 0, shape, 1, c.spatial().length);
        Fill fill = Fill.constant(0.3f);
        try (Occlusion occ = Occlusion.builder().model(file).window(c.window()).stride(c.stride()).edge(edge)
                .perChannel(perChannel).fill(fill).targets(Targets.topK(3)).batchSize(5).build()) {
            SensitivityMap map = occ.explain(Tensor.of(x, shape));
            WindowGrid grid = WindowGrid.of(c.spatial(), c.window(), c.stride(), edge, false);
            assertThat(map.gridShape()).isEqualTo(perChannel ? prepend(c.channels(), grid.gridShape()) : grid.gridShape());
            double[] base = model.expected(x);
            int windows = perChannel ? c.channels() * grid.count() : grid.count();
            int[] targets = map.targets();
            assertThat(targets).hasSize(3);
            for (int t = 0; t < targets.length; t++) {
                assertThat(map.baseScores()[t]).isCloseTo((float) base[targets[t]], Offset.offset(1e-5f));
                float[] expectedGrid = new float[windows];
                for (int w = 0; w < windows; w++) {
                    float[] occluded = io.occlusion4j.NaiveOcclusion.occluded(x, c.channels(), grid, perChannel, fill, w);
                    double delta = 0;
                    for (int e = 0; e < x.length; e++) {
                        delta += model.weight(e, targets[t]) * ((double) x[e] - occluded[e]);
                    }
                    expectedGrid[w] = (float) delta;
                }
                float[] gridMap = map.gridMap(t).data();
                for (int w = 0; w < windows; w++) {
                    assertThat(gridMap[w]).as("grid map, target %d, window %d", targets[t], w)
                            .isCloseTo(expectedGrid[w], Offset.offset(1e-6f));
                }
                float[] expectedPixel = NaiveOcclusion.pixelMap(expectedGrid, grid, perChannel ? c.channels() : 1);
                float[] pixel = map.pixelMap(t).data();
                assertThat(pixel).hasSize(expectedPixel.length);
                for (int p = 0; p < pixel.length; p++) {
                    assertThat(pixel[p]).as("pixel map, target %d, element %d", targets[t], p)
                            .isCloseTo(expectedPixel[p], Offset.offset(1e-6f));
                }
            }
            assertThat(map.stats().windows()).isEqualTo(windows);
            assertThat(map.stats().forwards()).isEqualTo((windows + 1 + 4) / 5);
        }
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
