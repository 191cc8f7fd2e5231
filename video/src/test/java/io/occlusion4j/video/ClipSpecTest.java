package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClipSpecTest {
    @Test
    void uniformSamplingSpansFirstToLastFrame() {
        assertThat(ClipSpec.uniform(4).indices(10, "v")).containsExactly(0, 3, 6, 9);
        assertThat(ClipSpec.uniform(5).indices(5, "v")).containsExactly(0, 1, 2, 3, 4);
        assertThat(ClipSpec.uniform(1).indices(9, "v")).containsExactly(4);
    }

    @Test
    void uniformSamplingOfAShortVideoRepeatsFrames() {
        assertThat(ClipSpec.uniform(5).indices(3, "v")).containsExactly(0, 1, 1, 2, 2);
    }

    @Test
    void stridedSamplingStartsAtStartAndSteps() {
        assertThat(ClipSpec.strided(4, 2, 3).indices(12, "v")).containsExactly(2, 5, 8, 11);
    }

    @Test
    void stridedSamplingPastTheEndNamesTheNumbers() {
        assertThatThrownBy(() -> ClipSpec.strided(4, 2, 3).indices(11, "clip.mp4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clip.mp4 has 11 frames")
                .hasMessageContaining("need frame 11")
                .hasMessageContaining("at most 3 such frames");
    }

    @Test
    void badSpecsAreRefused() {
        assertThatThrownBy(() -> ClipSpec.uniform(0)).hasMessageContaining("at least 1 frame");
        assertThatThrownBy(() -> ClipSpec.strided(4, 0, 0)).hasMessageContaining("stride must be >= 1");
        assertThatThrownBy(() -> ClipSpec.strided(4, -1, 1)).hasMessageContaining("start frame");
        assertThatThrownBy(() -> ClipSpec.uniform(4).withSize(10, 0)).hasMessageContaining("both positive");
        assertThatThrownBy(() -> ClipSpec.uniform(4).indices(0, "empty.mp4")).hasMessageContaining("empty.mp4 has no frames");
    }

    @Test
    void naturalOrderComparesDigitRunsAsNumbers() {
        List<String> names = new ArrayList<>(List.of("f10.png", "f2.png", "f1.png", "f002b.png", "a.png", "f02.png"));
        names.sort(VideoReader::naturalCompare);
        assertThat(names).containsExactly("a.png", "f1.png", "f02.png", "f2.png", "f002b.png", "f10.png");
    }
}
