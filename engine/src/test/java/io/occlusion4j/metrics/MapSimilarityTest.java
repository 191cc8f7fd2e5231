package io.occlusion4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.occlusion4j.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MapSimilarityTest {

    static Tensor random(long seed, int h, int w) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble();
        }
        return Tensor.of(v, h, w);
    }

    @Test
    void identicalMapsHaveSsimOneAndAffineRescalingDoesNotMatter() {
        Tensor a = random(1, 20, 17);
        assertThat(MapSimilarity.ssim(a, a)).isCloseTo(1.0, offset(1e-12));
        float[] scaled = a.data().clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = 5 * scaled[i] - 2;
        }
        assertThat(MapSimilarity.ssim(a, Tensor.of(scaled, 20, 17))).isCloseTo(1.0, offset(1e-9));
    }

    @Test
    void ssimEqualsADirectNonSeparableComputation() {
        Tensor a = random(2, 14, 16);
        Tensor b = random(3, 14, 16);
        double[] x = MapSimilarity.normalise(a.data(), "a");
        double[] y = MapSimilarity.normalise(b.data(), "b");
        double[] k = MapSimilarity.gaussian(11, 1.5);
        double sum = 0;
        int n = 0;
        for (int i = 0; i + 11 <= 14; i++) {
            for (int j = 0; j + 11 <= 16; j++) {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int u = 0; u < 11; u++) {
                    for (int v = 0; v < 11; v++) {
                        double wt = k[u] * k[v];
                        int p = (i + u) * 16 + j + v;
                        mx += wt * x[p];
                        my += wt * y[p];
                        sxx += wt * x[p] * x[p];
                        syy += wt * y[p] * y[p];
                        sxy += wt * x[p] * y[p];
                    }
                }
                double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
                double c1 = 1e-4, c2 = 9e-4;
                sum += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                n++;
            }
        }
        assertThat(n).isEqualTo(4 * 6);
        assertThat(MapSimilarity.ssim(a, b)).isCloseTo(sum / n, offset(1e-12));
    }

    @Test
    void ssimOfTwoConstantMapsIsOneAndOfAnInvertedMapIsLow() {
        assertThat(MapSimilarity.ssim(Tensor.of(new float[121], 11, 11), Tensor.of(new float[121], 11, 11))).isEqualTo(1.0);
        Tensor a = random(4, 16, 16);
        float[] inv = a.data().clone();
        for (int i = 0; i < inv.length; i++) {
            inv[i] = -inv[i];
        }
        assertThat(MapSimilarity.ssim(a, Tensor.of(inv, 16, 16))).isLessThan(0);
    }

    @Test
    void spearmanOnHandCases() {
        assertThat(MapSimilarity.spearman(new float[] {1, 2, 3, 4}, new float[] {10, 20, 30, 40})).isCloseTo(1.0, offset(1e-12));
        assertThat(MapSimilarity.spearman(new float[] {1, 2, 3, 4}, new float[] {4, 3, 2, 1})).isCloseTo(-1.0, offset(1e-12));
        // Monotone but non-linear: still 1.
        assertThat(MapSimilarity.spearman(new float[] {1, 2, 3, 4}, new float[] {1, 8, 27, 64})).isCloseTo(1.0, offset(1e-12));
        // Ties: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5).
        assertThat(MapSimilarity.spearman(new float[] {1, 2, 2, 3}, new float[] {1, 2, 3, 4}))
                .isCloseTo(4.5 / Math.sqrt(22.5), offset(1e-12));
        assertThat(MapSimilarity.ranks(new float[] {5, 1, 5, 5, 0}, "x")).containsExactly(4, 2, 4, 4, 1);
        assertThat(MapSimilarity.spearman(new float[] {1, 1, 1}, new float[] {1, 2, 3})).isZero();
    }

    @Test
    void badInputsAreNamed() {
        assertThatThrownBy(() -> MapSimilarity.ssim(Tensor.zeros(3, 4), Tensor.zeros(4, 3))).hasMessageContaining("different shapes");
        assertThatThrownBy(() -> MapSimilarity.spearman(new float[] {1, Float.NaN}, new float[] {1, 2})).hasMessageContaining("non-finite");
    }

    @Test
    void maxDifferenceOverRangeDividesByTheReferencesRangeAndNotTheMaps() {
        float[] reference = {0, 2, 4};
        assertThat(MapSimilarity.maxDifferenceOverRange(new float[] {0, 3, 4}, reference)).isEqualTo(0.25);
        assertThat(MapSimilarity.maxDifferenceOverRange(new float[] {0, 3, 40}, reference)).isEqualTo(9.0);
        assertThat(MapSimilarity.maxDifferenceOverRange(new float[] {1, 1}, new float[] {1, 1.5f})).isEqualTo(1.0);
        assertThat(MapSimilarity.maxDifferenceOverRange(new float[] {2, 2}, new float[] {1, 1})).as("flat reference")
                .isEqualTo(1.0);
        assertThatThrownBy(() -> MapSimilarity.maxDifferenceOverRange(new float[2], new float[3]))
                .hasMessageContaining("differ in size");
    }
}
