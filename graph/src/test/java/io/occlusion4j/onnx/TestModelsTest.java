package io.occlusion4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtException;
import io.occlusion4j.onnx.TestModels.Batch;
import io.occlusion4j.onnx.TestModels.LinearModel;
import io.occlusion4j.onnx.TestModels.TestModel;
import io.occlusion4j.onnx.proto.GraphProto;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.NodeProto;
import io.occlusion4j.onnx.proto.TensorProto;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TestModelsTest {

    @Test
    void linear2dMatchesTheClosedForm() throws OrtException {
        LinearModel lin = TestModels.linear(3, new int[] {8, 10}, 5, 42L);
        assertThat(lin.features()).isEqualTo(240);
        assertThat(lin.weights()).hasSize(240 * 5);
        assertClosedForm(lin, 3);
    }

    @Test
    void linear3dMatchesTheClosedForm() throws OrtException {
        LinearModel lin = TestModels.linear(2, new int[] {4, 6, 5}, 7, 7L);
        assertThat(lin.sampleShape()).containsExactly(2, 4, 6, 5);
        assertClosedForm(lin, 2);
    }

    private static void assertClosedForm(LinearModel lin, int batch) throws OrtException {
        int f = lin.features();
        int k = lin.classes();
        float[] x = OrtRunner.randomInput(1234, batch * f);
        try (OrtRunner ort = new OrtRunner(lin.onnx())) {
            OrtRunner.Output out = ort.run(x, lin.model().inputShape(batch));
            assertThat(out.shape()).containsExactly(batch, k);
            for (int n = 0; n < batch; n++) {
                double[] expected = lin.expected(Arrays.copyOfRange(x, n * f, (n + 1) * f));
                for (int c = 0; c < k; c++) {
                    assertThat((double) out.at(n, c)).as("sample %d class %d", n, c)
                            .isCloseTo(expected[c], within(1e-5));
                }
            }
            // The expected values are not trivially small: the check above means something.
            double maxAbs = 0;
            for (float v : out.values()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).isBetween(0.05, 10.0);
        }
    }

    @Test
    void linearBatchOfThreeEqualsThreeSingleRuns() throws OrtException {
        LinearModel lin = TestModels.linear(3, new int[] {6, 6}, 4, 99L);
        int f = lin.features();
        float[] x = OrtRunner.randomInput(5, 3 * f);
        try (OrtRunner ort = new OrtRunner(lin.onnx())) {
            OrtRunner.Output batched = ort.run(x, lin.model().inputShape(3));
            for (int n = 0; n < 3; n++) {
                OrtRunner.Output single = ort.run(Arrays.copyOfRange(x, n * f, (n + 1) * f), lin.model().inputShape(1));
                assertThat(single.shape()).containsExactly(1, 4);
                for (int c = 0; c < 4; c++) {
                    assertThat(single.at(0, c)).isCloseTo(batched.at(n, c), within(1e-6f));
                }
            }
        }
    }

    @Test
    void linearWeightsAreAccessibleRowMajor() throws Exception {
        LinearModel lin = TestModels.linear(1, new int[] {2, 2}, 3, 1L);
        TensorProto w = ModelProto.parseFrom(lin.onnx()).getGraph().getInitializer(0);
        assertThat(w.getDimsList()).containsExactly(4L, 3L);
        float[] stored = new float[12];
        w.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(stored);
        assertThat(stored).containsExactly(lin.weights());
        assertThat(lin.weight(2, 1)).isEqualTo(lin.weights()[2 * 3 + 1]);
        // A one-hot sample picks row f of W plus b.
        float[] oneHot = new float[4];
        oneHot[2] = 1f;
        double[] e = lin.expected(oneHot);
        for (int c = 0; c < 3; c++) {
            assertThat(e[c]).isCloseTo((double) lin.weight(2, c) + lin.bias()[c], within(1e-12));
        }
        // Weights are bounded by 1/sqrt(features).
        for (float v : lin.weights()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(0.5f);
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() {
        assertThat(TestModels.smallCnn(3, 16, 16, 10, 3L).onnx()).isEqualTo(TestModels.smallCnn(3, 16, 16, 10, 3L).onnx());
        assertThat(TestModels.smallCnn(3, 16, 16, 10, 3L).onnx()).isNotEqualTo(TestModels.smallCnn(3, 16, 16, 10, 4L).onnx());
        assertThat(TestModels.linear(2, new int[] {3, 3}, 2, 8L).weights())
                .containsExactly(TestModels.linear(2, new int[] {3, 3}, 2, 8L).weights());
    }

    @Test
    void splitMixSequenceIsFixedBySeed() {
        // SplitMix64 from seed 0: the first output is a well-known constant of the algorithm.
        assertThat(new SplitMix64(0).nextLong()).isEqualTo(0xE220A8397B1DCDAFL);
        SplitMix64 r = new SplitMix64(17);
        for (int i = 0; i < 1000; i++) {
            float v = r.nextFloat();
            assertThat(v).isGreaterThanOrEqualTo(0f).isLessThan(1f);
        }
    }

    @ParameterizedTest
    @EnumSource(Batch.class)
    void smallCnnRunsWithExpectedShape(Batch batchMode) throws OrtException {
        TestModel m = TestModels.smallCnn(3, 20, 24, 6, 11L, batchMode);
        int n = batchMode == Batch.DYNAMIC ? 2 : 1;
        try (OrtRunner ort = new OrtRunner(m.onnx())) {
            assertThat(ort.inputShape(TestModels.INPUT)).containsExactly(batchMode == Batch.DYNAMIC ? -1 : 1, 3, 20, 24);
            OrtRunner.Output out = ort.run(OrtRunner.randomInput(1, n * m.sampleSize()), m.inputShape(n));
            assertThat(out.shape()).containsExactly(n, 6);
            assertFiniteAndNotConstant(out.values());
        }
        assertThat(opCounts(m.onnx())).containsEntry("Conv", 2L).containsEntry("Relu", 2L)
                .containsEntry("MaxPool", 1L).containsEntry("GlobalAveragePool", 1L).containsEntry("Gemm", 1L);
    }

    @Test
    void fixedBatchModelRefusesABatchOfTwo() throws OrtException {
        TestModel m = TestModels.smallCnn(3, 8, 8, 4, 1L, Batch.FIXED_ONE);
        try (OrtRunner ort = new OrtRunner(m.onnx())) {
            assertThat(ort.outputShape(TestModels.OUTPUT)).containsExactly(1, 4);
            assertThatThrownBy(() -> ort.run(new float[2 * m.sampleSize()], m.inputShape(2)))
                    .isInstanceOf(OrtException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Batch.class)
    void cnn3dRunsWithExpectedShape(Batch batchMode) throws Exception {
        TestModel m = TestModels.cnn3d(3, 8, 32, 32, 5, 21L, batchMode);
        assertThat(m.sampleShape()).containsExactly(3, 8, 32, 32);
        int n = batchMode == Batch.DYNAMIC ? 2 : 1;
        try (OrtRunner ort = new OrtRunner(m.onnx())) {
            OrtRunner.Output out = ort.run(OrtRunner.randomInput(2, n * m.sampleSize()), m.inputShape(n));
            assertThat(out.shape()).containsExactly(n, 5);
            assertFiniteAndNotConstant(out.values());
        }
        NodeProto conv = ModelProto.parseFrom(m.onnx()).getGraph().getNode(0);
        assertThat(conv.getOpType()).isEqualTo("Conv");
        assertThat(conv.getAttributeList()).filteredOn(a -> a.getName().equals("kernel_shape"))
                .singleElement().satisfies(a -> assertThat(a.getIntsList()).containsExactly(3L, 3L, 3L));
    }

    @Test
    void linearWithFixedBatchDeclaresOne() throws Exception {
        LinearModel lin = TestModels.linear(1, new int[] {3, 3}, 2, 5L, Batch.FIXED_ONE);
        GraphProto g = ModelProto.parseFrom(lin.onnx()).getGraph();
        assertThat(g.getInput(0).getType().getTensorType().getShape().getDim(0).getDimValue()).isEqualTo(1);
        assertThat(g.getOutput(0).getType().getTensorType().getShape().getDim(0).getDimValue()).isEqualTo(1);
        try (OrtRunner ort = new OrtRunner(lin.onnx())) {
            float[] x = OrtRunner.randomInput(3, 9);
            OrtRunner.Output out = ort.run(x, new long[] {1, 1, 3, 3});
            double[] e = lin.expected(x);
            assertThat((double) out.at(0, 0)).isCloseTo(e[0], within(1e-5));
            assertThat((double) out.at(0, 1)).isCloseTo(e[1], within(1e-5));
        }
    }

    @Test
    void resnet18WrittenToAFileLoadsAndRuns(@TempDir Path dir) throws Exception {
        Path file = TestModels.writeResNet18(dir.resolve("resnet18.onnx"), TestModels.IMAGENET_CLASSES, 2024L);
        long size = Files.size(file);
        // 11.69 M float parameters (conv, BN, fc) = 46.8 MB of raw data.
        assertThat(size).isBetween(46_000_000L, 48_000_000L);

        GraphProto g;
        try (InputStream in = Files.newInputStream(file)) {
            g = ModelProto.parseFrom(in).getGraph();
        }
        Map<String, Long> ops = g.getNodeList().stream()
                .collect(Collectors.groupingBy(NodeProto::getOpType, TreeMap::new, Collectors.counting()));
        assertThat(ops).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "Conv", 20L, "BatchNormalization", 20L, "Relu", 17L, "MaxPool", 1L, "Add", 8L,
                "GlobalAveragePool", 1L, "Flatten", 1L, "Gemm", 1L)));
        long params = g.getInitializerList().stream()
                .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b))
                .sum();
        // torchvision's resnet18 has 11,689,512 parameters, plus the running mean and variance of its
        // 20 BN layers (4,800 channels in all).
        assertThat(params).isEqualTo(11_689_512L + 2 * 4_800L);
        assertThat(g.getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("N");

        try (OrtRunner ort = new OrtRunner(file.toString())) {
            float[] x = OrtRunner.randomInput(9, 3 * 224 * 224);
            OrtRunner.Output out = ort.run(x, new long[] {1, 3, 224, 224});
            assertThat(out.shape()).containsExactly(1, 1000);
            assertFiniteAndNotConstant(out.values());
            double maxAbs = 0;
            for (float v : out.values()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).as("logits are O(1..10)").isBetween(0.5, 50.0);

            // Occluding one 32x32 window (all channels, fill 0) moves the logits: the model is usable
            // for occlusion sensitivity, not dominated by its biases.
            for (int c = 0; c < 3; c++) {
                for (int h = 96; h < 128; h++) {
                    Arrays.fill(x, (c * 224 + h) * 224 + 96, (c * 224 + h) * 224 + 128, 0f);
                }
            }
            OrtRunner.Output occluded = ort.run(x, new long[] {1, 3, 224, 224});
            double maxDelta = 0;
            for (int k = 0; k < 1000; k++) {
                maxDelta = Math.max(maxDelta, Math.abs(out.values()[k] - occluded.values()[k]));
            }
            assertThat(maxDelta).isGreaterThan(1e-3);
        }
    }

    @Test
    void resnet18FixedBatchInMemory() throws Exception {
        TestModel m = TestModels.resnet18(10, 1L, Batch.FIXED_ONE);
        assertThat(m.sampleShape()).containsExactly(3, 224, 224);
        try (OrtRunner ort = new OrtRunner(m.onnx())) {
            assertThat(ort.inputShape(TestModels.INPUT)).containsExactly(1, 3, 224, 224);
            OrtRunner.Output out = ort.run(OrtRunner.randomInput(4, m.sampleSize()), m.inputShape(1));
            assertThat(out.shape()).containsExactly(1, 10);
            assertFiniteAndNotConstant(out.values());
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> TestModels.linear(0, new int[] {2, 2}, 2, 1L)).hasMessageContaining("channels");
        assertThatThrownBy(() -> TestModels.linear(1, new int[] {2, 2, 2, 2}, 2, 1L)).hasMessageContaining("spatial");
        assertThatThrownBy(() -> TestModels.smallCnn(3, 1, 8, 2, 1L)).hasMessageContaining("height");
        assertThatThrownBy(() -> TestModels.resnet18Proto(10, 16, 224, 1L, Batch.DYNAMIC)).hasMessageContaining("height");
    }

    private static void assertFiniteAndNotConstant(float[] values) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            assertThat(Float.isFinite(v)).as("finite output").isTrue();
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(max - min).as("outputs differ across classes").isGreaterThan(1e-4f);
    }

    private static Map<String, Long> opCounts(byte[] onnx) {
        try {
            return ModelProto.parseFrom(onnx).getGraph().getNodeList().stream()
                    .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
