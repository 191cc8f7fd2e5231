package io.occlusion4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.core.FillValues;
import io.occlusion4j.explore.HandModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-computable curves: the model's score is the mean of a 1x2x2 input, so removing elements in map
 * order gives a score known at every step.
 */
class FaithfulnessTest {
    @TempDir
    Path dir;

    static final Tensor X = Tensor.of(new float[] {0.4f, 0.3f, 0.2f, 0.1f}, 1, 2, 2);

    private Occlusion meanModel() {
        Path file = HandModels.linear(dir.resolve("mean.onnx"), 1, 2, 2, new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 1);
        return Occlusion.builder().model(file).window(1, 1).build();
    }

    @Test
    void deletionAucOfAPerfectAndAReversedMap() {
        try (Occlusion occ = meanModel()) {
            // Map = the input: elements go in the order 0.4, 0.3, 0.2, 0.1. Scores 0.25, 0.15, 0.075, 0.025, 0.
            Faithfulness.Curve good = Faithfulness.deletion(occ, X, Tensor.of(X.data().clone(), 2, 2), 0, Fill.constant(0f), 4);
            assertThat(good.fractions()).containsExactly(0, 0.25, 0.5, 0.75, 1);
            assertThat(good.scores()).containsExactly(new double[] {0.25, 0.15, 0.075, 0.025, 0}, offset(1e-7));
            assertThat(good.auc()).isCloseTo(0.09375, offset(1e-7));
            // Reversed map: scores 0.25, 0.225, 0.175, 0.1, 0 -> AUC 0.15625 (worse: higher).
            Tensor reversed = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            assertThat(Faithfulness.deletionAuc(occ, X, reversed, 0, Fill.constant(0f), 4)).isCloseTo(0.15625, offset(1e-7));
        }
    }

    @Test
    void deletionWithAConstantFillAndUnevenSteps() {
        try (Occlusion occ = meanModel()) {
            // Fill 0.5; steps 3 over 4 elements change 0, 1, 3, 4 elements (round(k * 4 / 3)).
            Faithfulness.Curve c = Faithfulness.deletion(occ, X, Tensor.of(X.data().clone(), 2, 2), 0, Fill.constant(0.5f), 3);
            assertThat(c.fractions()).containsExactly(0, 0.25, 0.75, 1);
            double s0 = 0.25;
            double s1 = (0.5 + 0.3 + 0.2 + 0.1) / 4;
            double s2 = (0.5 + 0.5 + 0.5 + 0.1) / 4;
            double s3 = 0.5;
            assertThat(c.scores()).containsExactly(new double[] {s0, s1, s2, s3}, offset(1e-7));
            double auc = 0.25 * (s0 + s1) / 2 + 0.5 * (s1 + s2) / 2 + 0.25 * (s2 + s3) / 2;
            assertThat(c.auc()).isCloseTo(auc, offset(1e-7));
        }
    }

    @Test
    void insertionFromAGivenStartAndFromTheBlurredInput() {
        try (Occlusion occ = meanModel()) {
            Tensor map = Tensor.of(X.data().clone(), 2, 2);
            Faithfulness.Curve c = Faithfulness.insertion(occ, X, map, 0, Tensor.zeros(1, 2, 2), 4);
            assertThat(c.scores()).containsExactly(new double[] {0, 0.1, 0.175, 0.225, 0.25}, offset(1e-7));
            assertThat(c.auc()).isCloseTo(0.15625, offset(1e-7));
            // The default start is the input blurred as Fill.blur does; the curve ends at the input's score.
            Faithfulness.Curve b = Faithfulness.insertion(occ, X, map, 0, 5.0, 2);
            float[] blurred = FillValues.blur(X.data(), 1, new int[] {2, 2}, 5.0);
            double start = (blurred[0] + blurred[1] + blurred[2] + blurred[3]) / 4.0;
            double mid = (0.4 + 0.3 + blurred[2] + blurred[3]) / 4.0;
            assertThat(b.scores()).containsExactly(new double[] {start, mid, 0.25}, offset(1e-6));
        }
    }

    @Test
    void tiesAreBrokenByIndexAndBadInputsAreNamed() {
        assertThat(Faithfulness.order(new float[] {1, 3, 3, 2})).containsExactly(1, 2, 3, 0);
        try (Occlusion occ = meanModel()) {
            assertThatThrownBy(() -> Faithfulness.deletion(occ, X, Tensor.zeros(3, 3), 0, Fill.constant(0f), 4))
                    .hasMessageContaining("fits neither");
            assertThatThrownBy(() -> Faithfulness.deletion(occ, X, Tensor.zeros(2, 2), 0, Fill.gaussianWindow(), 4))
                    .hasMessageContaining("does not depend on the window");
            assertThatThrownBy(() -> Faithfulness.deletion(occ, X, Tensor.zeros(2, 2), 3, Fill.constant(0f), 4))
                    .hasMessageContaining("out of range");
        }
    }

    @Test
    void pointingGame() {
        float[] m = new float[16];
        m[1 * 4 + 2] = 5f;
        Tensor map = Tensor.of(m, 4, 4);
        Faithfulness.Pointing hit = Faithfulness.pointingGame(map, new int[] {0, 2}, new int[] {2, 3}, 0);
        assertThat(hit.hit()).isTrue();
        assertThat(hit.peak()).containsExactly(1, 2);
        assertThat(hit.peaks()).isEqualTo(1);
        assertThat(Faithfulness.pointingGame(map, new int[] {2, 0}, new int[] {4, 2}, 0).hit()).isFalse();
        // Grown by one element, the box [2,4)x[0,2) -> [1,5)x[-1,3) takes in (1, 2).
        assertThat(Faithfulness.pointingGame(map, new int[] {2, 0}, new int[] {4, 2}, 1).hit()).isTrue();
        // A tie: one of two peaks inside is a hit.
        m[3 * 4 + 3] = 5f;
        Faithfulness.Pointing tie = Faithfulness.pointingGame(Tensor.of(m, 4, 4), new int[] {3, 3}, new int[] {4, 4}, 0);
        assertThat(tie.hit()).isTrue();
        assertThat(tie.peaks()).isEqualTo(2);
        assertThat(tie.peaksInside()).isEqualTo(1);
        assertThatThrownBy(() -> Faithfulness.pointingGame(map, new int[] {0}, new int[] {1}, 0)).hasMessageContaining("coordinates");
    }
}
