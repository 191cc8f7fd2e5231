package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.StringStringEntryProto;
import io.occlusion4j.onnx.proto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelReaderTest {

    @TempDir
    Path dir;

    private static TensorProto external(String name, long[] dims, String location, long offset, long length) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        for (long d : dims) {
            t.addDims(d);
        }
        if (offset >= 0) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
        }
        if (length >= 0) {
            t.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)));
        }
        return t.build();
    }

    private static byte[] floatsLe(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** x [N, 3] + W, W given by the tensor supplied. */
    private static OnnxGraphBuilder addModel(TensorProto w) {
        return new OnnxGraphBuilder("add")
                .input("x", List.of(Dim.sym("N"), Dim.of(3)))
                .initializer(w)
                .node("Add").name("add").inputs("x", w.getName()).outputs("y").add()
                .output("y");
    }

    @Test
    void readsInitializersFromEveryStorage() {
        byte[] onnx = new OnnxGraphBuilder("storage")
                .opset(13)
                .input("x", List.of(Dim.of(2)))
                .floatInitializer("raw", new long[] {2}, new float[] {1.5f, -2f}, OnnxGraphBuilder.Storage.RAW)
                .floatInitializer("typed", new long[] {2}, new float[] {3f, 4f}, OnnxGraphBuilder.Storage.TYPED)
                .int64Initializer("ints", new long[] {2}, new long[] {7, -9}, OnnxGraphBuilder.Storage.RAW)
                .initializer(TensorProto.newBuilder().setName("i32").setDataType(TensorProto.DataType.INT32_VALUE)
                        .addDims(2).addInt32Data(5).addInt32Data(-6).build())
                .node("Add").name("a").inputs("x", "raw").outputs("s1").add()
                .node("Add").name("b").inputs("s1", "typed").outputs("y").add()
                .output("y")
                .toBytes();
        Graph g = OnnxModelReader.read(onnx, null, "storage");
        assertThat(g.opset()).isEqualTo(13);
        assertThat(g.constants().get("raw").floats()).containsExactly(1.5f, -2f);
        assertThat(g.constants().get("typed").floats()).containsExactly(3f, 4f);
        assertThat(g.constants().get("ints").longs()).containsExactly(7, -9);
        assertThat(g.constants().get("i32").type()).isEqualTo(DataType.INT32);
        assertThat(g.constants().get("i32").longs()).containsExactly(5, -6);
        assertThat(g.inputNames()).containsExactly("x");
    }

    @Test
    void readsExternalDataRelativeToTheModelFolder() throws IOException {
        Files.createDirectories(dir.resolve("weights"));
        byte[] data = new byte[8 + 12];
        System.arraycopy(floatsLe(10f, 20f, 30f), 0, data, 8, 12);
        Files.write(dir.resolve("weights/w.bin"), data);
        byte[] onnx = addModel(external("W", new long[] {3}, "weights/w.bin", 8, 12)).toBytes();
        Path model = Files.write(dir.resolve("m.onnx"), onnx);

        Graph g = OnnxModelReader.read(model);
        assertThat(g.constants().get("W").floats()).containsExactly(10f, 20f, 30f);
        Map<String, TensorValue> y = ReferenceExecutor.run(g,
                Map.of("x", TensorValue.ofFloats(new long[] {1, 3}, new float[] {1, 2, 3})));
        assertThat(y.get("y").floats()).containsExactly(11f, 22f, 33f);
    }

    @Test
    void refusesExternalDataOutsideTheModelFolder() throws IOException {
        Path inner = Files.createDirectories(dir.resolve("model"));
        Files.write(dir.resolve("secret.bin"), floatsLe(1, 2, 3));
        Path escaping = Files.write(inner.resolve("escape.onnx"),
                addModel(external("W", new long[] {3}, "../secret.bin", -1, -1)).toBytes());
        assertThatThrownBy(() -> OnnxModelReader.read(escaping))
                .isInstanceOf(GraphException.class)
                .hasMessageContaining("'W'").hasMessageContaining("leaves the model's folder");

        Path absolute = Files.write(inner.resolve("absolute.onnx"),
                addModel(external("W", new long[] {3}, dir.resolve("secret.bin").toString(), -1, -1)).toBytes());
        assertThatThrownBy(() -> OnnxModelReader.read(absolute))
                .isInstanceOf(GraphException.class).hasMessageContaining("is absolute");

        Files.createSymbolicLink(inner.resolve("link.bin"), dir.resolve("secret.bin"));
        Path linked = Files.write(inner.resolve("linked.onnx"),
                addModel(external("W", new long[] {3}, "link.bin", -1, -1)).toBytes());
        assertThatThrownBy(() -> OnnxModelReader.read(linked))
                .isInstanceOf(GraphException.class).hasMessageContaining("links outside");

        byte[] inMemory = addModel(external("W", new long[] {3}, "w.bin", -1, -1)).toBytes();
        assertThatThrownBy(() -> OnnxModelReader.read(inMemory, null, "bytes"))
                .isInstanceOf(GraphException.class).hasMessageContaining("not read from a file");
    }

    @Test
    void externalDataOfTheWrongLengthIsAnError() throws IOException {
        Files.write(dir.resolve("short.bin"), floatsLe(1, 2));
        Path model = Files.write(dir.resolve("m.onnx"), addModel(external("W", new long[] {3}, "short.bin", -1, -1)).toBytes());
        assertThatThrownBy(() -> OnnxModelReader.read(model))
                .isInstanceOf(GraphException.class).hasMessageContaining("holds 8 bytes, the tensor needs 12");
    }

    @Test
    void constantNodesBecomeConstants() {
        TensorProto c = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(3)
                .setRawData(ByteString.copyFrom(floatsLe(1, 2, 3))).build();
        byte[] onnx = new OnnxGraphBuilder("const")
                .input("x", List.of(Dim.of(3)))
                .node("Constant").name("c").outputs("k").tensorAttr("value", c).add()
                .node("Constant").name("c2").outputs("axes").intsAttr("value_ints", 0).add()
                .node("Mul").name("m").inputs("x", "k").outputs("y").add()
                .output("y")
                .toBytes();
        Graph g = OnnxModelReader.read(onnx, null, "const");
        assertThat(g.nodes()).extracting(Node::opType).containsExactly("Mul");
        assertThat(g.constants().get("k").floats()).containsExactly(1f, 2f, 3f);
        assertThat(g.constants().get("axes").longs()).containsExactly(0L);
    }

    @Test
    void malformedAndUnrepresentableModelsFailClearly() {
        assertThatThrownBy(() -> OnnxModelReader.read(new byte[] {0x0a, (byte) 0xff, 0x01}, null, "junk.onnx"))
                .isInstanceOf(GraphException.class).hasMessageContaining("junk.onnx").hasMessageContaining("does not parse");
        byte[] doubles = new OnnxGraphBuilder("d")
                .input("x", TensorProto.DataType.DOUBLE, List.of(Dim.of(2)))
                .node("Relu").name("r").inputs("x").outputs("y").add()
                .output("y").toBytes();
        assertThatThrownBy(() -> OnnxModelReader.read(doubles, null, "d.onnx"))
                .isInstanceOf(GraphException.class).hasMessageContaining("input 'x'").hasMessageContaining("DOUBLE");
        byte[] short_ = ModelProto.newBuilder().setGraph(io.occlusion4j.onnx.proto.GraphProto.newBuilder()
                .addInitializer(TensorProto.newBuilder().setName("w").setDataType(1).addDims(4).addFloatData(1f))).build()
                .toByteArray();
        assertThatThrownBy(() -> OnnxModelReader.read(short_, null, "s.onnx"))
                .isInstanceOf(GraphException.class).hasMessageContaining("tensor 'w'").hasMessageContaining("needs 4 elements, has 1");
    }

    @Test
    void readsTheRealModels() {
        Graph blaze = OnnxModelReader.read(ModelParityTest.MODELS.resolve("blazeface_front_128.onnx"));
        assertThat(blaze.opset()).isEqualTo(12);
        assertThat(blaze.outputs()).hasSize(4);
        Graph ocr = OnnxModelReader.read(ModelParityTest.MODELS.resolve("ppocr_mobile_v2_cls.onnx"));
        assertThat(ocr.opset()).isEqualTo(9);
        assertThat(ocr.inputs().get(0).shape().dims()).containsExactly(Dim.sym("p2o.DynamicDimension.0"), Dim.of(3),
                Dim.sym("p2o.DynamicDimension.1"), Dim.sym("p2o.DynamicDimension.2"));
        // 250 Constant nodes were folded into constants at reading.
        assertThat(ocr.opTypes()).doesNotContain("Constant");
    }
}
