// What `occlusion4j batch` did: the summary of the written table, wall time, NPY files written.
package io.occlusion4j.spark;

import java.nio.file.Path;

/**
 * @param summary     rows, errors, variants of the written table
 * @param wallSeconds from the job's start to the table's commit
 * @param output      the table written
 * @param npyFiles    {@code KEY.npy} files written (0 without an NPY folder)
 */
public record BatchResult(BatchSummary summary, double wallSeconds, Path output, long npyFiles) {
    /** Variants scored per second of wall time, over every slot of the cluster. */
    public double variantsPerSecond() {
        return wallSeconds > 0 ? summary.variants() / wallSeconds : 0;
    }

    /** Rows per second of wall time. */
    public double rowsPerSecond() {
        return wallSeconds > 0 ? summary.rows() / wallSeconds : 0;
    }
}
