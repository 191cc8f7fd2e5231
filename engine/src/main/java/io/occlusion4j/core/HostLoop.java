package io.occlusion4j.core;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The occlusion loop of DESIGN section 1 with the variants written on the host: one batch buffer of
 * {@code batch} model-layout samples, the unoccluded sample riding in the first batch, only window
 * regions rewritten between batches, scores gathered into the grid map, then the pixel map. The back end
 * supplies only the forward ({@link Forward}); the CPU back end and the CUDA back end's fallback share it.
 */
public final class HostLoop {
    private HostLoop() {}

    /** One forward over the batch buffer, as a back end runs it. */
    public interface Forward {
        /**
         * Scores the first {@code n} samples of the batch buffer (a back end with a fixed batch may score all
         * of them) and returns each selected output, row-major {@code [rows, per-sample]}, valid until the next call.
         */
        FloatBuffer[] run(int n);

        /**
         * {@link #run(int)}, told which window each slot holds ({@code slotWindows[s]}, -1 for the unoccluded sample;
         * only the first {@code n} entries count). A forward that recomputes only what a window changes
         * (incremental inference) needs it; the default ignores it.
         */
        default FloatBuffer[] run(int n, int[] slotWindows) {
            return run(n);
        }

        /** Elements per sample of each selected output; known after the first {@link #run}. */
        int[] outputSizes();

        /** Length of each selected output's last axis (the softmax groups); known after the first {@link #run}. */
        int[] lastAxis();
    }

    /**
     * The batch buffer the forward reads.
     *
     * @param buffer {@code size * writer.sampleSize()} floats
     * @param size   samples per forward
     * @param fixed  whether {@code size} is the model's fixed batch size (reported in the stats)
     */
    public record Batch(FloatBuffer buffer, int size, boolean fixed) {}

    /**
     * Who runs the loop, for errors and the stats.
     *
     * @param model   names the model in errors
     * @param backend {@code cpu} or {@code cuda}
     * @param device  what the back end runs on, in words
     * @param verification the back end's self-check, for {@link RunStats#verification()} ("" for none)
     */
    public record Runner(String model, String backend, String device, String verification) {
        /** A runner with no self-check (the CPU back end). */
        public Runner(String model, String backend, String device) {
            this(model, backend, device, "");
        }
    }

    /**
     * Runs the loop.
     *
     * @param t0 {@link System#nanoTime()} when the explanation started
     */
    public static SensitivityMap run(ExplainRequest r, VariantWriter writer, Batch b, Forward forward, Runner runner, long t0) {
        FloatBuffer buffer = b.buffer();
        int batch = b.size();
        String modelLabel = runner.model();
        int windows = writer.count();
        int variants = r.variantCount();
        String outputLabel = String.join("+", r.outputs());
        for (int s = 0; s < batch; s++) {
            writer.writeBase(buffer, s);
        }
        // Jobs 0..variants: job 0 is the unoccluded sample (skipped when its scores are known), job j > 0 occludes window
        // r.window(j - 1).
        float[] known = r.baseScores();
        int jobs = variants + 1;
        int[] slotWindow = new int[batch];
        Arrays.fill(slotWindow, -1);
        Scoring scoring = null;
        float[] base = null;
        float[] row = null;
        int[] targets = null;
        float[] baseAtTarget = null;
        float[][] grid = null;
        int forwards = 0;
        for (int first = known == null ? 0 : 1; first < jobs; first += batch) {
            int n = Math.min(batch, jobs - first);
            for (int s = 0; s < n; s++) {
                int window = first + s == 0 ? -1 : r.window(first + s - 1);
                if (slotWindow[s] >= 0) {
                    writer.restore(buffer, s, slotWindow[s]);
                }
                if (window >= 0) {
                    writer.occlude(buffer, s, window);
                }
                slotWindow[s] = window;
            }
            FloatBuffer[] out = forward.run(n, slotWindow);
            forwards++;
            int s0 = 0;
            if (scoring == null) {
                scoring = new Scoring(r.score(), r.reduce(), forward.outputSizes(), forward.lastAxis());
                row = new float[scoring.count()];
                base = first == 0 ? new float[scoring.count()] : known.clone();
                if (first == 0) {
                    if (!scoring.scores(out, 0, base)) {
                        throw new OcclusionException("model output " + outputLabel + " of " + modelLabel
                                + " contains NaN or Inf for the unoccluded input");
                    }
                    s0 = 1;
                } else if (base.length != scoring.count()) {
                    throw new IllegalArgumentException("known base scores have " + base.length + " values but " + outputLabel
                            + " of " + modelLabel + " gives " + scoring.count() + " scores per sample");
                }
                targets = r.targets().resolve(base, outputLabel);
                baseAtTarget = new float[targets.length];
                for (int t = 0; t < targets.length; t++) {
                    baseAtTarget[t] = base[targets[t]];
                }
                grid = new float[targets.length][windows];
                if (r.windows() != null) {
                    for (float[] g : grid) {
                        Arrays.fill(g, Float.NaN);
                    }
                }
            }
            for (int s = s0; s < n; s++) {
                int window = r.window(first + s - 1);
                if (!scoring.scores(out, s, row)) {
                    throw new OcclusionException("model output " + outputLabel + " of " + modelLabel
                            + " contains NaN or Inf for the variant occluding window " + window + " of " + windows
                            + " (" + r.grid() + ")");
                }
                for (int t = 0; t < targets.length; t++) {
                    grid[t][window] = baseAtTarget[t] - row[targets[t]];
                }
            }
            if (r.progress() != null) {
                r.progress().progress(first + n - 1, variants);
            }
        }
        float[][] pixel = new float[targets.length][];
        int mapChannels = r.perChannel() ? r.channels() : 1;
        for (int t = 0; t < targets.length; t++) {
            pixel[t] = r.windows() == null ? Reductions.pixelMap(grid[t], r.grid(), mapChannels)
                    : WindowSubsets.pixelMap(grid[t], r.grid(), mapChannels);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        RunStats stats = new RunStats(variants, forwards, batch, b.fixed(), seconds, variants / seconds, runner.backend(),
                runner.device(), runner.verification());
        return new SensitivityMap(r.grid(), r.perChannel(), r.channels(), outputLabel, targets, base, grid, pixel, stats);
    }
}
