package io.occlusion4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Edge;
import io.occlusion4j.Reduce;
import io.occlusion4j.RunStats;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.WindowGrid;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummariesTest {
    private final WindowGrid grid = WindowGrid.of(new int[] {2, 3}, new int[] {1, 1}, new int[] {1, 1}, Edge.CROP, false);
    private final RunStats stats = new RunStats(6, 2, 4, false, 0.5, 12.0, "cpu", "test device");
    private final SensitivityMap map = new SensitivityMap(grid, false, 1, "logits", new int[] {2},
            new float[] {0.1f, 0.2f, 0.9f}, new float[][] {{1, -2, 3, 0, 5, 4}}, new float[][] {{1, -2, 3, 0, 5, 4}}, stats);

    @Test
    void targetsCarryTheLargestAndSmallestDropAndWhere() {
        List<Map<String, Object>> t = Summaries.targets(map, List.of("cat"));
        assertThat(t).hasSize(1);
        assertThat(t.getFirst()).containsEntry("index", 2).containsEntry("label", "cat").containsEntry("base_score", 0.9f)
                .containsEntry("max_drop", 5f).containsEntry("min_drop", -2f);
        assertThat((int[]) t.getFirst().get("max_drop_at")).containsExactly(1, 1);
        assertThatThrownBy(() -> Summaries.targets(map, List.of())).hasMessageContaining("0 labels for 1 targets");
    }

    @Test
    void statsInTheirJsonNames() {
        assertThat(Summaries.stats(stats)).containsExactly(Map.entry("windows", 6), Map.entry("forwards", 2),
                Map.entry("batch_size", 4), Map.entry("seconds", 0.5), Map.entry("variants_per_s", 12.0),
                Map.entry("backend", "cpu"), Map.entry("device", "test device"));
    }

    @Test
    void labelsComeFromTheLabelLinesThenTheReducedScoreThenTheClass() {
        List<String> lines = List.of("cat", "", "bird");
        assertThat(Summaries.labels(new int[] {2, 0, 1, 5}, lines, Reduce.NONE, Score.RAW))
                .containsExactly("bird", "cat", "class 1", "class 5");
        assertThat(Summaries.labels(new int[] {0}, List.of("face"), Reduce.MAX, Score.SIGMOID)).containsExactly("face");
        assertThat(Summaries.labels(new int[] {0}, List.of(), Reduce.MAX, Score.SIGMOID)).containsExactly("max sigmoid score");
        assertThat(Summaries.labels(new int[] {3}, null, Reduce.NONE, Score.RAW)).containsExactly("class 3");
    }

    @Test
    void statsSayWhetherASelfCheckingBackEndWasVerified() {
        assertThat(Summaries.stats(stats)).containsEntry("backend", "cpu").doesNotContainKeys("verified", "verification");
        RunStats cuda = new RunStats(6, 2, 4, false, 0.5, 12.0, "cuda", "H200", "verified against ONNX Runtime on 4 samples");
        assertThat(Summaries.stats(cuda)).containsEntry("backend", "cuda").containsEntry("verified", true)
                .containsEntry("verification", "verified against ONNX Runtime on 4 samples");
        RunStats off = new RunStats(6, 2, 4, false, 0.5, 12.0, "cuda", "H200", "not verified: the self-check is off");
        assertThat(Summaries.stats(off)).containsEntry("verified", false);
    }
}
