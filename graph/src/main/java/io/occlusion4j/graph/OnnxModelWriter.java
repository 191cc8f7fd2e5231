package io.occlusion4j.graph;

import com.google.protobuf.ByteString;
import io.occlusion4j.onnx.proto.AttributeProto;
import io.occlusion4j.onnx.proto.GraphProto;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.NodeProto;
import io.occlusion4j.onnx.proto.OperatorSetIdProto;
import io.occlusion4j.onnx.proto.TensorProto;
import io.occlusion4j.onnx.proto.TensorShapeProto;
import io.occlusion4j.onnx.proto.TypeProto;
import io.occlusion4j.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Writes a graph of the IR back to a serialized ONNX model: what the engine's incremental inference uses to run
 * pieces of a model (one layer, the layers after a switch point) on ONNX Runtime. Inputs are written with the shapes
 * the graph declares, outputs with the element type of their inferred value when known (float otherwise) and no
 * shape, constants as initializers in {@code raw_data}. An attribute kind the IR keeps only as
 * {@link Attribute.Opaque} cannot be written and fails naming the node.
 */
public final class OnnxModelWriter {
    /** IR version written: 8 reads every opset up to 17; later opsets need 9. */
    private static final long IR_VERSION = 9;

    private OnnxModelWriter() {
    }

    /** The serialized model of {@code graph}. */
    public static byte[] write(Graph graph) {
        return model(graph).toByteArray();
    }

    static ModelProto model(Graph graph) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(graph.name());
        for (ValueInfo in : graph.inputs()) {
            g.addInput(valueInfo(in.name(), in.type(), in.shape()));
        }
        for (String out : graph.outputs()) {
            ValueInfo v = graph.values().get(out);
            g.addOutput(valueInfo(out, v == null ? DataType.FLOAT : v.type(), null));
        }
        for (Map.Entry<String, TensorValue> c : graph.constants().entrySet()) {
            g.addInitializer(tensor(c.getKey(), c.getValue()));
        }
        for (Node n : graph.nodes()) {
            g.addNode(node(n));
        }
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("occlusion4j")
                .setGraph(g);
        for (Map.Entry<String, Long> o : graph.opsets().entrySet()) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(o.getKey()).setVersion(o.getValue()));
        }
        return m.build();
    }

    private static NodeProto node(Node n) {
        NodeProto.Builder b = NodeProto.newBuilder().setName(n.name()).setOpType(n.opType()).setDomain(n.domain())
                .addAllInput(n.inputs()).addAllOutput(n.outputs());
        for (Map.Entry<String, Attribute> e : n.attributes().entrySet()) {
            b.addAttribute(attribute(n, e.getKey(), e.getValue()));
        }
        return b.build();
    }

    private static AttributeProto attribute(Node n, String name, Attribute a) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name);
        switch (a) {
            case Attribute.Int(long v) -> b.setType(AttributeProto.AttributeType.INT).setI(v);
            case Attribute.Float(float v) -> b.setType(AttributeProto.AttributeType.FLOAT).setF(v);
            case Attribute.Str(String v) -> b.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v));
            case Attribute.Ints i -> {
                b.setType(AttributeProto.AttributeType.INTS);
                for (long v : i.values()) {
                    b.addInts(v);
                }
            }
            case Attribute.Floats f -> {
                b.setType(AttributeProto.AttributeType.FLOATS);
                for (float v : f.values()) {
                    b.addFloats(v);
                }
            }
            case Attribute.Strs(List<String> values) -> {
                b.setType(AttributeProto.AttributeType.STRINGS);
                for (String v : values) {
                    b.addStrings(ByteString.copyFromUtf8(v));
                }
            }
            case Attribute.Tensor(TensorValue v) -> b.setType(AttributeProto.AttributeType.TENSOR).setT(tensor("", v));
            case Attribute.Opaque(String kind) -> throw n.error("attribute '" + name + "' of kind " + kind
                    + " cannot be written back to ONNX");
        }
        return b.build();
    }

    /** A tensor in {@code raw_data}, little-endian. */
    static TensorProto tensor(String name, TensorValue v) {
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(v.type().onnxCode());
        if (!name.isEmpty()) {
            t.setName(name);
        }
        for (long d : v.shape()) {
            t.addDims(d);
        }
        int n = v.size();
        ByteBuffer buf = ByteBuffer.allocate(n * v.type().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (v.type()) {
            case FLOAT -> buf.asFloatBuffer().put(v.floats());
            case INT64 -> buf.asLongBuffer().put(v.longs());
            case INT32 -> {
                for (long x : v.longs()) {
                    buf.putInt((int) x);
                }
            }
            case BOOL -> {
                for (long x : v.longs()) {
                    buf.put((byte) (x != 0 ? 1 : 0));
                }
            }
        }
        return t.setRawData(ByteString.copyFrom(buf.array())).build();
    }

    private static ValueInfoProto valueInfo(String name, DataType type, Shape shape) {
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(type.onnxCode());
        if (shape != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (Dim d : shape.dims()) {
                switch (d) {
                    case Dim.Fixed f -> s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(f.size()));
                    case Dim.Symbolic p -> s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(p.name()));
                }
            }
            tensor.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
