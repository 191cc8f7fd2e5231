package io.occlusion4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.NaiveOcclusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VariantWriterTest {

    static List<Fill> fills(float[] x, int channels, int[] spatial) {
        float[] b = new float[x.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 7) * 0.1f;
        }
        int[] shape = new int[spatial.length + 1];
        shape[0] = channels;
        System.arraycopy(spatial, 0, shape, 1, spatial.length);
        return List.of(Fill.constant(0f), Fill.constant(0.5f), Fill.mean(), Fill.blur(1.5), Fill.noise(42),
                Fill.baseline(Tensor.of(b, shape)), Fill.gaussianWindow(), Fill.constantPerChannel(fillPerChannel(channels)));
    }

    private static float[] fillPerChannel(int channels) {
        float[] v = new float[channels];
        for (int c = 0; c < channels; c++) {
            v[c] = 0.2f * c;
        }
        return v;
    }

    /** Every slot, after any sequence of restore/occlude, equals the brute-force variant, normalised. */
    @Test
    void slotsEqualBruteForceVariantsForRandomShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 60; trial++) {
            int k = 2 + rnd.nextInt(2);
            int channels = 1 + rnd.nextInt(3);
            int[] spatial = new int[k];
            int[] window = new int[k];
            int[] stride = new int[k];
            for (int d = 0; d < k; d++) {
                spatial[d] = 2 + rnd.nextInt(k == 2 ? 12 : 6);
                window[d] = 1 + rnd.nextInt(spatial[d]);
                stride[d] = 1 + rnd.nextInt(window[d]);
            }
            Edge edge = Edge.values()[rnd.nextInt(3)];
            boolean perChannel = rnd.nextBoolean();
            Layout layout = rnd.nextBoolean() ? Layout.CHANNELS_FIRST : Layout.CHANNELS_LAST;
            int size = FillValues.spatialSize(spatial);
            float[] x = new float[channels * size];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextDouble();
            }
            float[] mean = new float[channels];
            float[] std = new float[channels];
            for (int c = 0; c < channels; c++) {
                mean[c] = (float) rnd.nextDouble();
                std[c] = 0.5f + (float) rnd.nextDouble();
            }
            InputTransform transform = new InputTransform(mean, std, layout);
            WindowGrid grid = WindowGrid.of(spatial, window, stride, edge, false);
            for (Fill fill : fills(x, channels, spatial)) {
                VariantWriter writer = new VariantWriter(x, channels, grid, perChannel, fill, transform);
                int slots = 3;
                FloatBuffer buf = FloatBuffer.allocate(slots * writer.sampleSize());
                int[] held = {-1, -1, -1};
                for (int s = 0; s < slots; s++) {
                    writer.writeBase(buf, s);
                }
                for (int w = 0; w < writer.count(); w++) {
                    int s = w % slots;
                    if (held[s] >= 0) {
                        writer.restore(buf, s, held[s]);
                    }
                    writer.occlude(buf, s, w);
                    held[s] = w;
                    float[] expected = transform.toModel(NaiveOcclusion.occluded(x, channels, grid, perChannel, fill, w), size);
                    float[] actual = new float[writer.sampleSize()];
                    buf.get(s * writer.sampleSize(), actual);
                    for (int i = 0; i < actual.length; i++) {
                        assertThat(actual[i]).as("%s %s window %d element %d (%s, %s)", grid, fill, w, i, layout,
                                perChannel ? "per channel" : "joint").isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
                    }
                }
            }
        }
    }
}
