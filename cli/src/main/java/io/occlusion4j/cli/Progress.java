// Shows how far an explanation has come: a redrawn bar on a terminal, one line per 10 % otherwise.
package io.occlusion4j.cli;

import io.occlusion4j.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The CLI's {@link ProgressListener}. Quick runs print nothing: output starts only once a run
 * has taken longer than the delay (one second by default), so a sub-second run leaves stderr clean.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private final String task;
    private final PrintWriter err;
    private final boolean terminal;
    private final boolean quiet;
    private final long delayNanos;
    private final LongSupplier clock;
    private long start;
    private int lastDecile = -1;
    private ProgressBar bar;

    Progress(String task, PrintWriter err, boolean terminal, boolean quiet, long delayMillis) {
        this(task, err, terminal, quiet, delayMillis * 1_000_000L, System::nanoTime);
    }

    Progress(String task, PrintWriter err, boolean terminal, boolean quiet, long delayNanos, LongSupplier clock) {
        this.task = task;
        this.err = err;
        this.terminal = terminal;
        this.quiet = quiet;
        this.delayNanos = delayNanos;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Restarts the clock: call just before the run (model loading is not part of it). */
    void begin() {
        start = clock.getAsLong();
        lastDecile = -1;
        closeBar();
    }

    @Override
    public void progress(int done, int total) {
        if (quiet || total <= 0) {
            return;
        }
        long elapsed = clock.getAsLong() - start;
        if (elapsed < delayNanos) {
            return;
        }
        if (terminal) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" variants", 1)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).showSpeed()
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            }
            bar.stepTo(done);
            if (done >= total) {
                closeBar();
            }
            return;
        }
        int decile = (int) (10L * done / total);
        if (decile > lastDecile) {
            lastDecile = decile;
            err.printf(Locale.ROOT, "%s: %3d %% (%d of %d variants, %.1f s)%n", task, decile * 10, done, total, elapsed / 1e9);
            err.flush();
        }
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() {
        closeBar();
    }
}
