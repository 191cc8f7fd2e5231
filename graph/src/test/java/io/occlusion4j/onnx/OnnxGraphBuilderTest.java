package io.occlusion4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.proto.AttributeProto;
import io.occlusion4j.onnx.proto.GraphProto;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.NodeProto;
import io.occlusion4j.onnx.proto.TensorProto;
import io.occlusion4j.onnx.proto.TensorShapeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxGraphBuilderTest {

    private static OnnxGraphBuilder tiny() {
        return new OnnxGraphBuilder("tiny")
                .input("x", Dim.shape("N", 2, 3))
                .floatInitializer("w", new long[] {3, 4}, new float[] {
                    1.5f, -2f, 0f, 3.25f, 1e-7f, -0f, Float.MIN_VALUE, 7f, 8f, 9f, -10f, 11f})
                .int64Initializer("shape", new long[] {2}, new long[] {-1, 8})
                .node("MatMul").name("mm").inputs("x", "w").outputs("xw").add()
                .node("Reshape").inputs("xw", "shape").outputs("y").add()
                .node("Softmax").inputs("y").outputs("probs").intAttr("axis", -1).add()
                .output("probs", Dim.shape("N", 8));
    }

    @Test
    void roundTripKeepsNamesDimsOpsetAndData() throws Exception {
        byte[] bytes = tiny().opset(13).producer("unit", "1.0").metadata("purpose", "test").toBytes();

        ModelProto m = ModelProto.parseFrom(bytes);
        assertThat(m.getIrVersion()).isEqualTo(8);
        assertThat(m.getOpsetImportList()).singleElement().satisfies(o -> {
            assertThat(o.getDomain()).isEmpty();
            assertThat(o.getVersion()).isEqualTo(13);
        });
        assertThat(m.getProducerName()).isEqualTo("unit");
        assertThat(m.getProducerVersion()).isEqualTo("1.0");
        assertThat(m.getMetadataProps(0).getKey()).isEqualTo("purpose");
        assertThat(m.getMetadataProps(0).getValue()).isEqualTo("test");

        GraphProto g = m.getGraph();
        assertThat(g.getName()).isEqualTo("tiny");
        assertThat(g.getInput(0).getName()).isEqualTo("x");
        List<TensorShapeProto.Dimension> dims = g.getInput(0).getType().getTensorType().getShape().getDimList();
        assertThat(dims).hasSize(3);
        assertThat(dims.get(0).getValueCase()).isEqualTo(TensorShapeProto.Dimension.ValueCase.DIM_PARAM);
        assertThat(dims.get(0).getDimParam()).isEqualTo("N");
        assertThat(dims.get(1).getDimValue()).isEqualTo(2);
        assertThat(dims.get(2).getDimValue()).isEqualTo(3);
        assertThat(g.getInput(0).getType().getTensorType().getElemType())
                .isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        assertThat(g.getOutput(0).getName()).isEqualTo("probs");

        assertThat(g.getNodeList()).extracting(NodeProto::getOpType).containsExactly("MatMul", "Reshape", "Softmax");
        assertThat(g.getNodeList()).extracting(NodeProto::getName).containsExactly("mm", "Reshape_0", "Softmax_0");
        AttributeProto axis = g.getNode(2).getAttribute(0);
        assertThat(axis.getName()).isEqualTo("axis");
        assertThat(axis.getType()).isEqualTo(AttributeProto.AttributeType.INT);
        assertThat(axis.getI()).isEqualTo(-1);

        TensorProto w = g.getInitializer(0);
        assertThat(w.getName()).isEqualTo("w");
        assertThat(w.getDimsList()).containsExactly(3L, 4L);
        assertThat(w.getDataType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        assertThat(w.getFloatDataCount()).isZero();
        ByteBuffer raw = w.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(raw.remaining()).isEqualTo(12 * 4);
        // Little-endian IEEE 754: 1.5f is 0x3FC00000, so its first byte on the wire is 0x00 and its last 0x3F.
        assertThat(w.getRawData().byteAt(0)).isEqualTo((byte) 0x00);
        assertThat(w.getRawData().byteAt(3)).isEqualTo((byte) 0x3F);
        float[] back = new float[12];
        raw.asFloatBuffer().get(back);
        assertThat(back).containsExactly(1.5f, -2f, 0f, 3.25f, 1e-7f, -0f, Float.MIN_VALUE, 7f, 8f, 9f, -10f, 11f);
        assertThat(Float.floatToRawIntBits(back[5])).isEqualTo(Float.floatToRawIntBits(-0f));

        TensorProto shape = g.getInitializer(1);
        assertThat(shape.getDataType()).isEqualTo(TensorProto.DataType.INT64_VALUE);
        assertThat(shape.getInt64DataList()).containsExactly(-1L, 8L);
        assertThat(shape.hasRawData()).isFalse();
    }

    @Test
    void everyAttributeKindIsWrittenWithItsType() throws Exception {
        OnnxGraphBuilder b = new OnnxGraphBuilder("attrs").input("x", Dim.shape(1, 4));
        b.node("Custom").domain("test.domain").name("c").inputs("x").outputs("y")
                .intAttr("i", 7)
                .intsAttr("is", 1, 2, 3)
                .floatAttr("f", 0.5f)
                .floatsAttr("fs", 0.25f, -1f)
                .stringAttr("s", "héllo")
                .stringsAttr("ss", "a", "b")
                .add();
        b.opset("test.domain", 2).output("y");
        ModelProto m = ModelProto.parseFrom(b.toBytes());
        NodeProto n = m.getGraph().getNode(0);
        assertThat(n.getDomain()).isEqualTo("test.domain");
        assertThat(n.getAttributeList()).extracting(AttributeProto::getType).containsExactly(
                AttributeProto.AttributeType.INT, AttributeProto.AttributeType.INTS,
                AttributeProto.AttributeType.FLOAT, AttributeProto.AttributeType.FLOATS,
                AttributeProto.AttributeType.STRING, AttributeProto.AttributeType.STRINGS);
        assertThat(n.getAttribute(1).getIntsList()).containsExactly(1L, 2L, 3L);
        assertThat(n.getAttribute(3).getFloatsList()).containsExactly(0.25f, -1f);
        assertThat(n.getAttribute(4).getS().toStringUtf8()).isEqualTo("héllo");
        assertThat(n.getAttribute(5).getStringsList()).extracting(s -> s.toStringUtf8()).containsExactly("a", "b");
        assertThat(m.getOpsetImportList()).extracting(o -> o.getDomain() + ":" + o.getVersion())
                .containsExactly(":17", "test.domain:2");
        assertThat(m.getGraph().getOutput(0).getType().getTensorType().hasShape()).isFalse();
    }

    @Test
    void typedStorageUsesTheTypedFields() throws Exception {
        ModelProto m = new OnnxGraphBuilder("typed")
                .input("x", Dim.shape(2))
                .floatInitializer("f", new long[] {2}, new float[] {1f, 2f}, OnnxGraphBuilder.Storage.TYPED)
                .int64Initializer("l", new long[] {2}, new long[] {5, -6}, OnnxGraphBuilder.Storage.RAW)
                .node("Add", "y", "x", "f")
                .output("y", Dim.shape(2))
                .build();
        TensorProto f = m.getGraph().getInitializer(0);
        assertThat(f.getFloatDataList()).containsExactly(1f, 2f);
        assertThat(f.hasRawData()).isFalse();
        TensorProto l = m.getGraph().getInitializer(1);
        ByteBuffer raw = l.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(raw.getLong()).isEqualTo(5);
        assertThat(raw.getLong()).isEqualTo(-6);
    }

    @Test
    void writeCreatesTheSameBytesAndNoLeftovers(@TempDir Path dir) throws Exception {
        OnnxGraphBuilder b = tiny();
        Path file = b.write(dir.resolve("sub/tiny.onnx"));
        assertThat(Files.readAllBytes(file)).isEqualTo(b.toBytes());
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("tiny.onnx");
        }
        // The builder's model runs in ONNX Runtime: a matmul of ones by w, reshaped and softmaxed.
        try (OrtRunner ort = new OrtRunner(file.toString())) {
            OrtRunner.Output out = ort.run("x", new float[] {1, 1, 1, 1, 1, 1}, new long[] {1, 2, 3}, "probs");
            assertThat(out.shape()).containsExactly(1, 8);
            double sum = 0;
            for (float v : out.values()) {
                sum += v;
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void rejectsADuplicateValueNameAndNamesIt() {
        OnnxGraphBuilder b = new OnnxGraphBuilder("dup").input("x", Dim.shape(1));
        assertThatThrownBy(() -> b.floatInitializer("x", new long[] {1}, new float[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate value name 'x'")
                .hasMessageContaining("graph input");
        b.node("Relu").name("r").inputs("x").outputs("y").add();
        assertThatThrownBy(() -> b.node("Neg").inputs("x").outputs("y").add())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate value name 'y'")
                .hasMessageContaining("node 'r' (Relu)");
        assertThatThrownBy(() -> b.node("Neg").name("r").inputs("x").outputs("z").add())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate node name 'r'");
        assertThatThrownBy(() -> b.node("Neg").inputs("x").outputs("w").intAttr("a", 1).intAttr("a", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate attribute 'a'");
        assertThatThrownBy(() -> b.output("y").output("y"))
                .hasMessageContaining("duplicate graph output 'y'");
    }

    @Test
    void rejectsAnUndefinedInputAndNamesIt() {
        OnnxGraphBuilder b = new OnnxGraphBuilder("undef").input("x", Dim.shape(1));
        assertThatThrownBy(() -> b.node("Add").name("plus").inputs("x", "bias").outputs("y").add())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bias'")
                .hasMessageContaining("node 'plus' (Add)")
                .hasMessageContaining("undefined");
        // An omitted optional input ("") is not an undefined one.
        b.node("Clip").inputs("x", "", "").outputs("c").add();
        assertThat(b.isDefined("c")).isTrue();
    }

    @Test
    void rejectsAnOutputNoNodeProducesAndBadInitializers() {
        OnnxGraphBuilder b = new OnnxGraphBuilder("out").input("x", Dim.shape(1)).output("nowhere");
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("graph output 'nowhere'");
        assertThatThrownBy(() -> new OnnxGraphBuilder("g").input("x", Dim.shape(1)).toBytes())
                .hasMessageContaining("no outputs");
        assertThatThrownBy(() -> b.floatInitializer("w", new long[] {2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'w'")
                .hasMessageContaining("[2, 3]")
                .hasMessageContaining("5 values");
        assertThatThrownBy(() -> Dim.shape("N", 2.5)).hasMessageContaining("dimension 1");
        assertThatThrownBy(() -> Dim.of(-1)).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new OnnxGraphBuilder("g").opset(0)).hasMessageContaining("opset");
    }
}
