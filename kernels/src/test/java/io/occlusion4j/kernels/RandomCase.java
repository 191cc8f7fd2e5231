// A random occlusion setting for the kernel tests: shape, window grid, fill, normalisation, layout.
package io.occlusion4j.kernels;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Score;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.FillValues;
import io.occlusion4j.core.InputTransform;
import java.util.Arrays;
import java.util.Random;

/** One setting, in the engine's terms (the reference) and the kernels' terms (the code under test). */
record RandomCase(int channels, float[] x, WindowGrid grid, Fill fill, InputTransform transform, boolean perChannel,
                  boolean half, int batch) {

    static final String[] FILLS = {"constant", "perChannel", "mean", "blur", "noise", "baseline", "soft"};

    /** Odd sizes, windows touching the edges, 2-D or 3-D, any edge policy and fill. */
    static RandomCase draw(Random rnd, String fillName, Edge edge) {
        int rank = rnd.nextInt(3) == 0 ? 3 : 2;
        int channels = 1 + rnd.nextInt(4);
        int[] spatial = new int[rank];
        int[] window = new int[rank];
        int[] stride = new int[rank];
        for (int d = 0; d < rank; d++) {
            spatial[d] = (rank == 3 ? 2 : 3) + rnd.nextInt(rank == 3 ? 7 : 15);
            window[d] = 1 + rnd.nextInt(spatial[d]);
            stride[d] = 1 + rnd.nextInt(window[d]);
            if (rnd.nextInt(8) == 0) {
                stride[d] = window[d] + 1 + rnd.nextInt(2); // gaps
            }
        }
        WindowGrid grid = WindowGrid.of(spatial, window, stride, edge, true);
        int size = FillValues.spatialSize(spatial);
        float[] x = new float[channels * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() * 2 - 0.5f;
        }
        Fill fill = switch (fillName) {
            case "constant" -> Fill.constant(rnd.nextFloat());
            case "perChannel" -> {
                float[] v = new float[channels];
                for (int c = 0; c < channels; c++) {
                    v[c] = rnd.nextFloat() - 0.5f;
                }
                yield Fill.constantPerChannel(v);
            }
            case "mean" -> Fill.mean();
            case "blur" -> Fill.blur(0.3 + rnd.nextDouble() * 2.5);
            case "noise" -> Fill.noise(rnd.nextLong(), -rnd.nextFloat(), 1 + rnd.nextFloat());
            case "baseline" -> {
                float[] b = new float[x.length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextFloat();
                }
                int[] shape = new int[rank + 1];
                shape[0] = channels;
                System.arraycopy(spatial, 0, shape, 1, rank);
                yield Fill.baseline(Tensor.of(b, shape));
            }
            case "soft" -> Fill.gaussianWindow(0.1 + rnd.nextDouble() * 0.5);
            default -> throw new IllegalArgumentException(fillName);
        };
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = rnd.nextFloat() * 0.5f;
            std[c] = 0.2f + rnd.nextFloat();
        }
        Layout layout = rnd.nextBoolean() ? Layout.CHANNELS_FIRST : Layout.CHANNELS_LAST;
        boolean perChannel = rnd.nextInt(3) == 0;
        return new RandomCase(channels, x, grid, fill, new InputTransform(mean, std, layout), perChannel, rnd.nextInt(4) == 0,
                1 + rnd.nextInt(6));
    }

    KernelGeometry geometry() {
        int edge = switch (grid.edge()) {
            case CROP -> KernelGeometry.EDGE_CROP;
            case INSIDE -> KernelGeometry.EDGE_INSIDE;
            case SHIFT -> KernelGeometry.EDGE_SHIFT;
        };
        return new KernelGeometry(channels, grid.spatialShape(), grid.window(), grid.stride(), edge,
                transform.layout() == Layout.CHANNELS_LAST, half, perChannel);
    }

    /** The kernels' code of the engine's score transform, for the reference comparisons. */
    static int scoreCode(Score score) {
        return switch (score) {
            case RAW -> OcclusionKernels.SCORE_RAW;
            case SOFTMAX -> OcclusionKernels.SCORE_SOFTMAX;
            case SIGMOID -> OcclusionKernels.SCORE_SIGMOID;
        };
    }

    /**
     * A random source for {@code test}: seeded by {@code -Docclusion4j.seed}, else by the clock; the seed is
     * printed, so a failing draw can be repeated.
     */
    static Random seeded(Class<?> test) {
        long seed = Long.getLong("occlusion4j.seed", System.nanoTime());
        System.out.println("[kernels] " + test.getSimpleName() + " draws with seed " + seed + " (-Docclusion4j.seed=" + seed
                + " repeats it)");
        return new Random(seed);
    }

    int spatialSize() {
        return grid.count() > 0 ? FillValues.spatialSize(grid.spatialShape()) : 0;
    }

    @Override
    public String toString() {
        return "case[C=" + channels + ", " + grid + ", fill=" + fill + ", " + transform.layout() + (perChannel ? ", per channel" : "")
                + (half ? ", fp16" : ", fp32") + ", batch " + batch + ", mean=" + Arrays.toString(transform.mean()) + "]";
    }
}
