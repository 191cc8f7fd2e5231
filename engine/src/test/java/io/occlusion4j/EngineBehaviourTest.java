package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.core.Scoring;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batching, layouts, output selection, reduction and every bad input of DESIGN section 7. */
class EngineBehaviourTest {
    @TempDir
    Path dir;

    private Path linear(int c, int[] spatial, TestModels.Batch batch) {
        return ModelFiles.write(dir, "lin-" + batch + spatial.length + ".onnx", TestModels.linear(c, spatial, 5, 3, batch).onnx());
    }

    @Test
    void closingTwiceIsHarmless() {
        Occlusion o = Occlusion.builder().model(linear(1, new int[] {4, 4}, TestModels.Batch.DYNAMIC)).window(2, 2).build();
        Occlusion derived = o.with(b -> b.window(1, 1));
        derived.close();
        o.close();
        o.close(); // threw "Trying to close an already closed OrtSession" before
        assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 4, 4))).isInstanceOf(RuntimeException.class);
    }

    @Test
    void batchSizeDoesNotChangeTheMapAndAFixedBatchOfOneWorks() {
        Path dynamic = linear(2, new int[] {9, 8}, TestModels.Batch.DYNAMIC);
        Path fixed = linear(2, new int[] {9, 8}, TestModels.Batch.FIXED_ONE);
        Tensor x = Tensor.of(ModelFiles.random(1, 2 * 9 * 8), 2, 9, 8);
        SensitivityMap reference;
        try (Occlusion o = Occlusion.builder().model(dynamic).window(3, 3).stride(2, 2).batchSize(1).build()) {
            reference = o.explain(x);
            assertThat(reference.stats().batchSize()).isEqualTo(1);
        }
        for (int b : new int[] {2, 7, 16, 1000, 0}) {
            try (Occlusion o = Occlusion.builder().model(dynamic).window(3, 3).stride(2, 2).batchSize(b).build()) {
                SensitivityMap m = o.explain(x);
                assertThat(m.gridMap(0).data()).as("batch %d", b).usingComparatorWithPrecision(1e-6f)
                        .containsExactly(reference.gridMap(0).data());
                assertThat(m.stats().batchFixed()).isFalse();
                assertThat(m.stats().batchSize()).isLessThanOrEqualTo(reference.stats().windows() + 1);
            }
        }
        try (Occlusion o = Occlusion.builder().model(fixed).window(3, 3).stride(2, 2).batchSize(16).build()) {
            SensitivityMap m = o.explain(x);
            assertThat(m.stats().batchFixed()).isTrue();
            assertThat(m.stats().batchSize()).isEqualTo(1);
            assertThat(m.stats().forwards()).isEqualTo(1 + m.stats().windows());
            assertThat(m.gridMap(0).data()).usingComparatorWithPrecision(1e-6f).containsExactly(reference.gridMap(0).data());
        }
    }

    @Test
    void channelsLastModelsGetTheSameVariantsTransposed() throws Exception {
        // A linear model over [H, W, C] samples: "channels" H=6, spatial (W=5, C=3) in the builder's terms.
        TestModels.LinearModel model = TestModels.linear(6, new int[] {5, 3}, 4, 8);
        Path file = ModelFiles.write(dir, "nhwc.onnx", model.onnx());
        float[] x = ModelFiles.random(2, 3 * 6 * 5);
        float[] mean = {0.1f, 0.2f, 0.3f};
        float[] std = {0.5f, 0.6f, 0.7f};
        try (Occlusion o = Occlusion.builder().model(file).layout(Layout.CHANNELS_LAST).normalize(mean, std)
                .window(2, 2).stride(2, 1).fill(Fill.constant(0.9f)).targets(Targets.of(1)).build()) {
            SensitivityMap m = o.explain(Tensor.of(x, 3, 6, 5));
            WindowGrid grid = m.grid();
            double base = model.expected(nhwc(x, mean, std))[1];
            for (int w = 0; w < grid.count(); w++) {
                float[] occ = NaiveOcclusion.occluded(x, 3, grid, false, Fill.constant(0.9f), w);
                double expected = base - model.expected(nhwc(occ, mean, std))[1];
                assertThat(m.gridMap(0).data()[w]).isCloseTo((float) expected, Offset.offset(1e-5f));
            }
        }
    }

    private static float[] nhwc(float[] chw, float[] mean, float[] std) {
        int h = 6, w = 5, c = 3;
        float[] out = new float[chw.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < h * w; p++) {
                out[p * c + ch] = (chw[ch * h * w + p] - mean[ch]) / std[ch];
            }
        }
        return out;
    }

    /** Two outputs; the score is sigmoid(max over both), as for a detector's top confidence. */
    private Path twoOutputModel() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("two");
        g.input("input", Dim.shape("N", 1, 4, 4));
        g.node("Flatten").inputs("input").outputs("flat").intAttr("axis", 1).add();
        float[] w1 = new float[16 * 3];
        float[] w2 = new float[16 * 2];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = ((i * 7) % 11 - 5) / 10f;
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = ((i * 5) % 13 - 6) / 10f;
        }
        g.floatInitializer("w1", new long[] {16, 3}, w1);
        g.floatInitializer("w2", new long[] {16, 2}, w2);
        g.node("MatMul").inputs("flat", "w1").outputs("a").add();
        g.node("MatMul").inputs("flat", "w2").outputs("b").add();
        g.output("a");
        g.output("b");
        return ModelFiles.write(dir, "two.onnx", g.toBytes());
    }

    @Test
    void maxReductionOverSeveralNamedOutputs() throws Exception {
        Path file = twoOutputModel();
        float[] x = ModelFiles.random(4, 16);
        try (Occlusion o = Occlusion.builder().model(file).outputs("a", "b").reduce(Reduce.MAX).score(Score.SIGMOID)
                .window(2, 2).build()) {
            SensitivityMap m = o.explain(Tensor.of(x, 1, 4, 4));
            assertThat(m.targets()).containsExactly(0);
            assertThat(m.output()).isEqualTo("a+b");
            float best = Float.NEGATIVE_INFINITY;
            try (ai.onnxruntime.OrtSession s = ai.onnxruntime.OrtEnvironment.getEnvironment().createSession(file.toString());
                 var in = ai.onnxruntime.OnnxTensor.createTensor(ai.onnxruntime.OrtEnvironment.getEnvironment(),
                         java.nio.FloatBuffer.wrap(x), new long[] {1, 1, 4, 4});
                 var r = s.run(java.util.Map.of("input", in))) {
                for (String name : List.of("a", "b")) {
                    var fb = ((ai.onnxruntime.OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
                    while (fb.hasRemaining()) {
                        best = Math.max(best, fb.get());
                    }
                }
            }
            assertThat(m.baseScores()[0]).isCloseTo(Scoring.sigmoid(best), Offset.offset(1e-6f));
        }
        try (Occlusion o = Occlusion.builder().model(file).outputs("b").window(2, 2).targets(Targets.topK(2)).build()) {
            assertThat(o.explain(Tensor.of(x, 1, 4, 4)).output()).isEqualTo("b");
        }
    }

    @Test
    void threeDimensionalCnnAndBatchesOfInputs() {
        Path file = ModelFiles.write(dir, "c3d.onnx", TestModels.cnn3d(2, 6, 10, 12, 3, 5).onnx());
        try (Occlusion o = Occlusion.builder().model(file).window(2, 4, 4).stride(2, 4, 4).edge(Edge.SHIFT).build()) {
            List<SensitivityMap> maps = o.explain(List.of(Tensor.of(ModelFiles.random(1, 2 * 6 * 10 * 12), 2, 6, 10, 12),
                    Tensor.of(ModelFiles.random(2, 2 * 6 * 10 * 12), 2, 6, 10, 12)));
            assertThat(maps).hasSize(2);
            assertThat(maps.get(0).gridShape()).containsExactly(3, 3, 3);
            assertThat(maps.get(0).pixelShape()).containsExactly(6, 10, 12);
            assertThat(maps.get(0).gridMap(0).data()).isNotEqualTo(maps.get(1).gridMap(0).data());
        }
    }

    @Test
    void derivedSettingsShareTheModel() {
        Path file = linear(1, new int[] {6, 6}, TestModels.Batch.DYNAMIC);
        Tensor x = Tensor.of(ModelFiles.random(3, 36), 1, 6, 6);
        try (Occlusion o = Occlusion.builder().model(file).window(3, 3).build()) {
            try (Occlusion finer = o.with(b -> b.window(2, 2).stride(1, 1))) {
                assertThat(finer.explain(x).gridShape()).containsExactly(5, 5);
            }
            assertThat(o.explain(x).gridShape()).containsExactly(2, 2);
            assertThatThrownBy(() -> o.with(b -> b.model(Path.of("other.onnx")))).hasMessageContaining("fixed when the model is loaded");
        }
    }

    // ---- DESIGN section 7: one test per bad input, each naming the problem.

    @Test
    void missingModelFile() {
        assertThatThrownBy(() -> Occlusion.builder().model(dir.resolve("absent.onnx")).window(2, 2).build())
                .isInstanceOf(OcclusionException.class).hasMessageContaining("absent.onnx does not exist");
    }

    @Test
    void corruptModelFile() throws Exception {
        Path bad = Files.write(dir.resolve("corrupt.onnx"), "this is not protobuf at all".getBytes());
        assertThatThrownBy(() -> Occlusion.builder().model(bad).window(2, 2).build())
                .isInstanceOf(OcclusionException.class).hasMessageContaining("cannot load model").hasMessageContaining("corrupt.onnx");
    }

    @Test
    void inputRankTheModelDoesNotTake() {
        Path file = linear(3, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2, 2).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(3, 4, 8, 8)))
                    .isInstanceOf(OcclusionException.class).hasMessageContaining("has rank 4").hasMessageContaining("takes rank 3");
        }
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(3, 8, 9)))
                    .isInstanceOf(OcclusionException.class).hasMessageContaining("needs 8 on axis 3");
        }
    }

    @Test
    void windowLargerThanTheInput() {
        Path file = linear(1, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        try (Occlusion o = Occlusion.builder().model(file).window(9, 2).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 8, 8))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("window [9, 2] is larger than the input [8, 8]");
        }
    }

    @Test
    void zeroOrNegativeStride() {
        Path file = linear(1, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        for (int[] stride : new int[][] {{0, 1}, {2, -1}}) {
            try (Occlusion o = Occlusion.builder().model(file).window(2, 2).stride(stride).build()) {
                assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 8, 8))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("must be >= 1");
            }
        }
    }

    @Test
    void strideLargerThanTheWindowNeedsTheExplicitOption() {
        Path file = linear(1, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).stride(3, 3).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 8, 8))).hasMessageContaining("larger than the window");
        }
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).stride(3, 3).allowGaps(true).build()) {
            SensitivityMap m = o.explain(Tensor.of(ModelFiles.random(9, 64), 1, 8, 8));
            assertThat(m.pixelMap(0).get(2, 0)).isZero();
        }
    }

    @Test
    void targetOutOfRange() {
        Path file = linear(1, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).targets(Targets.of(5)).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 8, 8))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("target 5 is out of range").hasMessageContaining("has 5 scores");
        }
    }

    @Test
    void unknownOutputName() {
        Path file = linear(1, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).outputs("probs").build()) {
            assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 8, 8))).hasMessageContaining("no output named 'probs'")
                    .hasMessageContaining("[logits]");
        }
    }

    @Test
    void nanInTheModelOutputIsReported() {
        // logits = sqrt(x - 0.5): NaN wherever an input is below 0.5; the unoccluded input is all 1.
        OnnxGraphBuilder g = new OnnxGraphBuilder("nan");
        g.input("input", Dim.shape("N", 1, 2, 2));
        g.floatInitializer("half", new long[] {1}, new float[] {0.5f});
        g.node("Flatten").inputs("input").outputs("flat").intAttr("axis", 1).add();
        g.node("Sub").inputs("flat", "half").outputs("shifted").add();
        g.node("Sqrt").inputs("shifted").outputs("logits").add();
        g.output("logits");
        Path file = ModelFiles.write(dir, "nan.onnx", g.toBytes());
        float[] ones = {1, 1, 1, 1};
        try (Occlusion o = Occlusion.builder().model(file).window(1, 1).build()) {
            assertThatThrownBy(() -> o.explain(Tensor.of(ones, 1, 2, 2))).isInstanceOf(OcclusionException.class)
                    .hasMessageContaining("contains NaN or Inf for the variant occluding window 0");
            assertThatThrownBy(() -> o.explain(Tensor.zeros(1, 2, 2))).hasMessageContaining("NaN or Inf for the unoccluded input");
        }
    }

    @Test
    void truncatedImage() throws Exception {
        Path file = linear(3, new int[] {8, 8}, TestModels.Batch.DYNAMIC);
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        byte[] png = out.toByteArray();
        Path cut = Files.write(dir.resolve("cut.png"), java.util.Arrays.copyOf(png, png.length - 20));
        try (Occlusion o = Occlusion.builder().model(file).window(2, 2).build()) {
            assertThatThrownBy(() -> o.explainImage(cut)).isInstanceOf(OcclusionException.class)
                    .hasMessageContaining("cut.png is truncated or corrupt");
            // A whole image is resized to the model's 8x8 input.
            Path whole = Files.write(dir.resolve("whole.png"), png);
            assertThat(o.explainImage(whole).pixelShape()).containsExactly(8, 8);
        }
    }

    @Test
    void npyWithUnsupportedDtypeOrFortranOrder() throws Exception {
        Path ints = Files.write(dir.resolve("ints.npy"), io.occlusion4j.io.NpyTest.npy("<i4", false, "(1, 2, 2)", new byte[16]));
        assertThatThrownBy(() -> io.occlusion4j.io.Npy.read(ints)).hasMessageContaining("ints.npy").hasMessageContaining("'<i4'");
        Path fortran = Files.write(dir.resolve("f.npy"), io.occlusion4j.io.NpyTest.npy("<f4", true, "(1, 2, 2)", new byte[16]));
        assertThatThrownBy(() -> io.occlusion4j.io.Npy.read(fortran)).hasMessageContaining("Fortran-order");
    }
}
