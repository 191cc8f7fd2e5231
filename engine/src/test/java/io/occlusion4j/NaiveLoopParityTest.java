package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.core.Scoring;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * On a small CNN, the engine's optimised path (one batch buffer, only window regions rewritten, pinned
 * outputs) equals the naive loop: clone the input, fill one window, run ONNX Runtime on it alone,
 * transform, subtract.
 */
class NaiveLoopParityTest {
    @TempDir
    static Path dir;
    static Path model;
    static final int C = 3, H = 17, W = 14, K = 6;

    @BeforeAll
    static void writeModel() {
        model = ModelFiles.write(dir, "cnn.onnx", TestModels.smallCnn(C, H, W, K, 99).onnx());
    }

    static List<Arguments> fillsAndScores() {
        float[] baseline = ModelFiles.random(3, C * H * W);
        List<Fill> fills = List.of(Fill.constant(0.5f), Fill.mean(), Fill.blur(2.0), Fill.noise(7),
                Fill.baseline(Tensor.of(baseline, C, H, W)), Fill.gaussianWindow(0.3));
        List<Arguments> out = new ArrayList<>();
        for (Fill f : fills) {
            for (Score s : Score.values()) {
                out.add(Arguments.of(f, s));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("fillsAndScores")
    void optimisedPathEqualsNaiveLoop(Fill fill, Score score) throws Exception {
        float[] x = ModelFiles.random(11, C * H * W);
        int[] window = {5, 4};
        int[] stride = {3, 3};
        float[] mean = {0.4f, 0.5f, 0.6f};
        float[] std = {0.2f, 0.25f, 0.3f};
        try (Occlusion occ = Occlusion.builder().model(model).window(window).stride(stride).fill(fill).score(score)
                .targets(Targets.topK(2)).normalize(mean, std).batchSize(4).build();
             ModelFiles.Naive naive = new ModelFiles.Naive(model)) {
            SensitivityMap map = occ.explain(Tensor.of(x, C, H, W));
            WindowGrid grid = WindowGrid.of(new int[] {H, W}, window, stride, Edge.CROP, false);
            float[] base = transform(naive.run(normalize(x, mean, std), new long[] {1, C, H, W}), score);
            int[] targets = map.targets();
            for (int t = 0; t < targets.length; t++) {
                assertThat(map.baseScores()[t]).isCloseTo(base[targets[t]], Offset.offset(1e-5f));
            }
            for (int w = 0; w < grid.count(); w++) {
                float[] occluded = NaiveOcclusion.occluded(x, C, grid, false, fill, w);
                float[] out = transform(naive.run(normalize(occluded, mean, std), new long[] {1, C, H, W}), score);
                for (int t = 0; t < targets.length; t++) {
                    assertThat(map.gridMap(t).data()[w]).as("window %d target %d", w, targets[t])
                            .isCloseTo(base[targets[t]] - out[targets[t]], Offset.offset(1e-5f));
                }
            }
        }
    }

    static float[] normalize(float[] x, float[] mean, float[] std) {
        int plane = x.length / mean.length;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i / plane;
            out[i] = (x[i] - mean[c]) / std[c];
        }
        return out;
    }

    static float[] transform(float[] v, Score score) {
        float[] out = v.clone();
        switch (score) {
            case RAW -> { }
            case SIGMOID -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Scoring.sigmoid(v[i]);
                }
            }
            case SOFTMAX -> {
                double m = Double.NEGATIVE_INFINITY;
                for (float f : v) {
                    m = Math.max(m, f);
                }
                double z = 0;
                for (float f : v) {
                    z += Math.exp(f - m);
                }
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (Math.exp(v[i] - m) / z);
                }
            }
        }
        return out;
    }

    /**
     * Captum parity: with RAW scores, constant fill 0, CROP and a window over all channels, the pixel map
     * equals Captum's Occlusion.attribute output in every channel. Captum's algorithm is reproduced here
     * by brute force: for each window position, mask = the window (all channels); accumulate
     * (f(x) - f(x * (1 - mask))) * mask and the mask itself; divide.
     */
    @Test
    void pixelMapEqualsCaptumAttribution() throws Exception {
        float[] x = ModelFiles.random(21, C * H * W);
        int[] window = {6, 5};
        int[] stride = {4, 3};
        try (Occlusion occ = Occlusion.builder().model(model).window(window).stride(stride).targets(Targets.of(2)).build();
             ModelFiles.Naive naive = new ModelFiles.Naive(model)) {
            SensitivityMap map = occ.explain(Tensor.of(x, C, H, W));
            float base = naive.run(x, new long[] {1, C, H, W})[2];
            double[] total = new double[x.length];
            double[] weights = new double[x.length];
            // Captum: shift counts ceil((D - w) / s) + 1 per axis (channel axis: one position).
            for (int i = 0; i <= Math.ceilDiv(H - window[0], stride[0]); i++) {
                for (int j = 0; j <= Math.ceilDiv(W - window[1], stride[1]); j++) {
                    float[] masked = x.clone();
                    float[] mask = new float[x.length];
                    for (int c = 0; c < C; c++) {
                        for (int y = i * stride[0]; y < Math.min(H, i * stride[0] + window[0]); y++) {
                            for (int z = j * stride[1]; z < Math.min(W, j * stride[1] + window[1]); z++) {
                                int e = (c * H + y) * W + z;
                                mask[e] = 1;
                                masked[e] = x[e] * (1 - mask[e]) + 0f * mask[e];
                            }
                        }
                    }
                    float diff = base - naive.run(masked, new long[] {1, C, H, W})[2];
                    for (int e = 0; e < x.length; e++) {
                        total[e] += diff * mask[e];
                        weights[e] += mask[e];
                    }
                }
            }
            float[] pixel = map.pixelMap(0).data();
            for (int e = 0; e < x.length; e++) {
                float captum = (float) (total[e] / weights[e]);
                assertThat(pixel[e % (H * W)]).as("element %d", e).isCloseTo(captum, Offset.offset(1e-5f));
            }
        }
    }
}
