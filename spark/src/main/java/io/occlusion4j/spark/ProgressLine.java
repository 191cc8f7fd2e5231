// A progress line for a running Spark job, read from Spark's status tracker once a second.
package io.occlusion4j.spark;

import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;
import org.apache.spark.sql.SparkSession;

/**
 * Tells {@code sink} how far the active stages are ({@code "batch: 12/40 tasks done, 4 running, 31 s"}),
 * once a second while anything changed, from a daemon thread; {@link #close()} stops it. Tasks, not rows:
 * Spark reports a task when it finishes, and each task explains one partition of rows.
 */
final class ProgressLine implements AutoCloseable {
    private final Thread thread;
    private volatile boolean done;

    private ProgressLine(SparkSession spark, Consumer<String> sink) {
        long start = System.nanoTime();
        JavaSparkStatusTracker tracker = JavaSparkContext.fromSparkContext(spark.sparkContext()).statusTracker();
        thread = Thread.ofPlatform().daemon().name("occlusion4j-progress").unstarted(() -> {
            String last = "";
            while (!done) {
                sleepQuietly(1000);
                int total = 0;
                int completed = 0;
                int running = 0;
                for (int id : tracker.getActiveStageIds()) {
                    SparkStageInfo stage = tracker.getStageInfo(id);
                    if (stage != null) {
                        total += stage.numTasks();
                        completed += stage.numCompletedTasks();
                        running += stage.numActiveTasks();
                    }
                }
                String counts = String.format(Locale.ROOT, "%d/%d tasks done, %d running", completed, total, running);
                if (total > 0 && !counts.equals(last) && !done) {
                    sink.accept(String.format(Locale.ROOT, "batch: %s, %.0f s", counts, (System.nanoTime() - start) / 1e9));
                    last = counts;
                }
            }
        });
    }

    static ProgressLine start(SparkSession spark, Consumer<String> sink) {
        ProgressLine line = new ProgressLine(spark, sink);
        line.thread.start();
        return line;
    }

    private void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            done = true;
        }
    }

    @Override
    public void close() {
        done = true;
        thread.interrupt();
    }
}
