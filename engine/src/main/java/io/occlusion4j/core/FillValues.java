package io.occlusion4j.core;

import io.occlusion4j.Fill;
import io.occlusion4j.Tensor;
import java.util.Arrays;
import java.util.concurrent.CancellationException;

/**
 * The reference computation of every fill, in raw space. Static fills become one tensor {@code [C, S]}
 * computed once per input; the soft Gaussian window becomes a multiplicative mask over the window's
 * offsets. The CUDA kernels are checked against these functions.
 */
public final class FillValues {
    private FillValues() {}

    /**
     * The fill tensor of a static fill for input {@code x} ({@code [C, D1..Dk]}, flattened), or
     * {@code null} for {@link Fill.GaussianWindow}, which depends on the window.
     */
    public static float[] staticFill(Fill fill, float[] x, int channels, int[] spatial) {
        int size = spatialSize(spatial);
        return switch (fill) {
            case Fill.Constant c -> constant(c.values(), channels, size);
            case Fill.Mean m -> constant(channelMeans(x, channels, size), channels, size);
            case Fill.Blur b -> blur(x, channels, spatial, b.sigma());
            case Fill.Noise n -> noise(n.seed(), n.low(), n.high(), channels * size);
            case Fill.Baseline b -> baseline(b.tensor(), channels, spatial);
            case Fill.GaussianWindow g -> null;
        };
    }

    private static float[] constant(float[] values, int channels, int size) {
        if (values.length != 1 && values.length != channels) {
            throw new IllegalArgumentException("constant fill has " + values.length + " values but the input has "
                    + channels + " channels (give one value, or one per channel)");
        }
        float[] out = new float[channels * size];
        for (int c = 0; c < channels; c++) {
            Arrays.fill(out, c * size, (c + 1) * size, values[values.length == 1 ? 0 : c]);
        }
        return out;
    }

    private static float[] baseline(Tensor b, int channels, int[] spatial) {
        int[] expected = new int[spatial.length + 1];
        expected[0] = channels;
        System.arraycopy(spatial, 0, expected, 1, spatial.length);
        if (!Arrays.equals(b.shape(), expected)) {
            throw new IllegalArgumentException("baseline fill has shape " + Arrays.toString(b.shape())
                    + " but the input has shape " + Arrays.toString(expected));
        }
        return b.data().clone();
    }

    /** Per-channel mean over the spatial elements, accumulated in double. */
    public static float[] channelMeans(float[] x, int channels, int size) {
        float[] means = new float[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int p = 0; p < size; p++) {
                sum += x[c * size + p];
            }
            means[c] = (float) (sum / size);
        }
        return means;
    }

    /** The normalised 1-D Gaussian kernel of radius {@code ceil(3 sigma)}; sigma in (0, {@value Fill#MAX_BLUR_SIGMA}]. */
    public static float[] gaussianKernel(double sigma) {
        if (!(sigma > 0) || sigma > Fill.MAX_BLUR_SIGMA) {
            throw new IllegalArgumentException("blur sigma must be in (0, " + (int) Fill.MAX_BLUR_SIGMA + "], got " + sigma
                    + " (fill blur:SIGMA, or the blur of evaluate)");
        }
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-0.5 * (i * i) / (sigma * sigma));
            sum += k[i + radius];
        }
        float[] out = new float[k.length];
        for (int i = 0; i < k.length; i++) {
            out[i] = (float) (k[i] / sum);
        }
        return out;
    }

    /**
     * Separable Gaussian blur of every channel over every spatial axis, one axis after the other (axis 0
     * first), replicating edge elements; float accumulation in kernel order, as the kernel does. A kernel wider
     * than an axis is folded to it (the taps past an edge all read the edge element, so their weights are added
     * to the outermost tap), so the work is bounded by the input whatever sigma is. Checks for an interrupt
     * between rows: an abandoned explanation stops here too.
     */
    public static float[] blur(float[] x, int channels, int[] spatial, double sigma) {
        float[] full = gaussianKernel(sigma);
        int size = spatialSize(spatial);
        float[] cur = x.clone();
        float[] next = new float[cur.length];
        for (int axis = 0; axis < spatial.length; axis++) {
            int len = spatial[axis];
            float[] kernel = foldedTo(full, len - 1);
            int radius = kernel.length / 2;
            int inner = 1;
            for (int d = axis + 1; d < spatial.length; d++) {
                inner *= spatial[d];
            }
            int outer = size / (len * inner);
            for (int c = 0; c < channels; c++) {
                int base = c * size;
                for (int o = 0; o < outer; o++) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new CancellationException("interrupted while blurring the input for the fill");
                    }
                    for (int i = 0; i < len; i++) {
                        for (int in = 0; in < inner; in++) {
                            float acc = 0f;
                            for (int t = -radius; t <= radius; t++) {
                                int j = Math.min(len - 1, Math.max(0, i + t));
                                acc += kernel[t + radius] * cur[base + (o * len + j) * inner + in];
                            }
                            next[base + (o * len + i) * inner + in] = acc;
                        }
                    }
                }
            }
            float[] swap = cur;
            cur = next;
            next = swap;
        }
        return cur;
    }

    /** {@code kernel} cut to radius {@code reach} (when wider), each cut tail's weight added to the tap at its end. */
    static float[] foldedTo(float[] kernel, int reach) {
        int radius = kernel.length / 2;
        if (reach >= radius) {
            return kernel;
        }
        int r = Math.max(0, reach);
        float[] out = new float[2 * r + 1];
        System.arraycopy(kernel, radius - r, out, 0, out.length);
        for (int t = 0; t < radius - r; t++) {
            out[0] += kernel[t];
            out[out.length - 1] += kernel[kernel.length - 1 - t];
        }
        return out;
    }

    /**
     * Counter-based uniform noise: element {@code i} of the input gets
     * {@code low + (high-low) * u(splitmix64(seed + (i+1) * golden))}, {@code u} the top 24 bits as a float
     * in [0,1). Independent of how the work is split.
     */
    public static float[] noise(long seed, float low, float high, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = noiseAt(seed, i, low, high);
        }
        return out;
    }

    public static float noiseAt(long seed, long index, float low, float high) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        float u = (z >>> 40) * 0x1.0p-24f;
        return low + (high - low) * u;
    }

    /**
     * MONAI's soft window: a mask over the window's offsets ({@code [w1..wk]}, row-major) equal to
     * {@code (1 - g) / (1 - g_min)} with {@code g} a Gaussian of peak 1 centred at offset {@code w_d/2},
     * standard deviation {@code sigma*w_d} per axis. Multiplied into the covered input.
     */
    public static float[] softWindowMask(int[] window, double sigma) {
        int size = spatialSize(window);
        double[] g = new double[size];
        double gmin = 1;
        int[] idx = new int[window.length];
        for (int p = 0; p < size; p++) {
            int rest = p;
            for (int d = window.length - 1; d >= 0; d--) {
                idx[d] = rest % window[d];
                rest /= window[d];
            }
            double e = 0;
            for (int d = 0; d < window.length; d++) {
                double z = (idx[d] - window[d] / 2) / (sigma * window[d]);
                e += z * z;
            }
            g[p] = Math.exp(-0.5 * e);
            gmin = Math.min(gmin, g[p]);
        }
        float[] mask = new float[size];
        double range = 1 - gmin;
        for (int p = 0; p < size; p++) {
            mask[p] = range > 0 ? (float) ((1 - g[p]) / range) : 0f;
        }
        return mask;
    }

    public static int spatialSize(int[] spatial) {
        int s = 1;
        for (int d : spatial) {
            s *= d;
        }
        return s;
    }
}
