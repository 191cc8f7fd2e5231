package io.occlusion4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.NaiveOcclusion;
import io.occlusion4j.WindowGrid;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ReductionsTest {

    @Test
    void pixelMapIsTheMeanOverCoveringWindows() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            int k = 2 + rnd.nextInt(2);
            int[] spatial = new int[k];
            int[] window = new int[k];
            int[] stride = new int[k];
            for (int d = 0; d < k; d++) {
                spatial[d] = 1 + rnd.nextInt(k == 2 ? 15 : 7);
                window[d] = 1 + rnd.nextInt(spatial[d]);
                stride[d] = 1 + rnd.nextInt(window[d] + 2);
            }
            WindowGrid grid = WindowGrid.of(spatial, window, stride, Edge.values()[rnd.nextInt(3)], true);
            int channels = 1 + rnd.nextInt(2);
            float[] g = new float[channels * grid.count()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            float[] fast = Reductions.pixelMap(g, grid, channels);
            float[] naive = NaiveOcclusion.pixelMap(g, grid, channels);
            for (int i = 0; i < fast.length; i++) {
                assertThat(fast[i]).as("%s element %d", grid, i).isCloseTo(naive[i], Offset.offset(1e-6f));
            }
            // Run to run, bit for bit.
            assertThat(Reductions.pixelMap(g, grid, channels)).isEqualTo(fast);
        }
    }
}
