package io.occlusion4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class AgreementTest {
    @Test
    void identicalMapsAgreePerfectly() {
        float[] a = {0, 1, 2, 3};
        BaselineComparison.Agreement g = BaselineComparison.Agreement.of(a, a.clone());
        assertThat(g.pearson()).isCloseTo(1.0, Offset.offset(1e-12));
        assertThat(g.maxAbsDiffOverRange()).isZero();
    }

    @Test
    void differencesAreRelativeToTheBaselineRange() {
        BaselineComparison.Agreement g = BaselineComparison.Agreement.of(new float[] {0, 1, 2, 4.5f}, new float[] {0, 1, 2, 4});
        assertThat(g.maxAbsDiffOverRange()).isCloseTo(0.125, Offset.offset(1e-9));
        assertThat(BaselineComparison.Agreement.of(new float[] {3, 2, 1}, new float[] {1, 2, 3}).pearson())
                .isCloseTo(-1.0, Offset.offset(1e-12));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(BaselineComparison.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(BaselineComparison.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
    }
}
