package io.occlusion4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import java.nio.FloatBuffer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ScoringTest {

    @Test
    void softmaxIsOverTheLastAxisOfEachRow() {
        Scoring s = new Scoring(Score.SOFTMAX, Reduce.NONE, new int[] {3}, new int[] {3});
        FloatBuffer out = FloatBuffer.wrap(new float[] {0, 0, 0, 1, 2, 3});
        float[] row = new float[3];
        assertThat(s.scores(new FloatBuffer[] {out}, 1, row)).isTrue();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertThat(row[2]).isCloseTo((float) (Math.exp(3) / z), Offset.offset(1e-7f));
        assertThat(row[0] + row[1] + row[2]).isCloseTo(1f, Offset.offset(1e-6f));
    }

    @Test
    void maxReduceTakesTheBestTransformedValueOverAllOutputs() {
        Scoring s = new Scoring(Score.SIGMOID, Reduce.MAX, new int[] {2, 3}, new int[] {2, 1});
        FloatBuffer a = FloatBuffer.wrap(new float[] {-1, 0.5f});
        FloatBuffer b = FloatBuffer.wrap(new float[] {0, 2, -3});
        float[] row = new float[1];
        assertThat(s.count()).isEqualTo(1);
        assertThat(s.scores(new FloatBuffer[] {a, b}, 0, row)).isTrue();
        assertThat(row[0]).isCloseTo(Scoring.sigmoid(2f), Offset.offset(1e-7f));
    }

    @Test
    void nonFiniteOutputsAreFlagged() {
        Scoring s = new Scoring(Score.RAW, Reduce.NONE, new int[] {2}, new int[] {2});
        float[] row = new float[2];
        assertThat(s.scores(new FloatBuffer[] {FloatBuffer.wrap(new float[] {1, Float.NaN})}, 0, row)).isFalse();
        assertThat(s.scores(new FloatBuffer[] {FloatBuffer.wrap(new float[] {1, Float.POSITIVE_INFINITY})}, 0, row)).isFalse();
        assertThat(s.scores(new FloatBuffer[] {FloatBuffer.wrap(new float[] {1, 2})}, 0, row)).isTrue();
    }
}
