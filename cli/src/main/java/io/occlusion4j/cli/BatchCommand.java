// occlusion4j batch: explain a whole folder, glob or Parquet table on Spark, locally or on a cluster.
package io.occlusion4j.cli;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.spark.BatchJob;
import io.occlusion4j.spark.BatchRequest;
import io.occlusion4j.spark.BatchResult;
import io.occlusion4j.spark.BatchSummary;
import io.occlusion4j.spark.ExplainSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs {@link BatchJob}. Spark is not on the CLI's default class path (its jars are three times the rest of the
 * CLI): {@code bin/occlusion4j batch} adds {@code cli/target/lib-spark/} and the JVM options Spark needs, and
 * this command says so when they are missing. The explain options are explain's ({@link ExplanationFlags}),
 * as text, parsed again on every executor by the same rules ({@link ExplainSpec}); {@code --output} keeps its
 * meaning (the model's outputs), so the table is {@code --out-parquet}, beside {@code --out-npy-dir}.
 */
@Command(name = "batch", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Explains every image or NPY tensor of a folder, glob or Parquet table on Apache Spark (local or a"
                + " cluster) and writes one Parquet row per input: key, targets, base scores, largest drop and where, grid and"
                + " pixel maps with their shapes, back end, seconds and error. Unreadable inputs become error rows.",
        footer = {"", "Exit codes: 0 done (error rows included); 1 runtime error (a model or input that cannot be read, every"
                + " row an error row, Spark failing); 2 usage error."})
final class BatchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExplanationFlags flags = new ExplanationFlags();

    @Option(names = "--input", required = true, paramLabel = "DIR|GLOB|TABLE.parquet",
            description = "a folder (its PNG, JPEG, BMP, GIF, TIFF and NPY files, recursively), a glob, or a Parquet table")
    String input;

    @Option(names = "--out-parquet", required = true, paramLabel = "OUT.parquet",
            description = "the result table (replaced whole on a rerun)")
    Path output;

    @Option(names = "--out-npy-dir", paramLabel = "DIR", description = "also one KEY.npy pixel map per row, float32 [targets, D1..Dk]")
    Path outNpyDir;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "local[N]|spark://HOST:PORT",
            description = "Spark's master; default ${DEFAULT-VALUE} (every core of this machine)")
    String master;

    @Option(names = "--key-column", defaultValue = "key", paramLabel = "NAME", description = "a table's key column; default ${DEFAULT-VALUE}")
    String keyColumn;

    @Option(names = "--content-column", defaultValue = "content", paramLabel = "NAME",
            description = "a table's binary column (encoded image or NPY); default ${DEFAULT-VALUE}")
    String contentColumn;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "a Spark setting (spark.executor.memory=4g, ...); repeatable")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "show stack traces with errors")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        flags.model.prep.check(false);
        ExplainSpec explain = spec();
        if (!sparkOnClassPath()) {
            throw new OcclusionException("batch needs Spark's jars on the class path: run it through bin/occlusion4j (which adds"
                    + " cli/target/lib-spark/ once the CLI is built), or add Spark 4.2's jars yourself");
        }
        BatchRequest request = new BatchRequest(flags.model.model, input, output, outNpyDir, master, explain, keyColumn, contentColumn, conf);
        BatchResult result = BatchJob.run(request, line -> {
            if (!quiet) {
                err.println(line);
                err.flush();
            }
        });
        BatchSummary s = result.summary();
        if (!quiet) {
            out.printf(Locale.ROOT, "batch: %d rows, %d errors, %d variants in %.1f s (%.2f rows/s, %.1f variants/s overall)%n",
                    s.rows(), s.errors(), s.variants(), result.wallSeconds(), result.rowsPerSecond(), result.variantsPerSecond());
            for (String e : s.firstErrors()) {
                out.println("  error: " + Messages.oneLine(e));
            }
            if (s.errors() > s.firstErrors().size()) {
                out.println("  ... (every error is in the table's error column)");
            }
            out.println("wrote " + output);
            if (outNpyDir != null) {
                out.println("wrote " + result.npyFiles() + " pixel maps to " + outNpyDir);
            }
        }
        out.flush();
        if (s.rows() > 0 && s.errors() == s.rows()) {
            throw new OcclusionException("every row of " + input + " failed; the first: " + Messages.oneLine(s.firstErrors().getFirst()));
        }
        return 0;
    }

    /** explain's options as text by name, and the model's flags (a bad one is a usage error, see Main). */
    private ExplainSpec spec() {
        ModelFlags m = flags.model;
        int[] size = m.prep.size == null ? null : new int[] {m.prep.size.height(), m.prep.size.width()};
        return new ExplainSpec(flags.given(), m.prep.mean, m.prep.std, m.prep.layout, size, m.prep.bgr, m.backend, m.threads);
    }

    static boolean sparkOnClassPath() {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, BatchCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
