// The kernel bodies, compiled as C++ and run on the host, against the engine's Java reference.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.FillValues;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.Scoring;
import io.occlusion4j.core.VariantWriter;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same inputs, same outputs (to 1e-6, most of them bit for bit): every kernel of src/main/cuda, built
 * as C++ through host_compat.h, against io.occlusion4j.core. Inputs are fresh random ones of many
 * shapes (odd sizes, windows touching edges, gaps, 3-D), launch shapes are random too (results must not
 * depend on them), and outputs start poisoned. The random seed is printed (and fixed by {@code -Docclusion4j.seed}).
 */
class HostKernelsTest {
    private static final float TOL = 1e-6f;
    private static HostKernels host;
    private final Random rnd = RandomCase.seeded(HostKernelsTest.class);

    @BeforeAll
    static void load() {
        host = HostKernels.open();
    }

    @AfterAll
    static void close() {
        host.close();
    }

    private int grid() {
        return 1 + rnd.nextInt(4);
    }

    private int block() {
        return 1 + rnd.nextInt(33);
    }

    @Test
    void channelMeanIsTheReferenceBitForBit() {
        for (int trial = 0; trial < 20; trial++) {
            int channels = 1 + rnd.nextInt(5);
            int size = 1 + rnd.nextInt(3000);
            float[] x = randomFloats(channels * size);
            MemorySegment out = host.poisoned(channels);
            host.launch("occ_channel_mean", grid(), block(), host.floats(x), channels, (long) size, out);
            assertThat(HostKernels.toFloats(out, channels)).containsExactly(FillValues.channelMeans(x, channels, size));
        }
    }

    @Test
    void gaussianWeightsAndBlurMatchTheReference() {
        for (int trial = 0; trial < 30; trial++) {
            double sigma = 0.2 + rnd.nextDouble() * 3;
            int radius = OcclusionKernels.blurRadius(sigma);
            MemorySegment weights = host.poisoned(2 * radius + 1);
            host.launch("occ_gauss_weights", grid(), block(), sigma, radius, weights);
            float[] expectedWeights = FillValues.gaussianKernel(sigma);
            assertClose(HostKernels.toFloats(weights, expectedWeights.length), expectedWeights, "weights sigma " + sigma);

            RandomCase c = RandomCase.draw(rnd, "blur", Edge.CROP);
            int[] spatial = c.grid().spatialShape();
            long size = FillValues.spatialSize(spatial);
            float[] expected = FillValues.blur(c.x(), c.channels(), spatial, sigma);
            // The same passes OcclusionKernels.blur launches: one per real axis, ping-pong, axis 0 first.
            MemorySegment src = host.floats(c.x());
            MemorySegment a = host.poisoned(c.x().length);
            MemorySegment b = host.poisoned(c.x().length);
            MemorySegment out = null;
            for (int axis = 0; axis < spatial.length; axis++) {
                MemorySegment dst = axis % 2 == 0 ? a : b;
                long inner = 1;
                for (int d = axis + 1; d < spatial.length; d++) {
                    inner *= spatial[d];
                }
                long outer = size / (spatial[axis] * inner);
                host.launch("occ_blur_axis", grid(), block(), src, dst, c.channels(), size, outer, spatial[axis], inner,
                        weights, radius);
                src = dst;
                out = dst;
            }
            assertClose(HostKernels.toFloats(out, expected.length), expected, c.toString());
        }
    }

    @Test
    void noiseIsTheReferenceBitForBitWhateverTheLaunch() {
        for (int trial = 0; trial < 20; trial++) {
            long seed = rnd.nextLong();
            float low = rnd.nextFloat() - 1;
            float high = low + 0.1f + rnd.nextFloat() * 3;
            int count = 1 + rnd.nextInt(5000);
            MemorySegment out = host.poisoned(count);
            host.launch("occ_noise", grid(), block(), seed, low, high, (long) count, out);
            assertThat(HostKernels.toFloats(out, count)).containsExactly(FillValues.noise(seed, low, high, count));
        }
    }

