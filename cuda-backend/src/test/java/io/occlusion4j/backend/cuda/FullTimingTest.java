package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The full plan's time per variant, against which an incremental run's speed-up is measured: once per plan. */
class FullTimingTest {
    @Test
    void theFullPlanIsTimedAtItsFirstIncrementalRunOnly() {
        DeviceIncremental.FullTiming timing = new DeviceIncremental.FullTiming();
        int[] forwards = {0};
        Runnable forward = () -> {
            forwards[0]++;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Object plan = new Object();
        double first = timing.secondsPerVariant(plan, 4, forward);
        assertThat(forwards[0]).isEqualTo(DeviceIncremental.FullTiming.RUNS);
        // Each forward sleeps 2 ms for a batch of 4: at least 0.5 ms a variant.
        assertThat(first).isGreaterThanOrEqualTo(0.0005).isLessThan(1.0);
        assertThat(timing.secondsPerVariant(plan, 4, forward)).isEqualTo(first);
        assertThat(forwards[0]).as("the same plan is not timed again").isEqualTo(DeviceIncremental.FullTiming.RUNS);
        Object replaced = new Object();
        timing.secondsPerVariant(replaced, 8, forward);
        assertThat(forwards[0]).as("a new plan (another batch or model shape) is timed").isEqualTo(2 * DeviceIncremental.FullTiming.RUNS);
    }
}
