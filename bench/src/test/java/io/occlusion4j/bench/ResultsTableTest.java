package io.occlusion4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsTableTest {
    @Test
    void tableNamesMachineCommitSettingsAndTheRatio() {
        String t = BenchMain.ResultsTable.cpuSmall(List.of("machine: test CPU"), LocalDate.of(2026, 11, 28), "abc123", 27,
                new BenchMain.Figures(45.0, 1.5), new BenchMain.Figures(50.0, 2.0));
        assertThat(t).contains("cpu-small, 2026-11-28").contains("abc123").contains("machine: test CPU")
                .contains("window 32, stride 16 (169 variants)").contains("batch 27")
                .contains("| 45.00 | 1.50 |").contains("| 50.00 | 2.00 |").contains("**90.0 %**");
    }

    @Test
    void engineBatchComesFromTheMemoryBudget() {
        // a 16 MiB input budget over float32 [3, 224, 224] samples (602,112 bytes): 27 whole samples, the batch
        // bench/results/cpu-small-2026-11-28.md and compare-cpu-small-2026-11-28.md were measured at
        assertThat(CpuSmallBenchmark.engineBatch()).isEqualTo(27).isEqualTo((int) ((16L << 20) / (4L * 3 * 224 * 224)));
    }
}
