package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.render.InteractionPlot;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An 8x8 input, window 2 stride 2 (16 windows). Region A is window (1,1), region B window (2,3). The model
 * combines their means a and b with min (AND: the score needs both) or max (OR: either suffices).
 */
class InteractionsTest {
    @TempDir
    Path dir;

    static final int A = 1 * 4 + 1;
    static final int B = 2 * 4 + 3;

    static boolean[] mask(int window) {
        boolean[] m = new boolean[64];
        int gy = window / 4;
        int gx = window % 4;
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                m[(gy * 2 + y) * 8 + gx * 2 + x] = true;
            }
        }
        return m;
    }

    static Tensor input() {
        float[] x = new float[64];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < 64; i++) {
            x[i] = (float) r.nextDouble();
        }
        boolean[] a = mask(A);
        boolean[] b = mask(B);
        for (int i = 0; i < 64; i++) {
            if (a[i] || b[i]) {
                x[i] = 1f;
            }
        }
        return Tensor.of(x, 1, 8, 8);
    }

    @Test
    void anAndOfTwoRegionsHasALargeInteractionForThatPairOnly() {
        Path model = HandModels.twoRegions(dir.resolve("and.onnx"), 8, 8, mask(A), mask(B), "ReduceMin", 0f);
        try (Occlusion occ = Occlusion.builder().model(model).window(2, 2).stride(2, 2).fill(Fill.constant(0f)).build()) {
            Tensor x = input();
            SensitivityMap map = occ.explain(x);
            Interactions.Result r = Interactions.compute(occ, x, map, 0, 4, Fill.constant(0f));
            assertThat(r.k()).isEqualTo(4);
            assertThat(r.windows()[0]).isEqualTo(A);
            assertThat(r.windows()[1]).isEqualTo(B);
            assertThat(r.baseScore()).isCloseTo(1.0, offset(1e-6));
            assertThat(r.deltas()[0]).isCloseTo(1.0, offset(1e-6));
            assertThat(r.deltas()[1]).isCloseTo(1.0, offset(1e-6));
            // Both occluded: the score is 0, delta 1, so I = 1 - 1 - 1 = -1.
            assertThat(r.pairDeltas()[0][1]).isCloseTo(1.0, offset(1e-6));
            assertThat(r.interaction()[0][1]).isCloseTo(-1.0, offset(1e-6));
            assertThat(r.interaction()[1][0]).isCloseTo(-1.0, offset(1e-6));
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    if (!(i + j == 1 && i != j)) {
                        assertThat(Math.abs(r.interaction()[i][j])).as("I[%d][%d]", i, j).isLessThan(1e-6);
                    }
                }
            }
            // k runs: 1 + 3 + 2 + 1 variants plus 4 unoccluded samples.
            assertThat(r.samples()).isEqualTo(4 + 3 + 2 + 1 + 4);
            assertThat(r.toJson()).contains("\"interaction\"").contains("\"rank\": 1, \"position\": " + A).contains("-1.00000000");

            BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            BufferedImage plot = InteractionPlot.render(image, 8, 8, r.starts(), r.extents(), r.interaction(), "AND");
            assertThat(plot.getWidth()).isGreaterThan(2 * InteractionPlot.SIDE);
            // Cell (0, 1) of the matrix holds -1, the bottom of the range: dark blue.
            int cell = InteractionPlot.SIDE / 4;
            int matX = plot.getWidth() - 8 - 4 * cell;
            int matY = 8 + 14 + 8 + 14 + 8;
            int rgb = plot.getRGB(matX + cell + 2, matY + 2) & 0xFFFFFF;
            assertThat(rgb & 0xFF).isGreaterThan((rgb >> 16) & 0xFF);
        }
    }

    @Test
    void anOrOfTwoRegionsMattersOnlyJointly() {
        // score = max(a, b) + 0.1 (a + b): each alone drops it by 0.1, both by 1.2, so I = 1.0.
        Path model = HandModels.twoRegions(dir.resolve("or.onnx"), 8, 8, mask(A), mask(B), "ReduceMax", 0.1f);
        try (Occlusion occ = Occlusion.builder().model(model).window(2, 2).stride(2, 2).build()) {
            Tensor x = input();
            SensitivityMap map = occ.explain(x);
            Interactions.Result r = Interactions.compute(occ, x, map, 0, 3, Fill.constant(0f));
            assertThat(r.windows()).startsWith(A, B);
            assertThat(r.deltas()[0]).isCloseTo(0.1, offset(1e-6));
            assertThat(r.interaction()[0][1]).isCloseTo(1.0, offset(1e-6));
            assertThat(Math.abs(r.interaction()[0][2])).isLessThan(1e-6);
            assertThat(Math.abs(r.interaction()[1][2])).isLessThan(1e-6);
        }
    }

    @Test
    void topWindowsSkipOverlapsAndBadArgumentsAreRefused() {
        Path model = HandModels.twoRegions(dir.resolve("and2.onnx"), 8, 8, mask(A), mask(B), "ReduceMin", 0f);
        try (Occlusion occ = Occlusion.builder().model(model).window(4, 4).stride(2, 2).build()) {
            Tensor x = input();
            SensitivityMap map = occ.explain(x);
            int[] disjoint = Interactions.topWindows(map, 0, 9, true);
            // 4x4 windows at stride 2 on 8x8: at most 4 disjoint ones fit.
            assertThat(disjoint.length).isLessThanOrEqualTo(4);
            assertThat(Interactions.topWindows(map, 0, 9, false)).hasSize(9);
            assertThatThrownBy(() -> Interactions.compute(occ, x, map, 0, new int[] {1}, Fill.constant(0f))).hasMessageContaining("at least 2");
            try (Occlusion other = occ.with(b -> b.window(2, 2))) {
                assertThatThrownBy(() -> Interactions.compute(other, x, map, 0, new int[] {1, 2}, Fill.constant(0f)))
                        .hasMessageContaining("is not the map's grid");
            }
            assertThatThrownBy(() -> Interactions.compute(occ, x, map, 0, new int[] {1, 2}, Fill.gaussianWindow()))
                    .hasMessageContaining("does not depend on the window");
        }
    }
}
