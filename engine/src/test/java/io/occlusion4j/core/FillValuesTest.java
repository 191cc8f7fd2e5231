package io.occlusion4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Fill;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class FillValuesTest {

    @Test
    void blurKeepsConstantsAndSpreadsAnImpulseSymmetrically() {
        float[] flat = new float[2 * 9 * 11];
        Arrays.fill(flat, 0.25f);
        for (float v : FillValues.blur(flat, 2, new int[] {9, 11}, 1.3)) {
            assertThat(v).isCloseTo(0.25f, Offset.offset(1e-6f));
        }
        float[] impulse = new float[15 * 15];
        impulse[7 * 15 + 7] = 1f;
        float[] b = FillValues.blur(impulse, 1, new int[] {15, 15}, 1.0);
        double sum = 0;
        for (float v : b) {
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, Offset.offset(1e-5));
        assertThat(b[7 * 15 + 6]).isCloseTo(b[7 * 15 + 8], Offset.offset(1e-7f)).isCloseTo(b[6 * 15 + 7], Offset.offset(1e-7f));
        assertThat(b[7 * 15 + 7]).isGreaterThan(b[7 * 15 + 6]);
        // The 2-D Gaussian is the product of 1-D kernels.
        float[] k = FillValues.gaussianKernel(1.0);
        assertThat(b[7 * 15 + 7]).isCloseTo(k[3] * k[3], Offset.offset(1e-7f));
    }

    @Test
    void noiseDependsOnlyOnSeedAndIndex() {
        float[] a = FillValues.noise(5, 0f, 1f, 1000);
        float[] b = FillValues.noise(5, 0f, 1f, 1000);
        assertThat(a).isEqualTo(b);
        assertThat(FillValues.noiseAt(5, 999, 0f, 1f)).isEqualTo(a[999]);
        assertThat(FillValues.noise(6, 0f, 1f, 1000)).isNotEqualTo(a);
        double mean = 0;
        for (float v : a) {
            assertThat(v).isBetween(0f, 1f).isNotEqualTo(1f);
            mean += v / a.length;
        }
        assertThat(mean).isCloseTo(0.5, Offset.offset(0.05));
    }

    @Test
    void softWindowRemovesTheCentreAndKeepsTheCorners() {
        float[] mask = FillValues.softWindowMask(new int[] {5, 5}, 0.25);
        assertThat(mask[2 * 5 + 2]).isEqualTo(0f);
        assertThat(mask[0]).isCloseTo(1f, Offset.offset(1e-6f));
        assertThat(mask[4 * 5 + 4]).isCloseTo(1f, Offset.offset(1e-6f));
        assertThat(mask[2 * 5 + 3]).isBetween(0f, 1f);
    }

    @Test
    void meanFillIsPerChannel() {
        float[] x = {1, 2, 3, 4, 10, 10, 10, 10};
        float[] f = FillValues.staticFill(Fill.mean(), x, 2, new int[] {2, 2});
        assertThat(f).containsExactly(2.5f, 2.5f, 2.5f, 2.5f, 10f, 10f, 10f, 10f);
    }

    @Test
    void blurSigmaIsBoundedWithAMessageNotAnArrayError() {
        assertThatThrownBy(() -> FillValues.blur(new float[12], 1, new int[] {3, 4}, 1e9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blur sigma must be in (0, 400], got 1.0E9");
        assertThatThrownBy(() -> FillValues.gaussianKernel(400.5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(FillValues.gaussianKernel(400)).hasSize(2401);
    }

    @Test
    void aKernelWiderThanTheAxisIsFoldedToItWithTheSameResult() {
        int[] spatial = {7, 5};
        float[] x = new float[2 * 35];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.7);
        }
        for (double sigma : new double[] {0.6, 2.5, 50}) {
            float[] got = FillValues.blur(x, 2, spatial, sigma);
            float[] want = plainBlur(x, 2, spatial, FillValues.gaussianKernel(sigma));
            for (int i = 0; i < x.length; i++) {
                assertThat(got[i]).as("sigma %s element %d", sigma, i).isCloseTo(want[i], Offset.offset(1e-5f));
            }
        }
    }

    /** The blur with every tap of the kernel, edges replicated: what folding must equal. */
    private static float[] plainBlur(float[] x, int channels, int[] spatial, float[] kernel) {
        int radius = kernel.length / 2;
        int h = spatial[0];
        int w = spatial[1];
        float[] rows = new float[x.length];
        float[] out = new float[x.length];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    double acc = 0;
                    for (int t = -radius; t <= radius; t++) {
                        acc += kernel[t + radius] * x[c * h * w + Math.min(h - 1, Math.max(0, i + t)) * w + j];
                    }
                    rows[c * h * w + i * w + j] = (float) acc;
                }
            }
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    double acc = 0;
                    for (int t = -radius; t <= radius; t++) {
                        acc += kernel[t + radius] * rows[c * h * w + i * w + Math.min(w - 1, Math.max(0, j + t))];
                    }
                    out[c * h * w + i * w + j] = (float) acc;
                }
            }
        }
        return out;
    }

    @Test
    void anInterruptedBlurStopsInsteadOfRunningToTheEnd() throws Exception {
        float[] x = new float[3 * 512 * 512];
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                FillValues.blur(x, 3, new int[] {512, 512}, 400);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        worker.start();
        Thread.sleep(100);
        worker.interrupt();
        worker.join(60_000);
        assertThat(thrown.get()).isInstanceOf(CancellationException.class);
    }
}
