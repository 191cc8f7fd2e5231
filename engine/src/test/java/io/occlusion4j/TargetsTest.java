package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetsTest {
    private final float[] scores = {0.1f, 0.7f, 0.3f, 0.7f, -2f};

    @Test
    void argmaxTakesTheFirstOfTies() {
        assertThat(Targets.argmax().resolve(scores, "logits")).containsExactly(1);
    }

    @Test
    void topKIsBestFirst() {
        assertThat(Targets.topK(3).resolve(scores, "logits")).containsExactly(1, 3, 2);
    }

    @Test
    void explicitTargetsKeepTheirOrder() {
        assertThat(Targets.of(4, 0).resolve(scores, "logits")).containsExactly(4, 0);
    }

    @Test
    void outOfRangeTargetsNameTheOutput() {
        assertThatThrownBy(() -> Targets.of(5).resolve(scores, "logits"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target 5 is out of range").hasMessageContaining("logits has 5 scores");
        assertThatThrownBy(() -> Targets.topK(6).resolve(scores, "logits")).hasMessageContaining("top-k 6");
        assertThatThrownBy(() -> Targets.of(-1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> Targets.topK(0)).hasMessageContaining("k >= 1");
    }
}
