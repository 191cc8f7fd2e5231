// The pipeline behind `occlusion4j batch`: read a folder, glob or table, explain every row, write a Parquet table.
package io.occlusion4j.spark;

import io.occlusion4j.Backend;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Runs one batch: starts a Spark session on the request's master (local, or a cluster that receives this
 * module's jars through {@code spark.jars}), reads the input with Spark's {@code binaryFile} source (folders
 * and globs) or as a Parquet table, explains every row with {@link Occlusions}, and writes the result table.
 * The table is written beside its destination and moved into place once Spark has committed it, so a run
 * that fails leaves the previous table as it was, and a rerun replaces it whole: rows are never duplicated.
 * Then, optionally, one {@code KEY.npy} pixel map per explained row, as {@code explain --out-npy} writes it.
 */
public final class BatchJob {
    private static final long EXECUTOR_WAIT_MS = 120_000;

    private BatchJob() {}

    /** Runs {@code request}; {@code progress} gets a line now and then (status, then the tasks done). */
    public static BatchResult run(BatchRequest request, Consumer<String> progress) {
        checkPaths(request);
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "io/occlusion4j/spark/log4j2-batch.properties");
        }
        SparkSession spark = session(request);
        try {
            if (request.master().startsWith("spark://")) {
                progress.accept("batch: waiting for executors of " + request.master());
                awaitExecutors(spark, request.master());
            }
            boolean table = isTable(request.input());
            String key = table ? request.keyColumn() : "path";
            String content = table ? request.contentColumn() : "content";
            Dataset<Row> inputs = read(spark, request.input(), table);
            if (request.npyDir() != null) {
                npyNames(inputs.select(functions.col(key).cast("string")).as(Encoders.STRING()).collectAsList());
            }
            Dataset<Row> results = Occlusions.explain(inputs, ModelShipment.broadcast(spark, request.model()), request.options(), key, content);
            long start = System.nanoTime();
            try (ProgressLine line = ProgressLine.start(spark, progress)) {
                write(results, request.output());
            }
            double wall = (System.nanoTime() - start) / 1e9;
            Dataset<Row> written = spark.read().parquet(request.output().toUri().toString());
            BatchSummary summary = Occlusions.summarize(written);
            long npy = request.npyDir() == null ? 0 : writeNpy(written, request.npyDir());
            return new BatchResult(summary, wall, request.output(), npy);
        } finally {
            spark.stop();
            ExecutorModels.closeAll();
        }
    }

    private static void checkPaths(BatchRequest r) {
        if (!Files.isRegularFile(r.model())) {
            throw new OcclusionException("model file " + r.model() + " does not exist or is not a file");
        }
        boolean glob = r.input().chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
        if (!glob && !r.input().contains("://") && !Files.exists(Path.of(r.input()))) {
            throw new OcclusionException("input " + r.input() + " does not exist");
        }
        if (Files.exists(r.output()) && !Files.isDirectory(r.output())) {
            throw new OcclusionException("output " + r.output() + " is a file; the output is a Parquet table (a folder)");
        }
        Path parent = r.output().toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new OcclusionException("the folder of output " + r.output() + " does not exist");
        }
        if (r.npyDir() != null && Files.exists(r.npyDir()) && !Files.isDirectory(r.npyDir())) {
            throw new OcclusionException("--out-npy-dir " + r.npyDir() + " is a file, not a folder");
        }
    }

    private static SparkSession session(BatchRequest r) {
        SparkSession.Builder b = SparkSession.builder().master(r.master()).appName("occlusion4j batch")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false");
        if (r.master().startsWith("local")) {
            // everything runs in this JVM: no reason to listen beyond loopback (or to warn about the host name)
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        } else {
            b.config("spark.jars", AppJars.forExecutors().stream().map(p -> p.toUri().toString()).collect(Collectors.joining(",")));
            if (r.options().backend() == Backend.CUDA) {
                // One task per GPU: each executor gets one, each task takes it whole (documented, unverified on a GPU).
                b.config("spark.executor.resource.gpu.amount", "1").config("spark.task.resource.gpu.amount", "1");
            }
        }
        r.conf().forEach(b::config);
        return b.getOrCreate();
    }

    /** Waits until executors have registered with a cluster's master and their number has held for two seconds. */
    public static void awaitExecutors(SparkSession spark, String master) {
        var tracker = JavaSparkContext.fromSparkContext(spark.sparkContext()).statusTracker();
        long deadline = System.currentTimeMillis() + EXECUTOR_WAIT_MS;
        int seen = 0;
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            int executors = tracker.getExecutorInfos().length - 1; // the driver is listed too
            if (executors != seen) {
                seen = executors;
                stableSince = System.currentTimeMillis();
            } else if (seen > 0 && System.currentTimeMillis() - stableSince >= 2000) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OcclusionException("interrupted while waiting for executors", e);
            }
        }
        throw new OcclusionException("no executor registered with " + master + " in " + EXECUTOR_WAIT_MS / 1000
                + " s: is a Worker running there, with the cores and memory the application asks for?");
    }

    static boolean isTable(String input) {
        return input.toLowerCase(Locale.ROOT).replaceAll("/+$", "").endsWith(".parquet");
    }

    private static Dataset<Row> read(SparkSession spark, String input, boolean table) {
        if (table) {
            return spark.read().parquet(input);
        }
        var reader = spark.read().format("binaryFile");
        if (Files.isDirectory(Path.of(input))) {
            String extensions = BatchRequest.EXTENSIONS.stream().flatMap(e -> Stream.of(e, e.toUpperCase(Locale.ROOT)))
                    .collect(Collectors.joining(","));
            reader = reader.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.{" + extensions + "}");
        }
        return reader.load(input);
    }

    /** Writes the table beside {@code output}, then swaps it in; a failure leaves {@code output} untouched. */
    private static void write(Dataset<Row> results, Path output) {
        Path target = output.toAbsolutePath();
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path staging = target.resolveSibling(target.getFileName() + ".incomplete-" + id);
        try {
            results.write().parquet(staging.toUri().toString());
            if (Files.exists(target)) {
                Path old = target.resolveSibling(target.getFileName() + ".replaced-" + id);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the written table into place at " + target + ": " + e.getMessage(), e);
        } finally {
            deleteTree(staging);
        }
    }

    /** The NPY file name of each key (its file name without extension); refuses two keys of one name. */
    static Map<String, String> npyNames(List<String> keys) {
        Map<String, String> byName = new HashMap<>();
        Map<String, String> out = new HashMap<>();
        for (String key : keys) {
            String name = npyName(key);
            String other = byName.put(name, key);
            if (other != null && !other.equals(key)) {
                throw new OcclusionException("--out-npy-dir: inputs " + other + " and " + key + " would both write " + name
                        + "; give files distinct names or leave out --out-npy-dir");
            }
            out.put(key, name);
        }
        return out;
    }

    static String npyName(String key) {
        String base = key == null ? "null" : key.substring(key.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        String stem = dot > 0 ? base.substring(0, dot) : base;
        return stem.replaceAll("[^A-Za-z0-9._-]", "_") + ".npy";
    }

    private static long writeNpy(Dataset<Row> written, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create --out-npy-dir " + dir + ": " + e.getMessage(), e);
        }
        long n = 0;
        Iterator<Row> rows = written.where(functions.col("error").isNull()).select(Occlusions.KEY, "pixel_map", "pixel_shape").toLocalIterator();
        while (rows.hasNext()) {
            Row r = rows.next();
            List<Float> values = r.getList(1);
            float[] data = new float[values.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = values.get(i);
            }
            int[] shape = r.<Integer>getList(2).stream().mapToInt(Integer::intValue).toArray();
            Npy.write(dir.resolve(npyName(r.getString(0))), Tensor.of(data, shape));
            n++;
        }
        return n;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover staging folder is named as such; it never mixes with the table
        }
    }
}