    @Test
    void softWindowMaskMatchesTheReference() {
        for (int trial = 0; trial < 40; trial++) {
            RandomCase c = RandomCase.draw(rnd, "soft", Edge.CROP);
            double sigma = ((Fill.GaussianWindow) c.fill()).sigma();
            int[] window = c.grid().window();
            float[] expected = FillValues.softWindowMask(window, sigma);
            MemorySegment out = host.poisoned(expected.length);
            host.launch("occ_soft_mask", grid(), block(), HostKernels.withGeometry(c.geometry(), sigma, out));
            assertClose(HostKernels.toFloats(out, expected.length), expected, c.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant", "perChannel", "mean", "blur", "noise", "baseline", "soft"})
    void variantWriterMatchesTheReferenceBatchAfterBatch(String fillName) {
        for (Edge edge : Edge.values()) {
            for (int trial = 0; trial < 12; trial++) {
                checkWriter(RandomCase.draw(rnd, fillName, edge));
            }
        }
    }

    private void checkWriter(RandomCase c) {
        VariantWriter writer = new VariantWriter(c.x(), c.channels(), c.grid(), c.perChannel(), c.fill(), c.transform());
        KernelGeometry g = c.geometry();
        int windows = writer.count();
        assertEquals(windows, g.windowCount(), "window count of " + c);
        int sample = writer.sampleSize();
        int batch = Math.min(c.batch(), windows);
        FloatBuffer reference = FloatBuffer.allocate(batch * sample);
        for (int s = 0; s < batch; s++) {
            writer.writeBase(reference, s);
        }
        Object[] fill = kernelFill(c);
        MemorySegment x = host.floats(c.x());
        MemorySegment mean = host.floats(c.transform().mean());
        MemorySegment scale = host.floats(c.transform().scale());
        MemorySegment out = host.poisoned((long) batch * sample);
        int[] slotWindow = new int[batch];
        Arrays.fill(slotWindow, -1);
        for (int first = 0; first < windows; first += batch) {
            int n = Math.min(batch, windows - first);
            for (int s = 0; s < n; s++) {
                if (slotWindow[s] >= 0) {
                    writer.restore(reference, s, slotWindow[s]);
                }
                writer.occlude(reference, s, first + s);
                slotWindow[s] = first + s;
            }
            Object[] tail = concat(fill, new Object[] {mean, scale, out});
            if (first == 0) {
                host.launch("occ_write_full", grid(), block(), HostKernels.withGeometry(g, concat(new Object[] {batch, n, 0L, x}, tail)));
            } else {
                host.launch("occ_write_next", grid(), block(),
                        HostKernels.withGeometry(g, concat(new Object[] {n, (long) (first - batch), (long) first, x}, tail)));
            }
            String where = c + " after the batch starting at window " + first;
            if (c.half()) {
                short[] got = HostKernels.toShorts(out, (long) batch * sample);
                for (int i = 0; i < got.length; i++) {
                    short want = Float.floatToFloat16(reference.get(i));
                    if (got[i] != want) {
                        throw new AssertionError(where + ": element " + i + " is fp16 0x" + Integer.toHexString(got[i] & 0xffff)
                                + ", expected 0x" + Integer.toHexString(want & 0xffff) + " (" + reference.get(i) + ")");
                    }
                }
            } else {
                float[] got = HostKernels.toFloats(out, (long) batch * sample);
                for (int i = 0; i < got.length; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(reference.get(i))) {
                        throw new AssertionError(where + ": element " + i + " is " + got[i] + ", expected " + reference.get(i));
                    }
                }
            }
        }
    }

    /** The writer's fill arguments (mode, values, tensor, mask, seed, low, high), prepared by the reference. */
    private Object[] kernelFill(RandomCase c) {
        int channels = c.channels();
        MemorySegment none = MemorySegment.NULL;
        return switch (c.fill()) {
            case Fill.Constant k -> {
                float[] v = new float[channels];
                for (int i = 0; i < channels; i++) {
                    v[i] = k.values()[k.values().length == 1 ? 0 : i];
                }
                yield new Object[] {0, host.floats(v), none, none, 0L, 0f, 0f};
            }
            case Fill.Mean m -> new Object[] {0, host.floats(FillValues.channelMeans(c.x(), channels, c.spatialSize())), none,
                    none, 0L, 0f, 0f};
            case Fill.Blur b -> new Object[] {1, none, host.floats(FillValues.staticFill(c.fill(), c.x(), channels,
                    c.grid().spatialShape())), none, 0L, 0f, 0f};
            case Fill.Baseline b -> new Object[] {1, none, host.floats(b.tensor().data()), none, 0L, 0f, 0f};
            case Fill.Noise nz -> new Object[] {2, none, none, none, nz.seed(), nz.low(), nz.high()};
            case Fill.GaussianWindow s -> new Object[] {3, none, none,
                    host.floats(FillValues.softWindowMask(c.grid().window(), s.sigma())), 0L, 0f, 0f};
        };
    }

    @Test
    void halfConversionRoundsToNearestEvenLikeTheJdk() {
        float[] specials = {0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e6f, -1e6f, 6.1035156e-5f, 6.0975552e-5f,
                5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 1e-10f, 0.1f, 1.0009766f, 1.0004883f, 1.0014648f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 3.0517578e-5f};
        float[] values = new float[4096];
        System.arraycopy(specials, 0, values, 0, specials.length);
        for (int i = specials.length; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(rnd.nextInt()) ;
            if (Float.isNaN(values[i])) {
                values[i] = 1f;
            }
        }
        // A full write with no window and identity normalisation stores half(x).
        KernelGeometry g = new KernelGeometry(1, new int[] {1, values.length}, new int[] {1, 1}, new int[] {1, 1},
                KernelGeometry.EDGE_CROP, false, true, false);
        MemorySegment out = host.poisoned(values.length);
        host.launch("occ_write_full", grid(), block(), HostKernels.withGeometry(g, 1, 0, 0L, host.floats(values), 0,
                host.floats(0f), MemorySegment.NULL, MemorySegment.NULL, 0L, 0f, 0f, host.floats(0f), host.floats(1f), out));
        short[] got = HostKernels.toShorts(out, values.length);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToFloat16(values[i]), got[i], "half of " + values[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(Score.class)
    void scoresAndGatherMatchScoring(Score score) {
        for (int trial = 0; trial < 40; trial++) {
            boolean reduceMax = rnd.nextInt(3) == 0;
            int group = 1 + rnd.nextInt(12);
            int k = group * (1 + rnd.nextInt(4));
            int rows = 1 + rnd.nextInt(9);
            float[] outputs = randomFloats(rows * k);
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = outputs[i] * 20 - 10;
            }
            Scoring scoring = new Scoring(score, reduceMax ? Reduce.MAX : Reduce.NONE, new int[] {k}, new int[] {group});
            int count = scoring.count();
            float[] expected = new float[rows * count];
            float[] row = new float[count];
            for (int r = 0; r < rows; r++) {
                assertThat(scoring.scores(new FloatBuffer[] {FloatBuffer.wrap(outputs)}, r, row)).isTrue();
                System.arraycopy(row, 0, expected, r * count, count);
            }
            MemorySegment out = host.floats(outputs);
            MemorySegment dst = host.poisoned(rows * count);
            host.launch("occ_score_rows", grid(), block(), out, rows, k, group, RandomCase.scoreCode(score), reduceMax ? 1 : 0, dst);
            assertClose(HostKernels.toFloats(dst, rows * count), expected, score + " K=" + k + " group=" + group
                    + (reduceMax ? " max" : ""));

            int targets = 1 + rnd.nextInt(3);
            int[] target = new int[targets];
            for (int t = 0; t < targets; t++) {
                target[t] = rnd.nextInt(count);
            }
            float[] base = randomFloats(count);
            long windows = rows + 3 + rnd.nextInt(5);
            long first = rnd.nextInt((int) (windows - rows + 1));
            MemorySegment gridMap = host.poisoned(targets * windows);
            host.launch("occ_score_gather", grid(), block(), out, rows, k, group, RandomCase.scoreCode(score), reduceMax ? 1 : 0,
                    host.ints(target), targets, host.floats(base), first, windows, gridMap);
            float[] got = HostKernels.toFloats(gridMap, targets * windows);
            for (int t = 0; t < targets; t++) {
                for (int r = 0; r < rows; r++) {
                    float want = base[target[t]] - expected[r * count + target[t]];
                    assertEquals(want, got[(int) (t * windows + first + r)], TOL, "delta of row " + r + " target " + t);
                }
            }
        }
    }

    @Test
    void nonFiniteFlagFindsTheFirstBadWindow() {
        for (int trial = 0; trial < 30; trial++) {
            int rows = 1 + rnd.nextInt(20);
            int k = 1 + rnd.nextInt(30);
            int first = rnd.nextInt(1000);
            float[] outputs = randomFloats(rows * k);
            int expected = Integer.MAX_VALUE;
            int bad = rnd.nextInt(4);
            for (int b = 0; b < bad; b++) {
                int i = rnd.nextInt(outputs.length);
                outputs[i] = switch (rnd.nextInt(3)) {
                    case 0 -> Float.NaN;
                    case 1 -> Float.POSITIVE_INFINITY;
                    default -> Float.NEGATIVE_INFINITY;
                };
                expected = Math.min(expected, first + i / k);
            }
            MemorySegment flag = host.ints(Integer.MAX_VALUE);
            host.launch("occ_nonfinite_flag", grid(), block(), host.floats(outputs), (long) outputs.length, k, first, flag);
            assertEquals(expected, HostKernels.toInts(flag, 1)[0]);
        }
    }

    @ParameterizedTest
    @EnumSource(Edge.class)
    void pixelMapIsTheReferenceBitForBit(Edge edge) {
        for (int trial = 0; trial < 40; trial++) {
            RandomCase c = RandomCase.draw(rnd, "constant", edge);
            WindowGrid grid = c.grid();
            KernelGeometry g = c.geometry();
            int mapChannels = c.perChannel() ? c.channels() : 1;
            int targets = 1 + rnd.nextInt(3);
            int size = c.spatialSize();
            float[] gridMap = randomFloats(targets * mapChannels * grid.count());
            int tableLength = OcclusionKernels.coveringTableLength(g);
            MemorySegment lo = host.poisoned(tableLength);
            MemorySegment hi = host.poisoned(tableLength);
            host.launch("occ_covering_tables", grid(), block(), HostKernels.withGeometry(g, lo, hi));
            MemorySegment pixel = host.poisoned((long) targets * mapChannels * size);
            host.launch("occ_pixel_map", grid(), block(), HostKernels.withGeometry(g, host.floats(gridMap), mapChannels,
                    targets, lo, hi, pixel));
            float[] got = HostKernels.toFloats(pixel, (long) targets * mapChannels * size);
            for (int t = 0; t < targets; t++) {
                float[] oneTarget = Arrays.copyOfRange(gridMap, t * mapChannels * grid.count(), (t + 1) * mapChannels * grid.count());
                float[] expected = Reductions.pixelMap(oneTarget, grid, mapChannels);
                float[] mine = Arrays.copyOfRange(got, t * mapChannels * size, (t + 1) * mapChannels * size);
                assertThat(mine).as("%s target %d", c, t).containsExactly(expected);
            }
        }
    }

    @Test
    void copyWordsCopiesARange() {
        float[] src = randomFloats(100);
        MemorySegment dst = host.poisoned(50);
        host.launch("occ_copy_words", grid(), block(), host.floats(src).asSlice(4 * 30), dst.asSlice(4 * 10), 25L);
        float[] got = HostKernels.toFloats(dst, 50);
        assertThat(Arrays.copyOfRange(got, 10, 35)).containsExactly(Arrays.copyOfRange(src, 30, 55));
        assertThat(Float.isNaN(got[9]) || Float.floatToRawIntBits(got[9]) == 0x7f7f7f7f).isTrue();
    }

    private float[] randomFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat();
        }
        return v;
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static void assertClose(float[] got, float[] expected, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < got.length; i++) {
            float tol = TOL * Math.max(1f, Math.abs(expected[i]));
            if (!(Math.abs(got[i] - expected[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + expected[i]);
            }
        }
    }
}
