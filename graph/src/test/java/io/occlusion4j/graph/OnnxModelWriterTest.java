package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtException;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.ZooModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A graph read from ONNX and written back gives ONNX Runtime's outputs bit for bit, on a ResNet-18 (BatchNormalization,
 * residual adds), the MobileNetV2-like zoo model (grouped and depthwise convolutions, Clip with constant inputs) and the
 * real PaddleOCR classifier (opset 9); a graph cut at an activation runs as its own model.
 */
class OnnxModelWriterTest {

    @Test
    void roundTripsModelsBitForBit() throws OrtException {
        check(TestModels.resnet18Proto(10, 64, 64, 3, TestModels.Batch.DYNAMIC).toByteArray(), new long[] {2, 3, 64, 64});
        check(ZooModels.mobileNetLike(40, 40, 10, 4), new long[] {2, 3, 40, 40});
        check(ZooModels.denseNetLike(32, 32, 10, 5), new long[] {1, 3, 32, 32});
    }

    @Test
    void roundTripsARealModel() throws OrtException, java.io.IOException {
        Path file = ModelParityTest.MODELS.resolve("ppocr_mobile_v2_cls.onnx");
        check(java.nio.file.Files.readAllBytes(file), new long[] {1, 3, 48, 192});
    }

    @Test
    void aPrefixWithAnActivationAsOutputRuns() throws OrtException {
        byte[] onnx = ZooModels.vgg16(32, 32, 10, 8, 6);
        Graph g = OnnxModelReader.read(onnx, null, "vgg");
        Graph cut = new Graph(g.name(), g.opsets(), g.inputs(), List.of("pool2.out"), g.nodes(), g.constants(), Map.of())
                .withoutDeadCode();
        TensorValue x = ModelParityTest.random(new long[] {1, 3, 32, 32}, 3);
        try (OrtOracle ort = new OrtOracle(OnnxModelWriter.write(cut))) {
            TensorValue out = ort.run(Map.of(TestModels.INPUT, x)).get("pool2.out");
            assertThat(out.shape()).containsExactly(1, 16, 8, 8);
        }
    }

    @Test
    void anOpaqueAttributeIsRefusedNamingTheNode() {
        Node n = Node.of("loop", "Loop", List.of("x"), List.of("y"), Map.of("body", new Attribute.Opaque("GRAPH")));
        Graph g = new Graph("g", Map.of("", 17L), List.of(new ValueInfo("x", DataType.FLOAT, Shape.of(1))), List.of("y"),
                List.of(n), Map.of(), Map.of());
        assertThatThrownBy(() -> OnnxModelWriter.write(g)).hasMessageContaining("loop").hasMessageContaining("GRAPH");
    }

    private static void check(byte[] onnx, long[] shape) throws OrtException {
        Graph g = OnnxModelReader.read(onnx, null, "model");
        String input = g.inputs().get(0).name();
        TensorValue x = ModelParityTest.random(shape, 11);
        Map<String, TensorValue> expected;
        try (OrtOracle ort = new OrtOracle(onnx)) {
            expected = ort.run(Map.of(input, x));
        }
        try (OrtOracle ort = new OrtOracle(OnnxModelWriter.write(g))) {
            Map<String, TensorValue> actual = ort.run(Map.of(input, x));
            assertThat(actual.keySet()).isEqualTo(expected.keySet());
            expected.forEach((k, v) -> assertThat(actual.get(k).floats()).as(k).containsExactly(v.floats()));
        }
    }
}
