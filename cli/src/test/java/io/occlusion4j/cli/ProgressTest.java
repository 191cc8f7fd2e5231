package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Progress without a terminal: silent for quick runs, then one line per 10 %, nothing when quiet. */
class ProgressTest {
    private final long[] now = {0};
    private final StringWriter text = new StringWriter();

    private Progress progress(boolean quiet) {
        return new Progress("explain", new PrintWriter(text, true), false, quiet, 1_000_000_000L, () -> now[0]);
    }

    @Test
    void quickRunsPrintNothing() {
        Progress p = progress(false);
        p.begin();
        for (int done = 10; done <= 100; done += 10) {
            now[0] += 50_000_000L;
            p.progress(done, 100);
        }
        assertThat(text.toString()).isEmpty();
    }

    @Test
    void slowRunsPrintOneLinePerTenPercentOnceTheyPassOneSecond() {
        Progress p = progress(false);
        p.begin();
        for (int done = 5; done <= 200; done += 5) {
            now[0] += 40_000_000L; // 40 variants per 0.32 s: the second passes at done = 125
            p.progress(done, 200);
        }
        String[] lines = text.toString().strip().split("\\R");
        assertThat(lines).hasSize(5);
        assertThat(lines[0]).startsWith("explain:  60 % (125 of 200 variants, 1.0 s)");
        assertThat(lines[4]).startsWith("explain: 100 % (200 of 200 variants, 1.6 s)");
    }

    @Test
    void quietPrintsNothing() {
        Progress p = progress(true);
        p.begin();
        now[0] += 5_000_000_000L;
        p.progress(50, 100);
        p.progress(100, 100);
        assertThat(text.toString()).isEmpty();
    }
}
