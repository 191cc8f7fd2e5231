// The video workload of DESIGN section 6 on the CUDA back end, for the device script.
package io.occlusion4j.bench;

import io.occlusion4j.Backend;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.backend.cuda.Precision;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The video workload on a GPU: the project's 3-D CNN ({@link TestModels#cnn3d}, 400 classes, the same
 * model as bench's CPU VideoBenchmark) on a 16x112x112 clip, window 2x16x16, stride = window (392
 * variants), through the CUDA back end in each precision mode: one warm-up, then {@code reps} timed
 * explanations; prints one line per precision and writes {@code video.md} to the output folder. Parity
 * of the plan on this model is GpuPlanTest's job; this measures speed only.
 *
 * <p>Usage: {@code GpuVideoBenchmark OUT_DIR [REPS]}
 */
public final class GpuVideoBenchmark {
    static final int[] CLIP = {3, 16, 112, 112};
    static final int[] WINDOW = {2, 16, 16};
    static final int VARIANTS = 8 * 7 * 7;

    private GpuVideoBenchmark() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: GpuVideoBenchmark OUT_DIR [REPS (3)]");
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path model = Files.write(Files.createTempFile("o4j-c3d", ".onnx"), TestModels.cnn3d(3, 16, 112, 112, 400, 7).onnx());
        float[] data = new float[CLIP[0] * CLIP[1] * CLIP[2] * CLIP[3]];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextDouble();
        }
        Tensor clip = Tensor.of(data, CLIP);
        StringBuilder table = new StringBuilder("# video workload on the CUDA back end\n\n"
                + "3-D CNN (TestModels.cnn3d, 400 classes), clip 16x112x112, window 2x16x16, stride = window ("
                + VARIANTS + " variants); median of " + reps + " runs after a warm-up.\n\n"
                + "| precision | batch | forwards | median s | variants/s |\n|---|---:|---:|---:|---:|\n");
        boolean failed = false;
        for (Precision p : Precision.values()) {
            System.setProperty("occlusion4j.cuda.precision", p.name());
            try (Occlusion o = Occlusion.builder().model(model).backend(Backend.CUDA).verifyBackend(false).window(WINDOW)
                    .stride(WINDOW).build()) {
                SensitivityMap map = o.explain(clip);
                if (map.stats().windows() != VARIANTS) {
                    throw new IllegalStateException("expected " + VARIANTS + " variants, scored " + map.stats().windows());
                }
                double[] seconds = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    map = o.explain(clip);
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(seconds);
                double median = seconds[reps / 2];
                String row = String.format(Locale.ROOT, "| %s | %d | %d | %.4f | %.1f |", p, map.stats().batchSize(),
                        map.stats().forwards(), median, VARIANTS / median);
                System.out.println("[gpu-video] " + row);
                table.append(row).append('\n');
            } catch (RuntimeException | LinkageError e) {
                failed = true;
                System.out.println("[gpu-video] " + p + " failed: " + e);
                table.append("| ").append(p).append(" | failed: ").append(e.toString().replace('|', '/')).append(" | | | |\n");
            }
        }
        Files.writeString(out.resolve("video.md"), table);
        Files.deleteIfExists(model);
        if (failed) {
            throw new IllegalStateException("GpuVideoBenchmark: a precision failed (see " + out.resolve("video.md") + ")");
        }
    }
}
