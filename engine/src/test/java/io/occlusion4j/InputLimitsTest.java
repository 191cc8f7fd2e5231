package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.io.LargePngs;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a file can make the engine allocate: declared model input shapes are checked when the model loads,
 * images against their header before decoding and decoded no larger than needed, and an NPY saved as the
 * model takes it (a batch of one) is accepted.
 */
class InputLimitsTest {
    @TempDir
    Path dir;

    /** A model over {@code [N, 3, h, w]} that averages each channel: declared shape only, no weights. */
    private Path meanModel(String name, long h, long w) {
        return new OnnxGraphBuilder(name)
                .input("x", Dim.shape("N", 3, h, w))
                .node("GlobalAveragePool", "pooled", "x")
                .node("Flatten").inputs("pooled").outputs("y").intAttr("axis", 1).add()
                .output("y")
                .write(dir.resolve(name + ".onnx"));
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void aModelDeclaringAnInputTooLargeToAllocateIsRefusedWhenItLoadsNamingTheAxis() {
        Path huge = meanModel("huge", 100000, 100000);
        assertThatThrownBy(() -> Occlusion.builder().model(huge).window(8, 8).build())
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("x [N,3,100000,100000]")
                .hasMessageContaining("axis 3 is 100000")
                .hasMessageContaining("more than the 268435456 elements");
        Path wide = meanModel("wide", 2, 4_000_000_000L);
        assertThatThrownBy(() -> Occlusion.builder().model(wide).window(8, 8).build())
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("declares 4000000000 on axis 3");
        // a model within the limit still loads
        try (Occlusion ok = Occlusion.builder().model(meanModel("ok", 224, 224)).window(8, 8).build()) {
            assertThat(ok.modelSpatialSize()).containsExactly(224, 224);
        }
    }

    @Test
    void anNpySavedAsTheModelTakesItLosesItsBatchAxisOfOne() {
        Path model = ModelFiles.write(dir, "cnn.onnx", TestModels.smallCnn(3, 12, 10, 4, 5).onnx());
        float[] x = ModelFiles.random(3, 3 * 12 * 10);
        try (Occlusion o = Occlusion.builder().model(model).window(4, 4).stride(2, 2).build()) {
            SensitivityMap sample = o.explain(Tensor.of(x, 3, 12, 10));
            SensitivityMap batchOfOne = o.explain(Tensor.of(x, 1, 3, 12, 10));
            assertThat(batchOfOne.pixelMap(0).shape()).containsExactly(12, 10);
            assertThat(batchOfOne.gridMap(0).data()).containsExactly(sample.gridMap(0).data());
            // anything else keeps the clear error
            assertThatThrownBy(() -> o.explain(Tensor.of(new float[2 * 3 * 12 * 10], 2, 3, 12, 10)))
                    .isInstanceOf(OcclusionException.class).hasMessageContaining("takes rank 3 per sample");
        }
    }

    @Test
    void aChannelsLastBatchOfOneIsTransposedToChannelsFirst() {
        // the model takes [N, 6, 5, 3]: channels-last images of 6 x 5 pixels and 3 channels
        Path model = ModelFiles.write(dir, "nhwc.onnx", TestModels.linear(6, new int[] {5, 3}, 4, 8).onnx());
        float[] chw = ModelFiles.random(4, 3 * 6 * 5);
        float[] hwc = new float[chw.length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 30; i++) {
                hwc[i * 3 + c] = chw[c * 30 + i];
            }
        }
        try (Occlusion o = Occlusion.builder().model(model).layout(Layout.CHANNELS_LAST).window(2, 2).build()) {
            SensitivityMap sample = o.explain(Tensor.of(chw, 3, 6, 5));
            SensitivityMap asTheModelTakesIt = o.explain(Tensor.of(hwc, 1, 6, 5, 3));
            assertThat(asTheModelTakesIt.gridMap(0).data()).containsExactly(sample.gridMap(0).data());
        }
    }

    @Test
    void anImageOverThePixelLimitIsRefusedBeforeItIsDecoded() throws Exception {
        Path bomb = Files.write(dir.resolve("bomb.png"), LargePngs.flat(20000, 20000, 1, 0, 0));
        Path model = ModelFiles.write(dir, "cnn.onnx", TestModels.smallCnn(3, 16, 16, 4, 5).onnx());
        try (Occlusion o = Occlusion.builder().model(model).window(8, 8).build()) {
            long before = allocated();
            assertThatThrownBy(() -> o.explainImage(bomb))
                    .isInstanceOf(OcclusionException.class).hasMessageContaining("20000x20000").hasMessageContaining("the limits are");
            assertThat(allocated() - before).as("bytes allocated to refuse it").isLessThan(4L << 20);
        }
    }

    @Test
    void aLargeImageIsDecodedSubsampledToTheModelsSize() throws Exception {
        Path photo = Files.write(dir.resolve("photo.png"), LargePngs.flat(3000, 2000, 8, 2, 90));
        Path model = ModelFiles.write(dir, "cnn.onnx", TestModels.smallCnn(3, 16, 16, 4, 5).onnx());
        try (Occlusion o = Occlusion.builder().model(model).window(8, 8).build()) {
            o.explainImage(photo); // warm-up: class loading and the first forward allocate too
            long before = allocated();
            SensitivityMap map = o.explainImage(photo);
            // at full size the picture alone is 18 MB of RGB bytes and 24 MB once converted to int RGB
            assertThat(allocated() - before).as("bytes allocated to explain it").isLessThan(8L << 20);
            assertThat(map.pixelMap(0).shape()).containsExactly(16, 16);
        }
    }
}
