package io.occlusion4j.graph;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.proto.AttributeProto;
import io.occlusion4j.onnx.proto.GraphProto;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.NodeProto;
import io.occlusion4j.onnx.proto.OperatorSetIdProto;
import io.occlusion4j.onnx.proto.StringStringEntryProto;
import io.occlusion4j.onnx.proto.TensorProto;
import io.occlusion4j.onnx.proto.TensorShapeProto;
import io.occlusion4j.onnx.proto.TypeProto;
import io.occlusion4j.onnx.proto.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model into the graph IR: opset imports, fed inputs with their declared shapes,
 * initializers (typed fields, {@code raw_data}, or external data files beside the model) and
 * {@code Constant} nodes as constants, and every other node as it is. Shapes of intermediate values are
 * left to {@link ShapeInference}. Whatever cannot be represented fails here with a message naming the
 * file, the tensor or node, and what is wrong.
 */
public final class OnnxModelReader {

    private OnnxModelReader() {
    }

    /** Reads a model file; external data is looked up in the file's folder. */
    public static Graph read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new GraphException("cannot read ONNX model " + file + ": " + e, e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return read(bytes, dir, file.toString());
    }

    /**
     * Reads a serialized model. {@code baseDir} is the folder external data paths are relative to, or
     * null when the model comes from memory (then a tensor with external data is an error).
     */
    public static Graph read(byte[] bytes, Path baseDir, String what) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new GraphException("ONNX model " + what + " does not parse: " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new GraphException("ONNX model " + what + " has no graph");
        }
        return read(model, baseDir, what);
    }

    /** Converts a parsed model. */
    public static Graph read(ModelProto model, Path baseDir, String what) {
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
            opsets.put(d, o.getVersion());
        }
        if (!opsets.containsKey("")) {
            // ONNX requires an import of the standard set; files without one predate opset imports (opset 1).
            opsets.put("", 1L);
        }
        GraphProto g = model.getGraph();
        String context = "ONNX model " + what;

        Map<String, TensorValue> constants = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), decodeTensor(t, baseDir, context));
        }

        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (constants.containsKey(v.getName())) {
                continue; // an initializer listed as input (IR < 4 style): a constant, not fed
            }
            inputs.add(valueInfo(v, context));
        }

        List<Node> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto np = g.getNode(i);
            String name = np.getName();
            if (name.isEmpty() || !names.add(name)) {
                name = (np.getName().isEmpty() ? np.getOpType() : np.getName()) + "#" + i;
                names.add(name);
            }
            Map<String, Attribute> attrs = new LinkedHashMap<>();
            for (AttributeProto a : np.getAttributeList()) {
                attrs.put(a.getName(), attribute(a, baseDir, context + ", node '" + name + "'"));
            }
            Node node = new Node(name, np.getOpType(), np.getDomain(), np.getInputList(), np.getOutputList(), attrs);
            if (node.opType().equals("Constant") && node.domain().isEmpty()) {
                if (node.outputs().size() != 1) {
                    throw node.error("a Constant has exactly one output");
                }
                constants.put(node.output(0), constantValue(node));
                continue;
            }
            nodes.add(node);
        }
        List<String> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(v.getName());
        }
        String name = g.getName().isEmpty() ? what : g.getName();
        return new Graph(name, opsets, inputs, outputs, nodes, constants, Map.of());
    }

    /** The tensor a {@code Constant} node defines, from whichever value attribute it carries. */
    static TensorValue constantValue(Node node) {
        if (node.attributes().size() != 1) {
            throw node.error("a Constant needs exactly one value attribute, has "
                    + node.attributes().keySet());
        }
        String key = node.attributes().keySet().iterator().next();
        Attribute a = node.attributes().get(key);
        return switch (key) {
            case "value" -> node.tensorAttr("value");
            case "value_float" -> TensorValue.ofFloats(new long[0], new float[] {node.floatAttr(key, 0)});
            case "value_floats" -> {
                float[] f = node.floatsAttr(key);
                yield TensorValue.ofFloats(new long[] {f.length}, f);
            }
            case "value_int" -> TensorValue.ofInt64(new long[0], new long[] {node.intAttr(key, 0)});
            case "value_ints" -> {
                long[] v = node.intsAttr(key);
                yield TensorValue.ofInt64(new long[] {v.length}, v);
            }
            default -> throw new UnsupportedOperatorException(node, "value attribute '" + key + "' ("
                    + a.getClass().getSimpleName() + ") is not supported");
        };
    }

    private static ValueInfo valueInfo(ValueInfoProto v, String context) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            throw new GraphException(context + ": input '" + v.getName() + "' is not a tensor");
        }
        TypeProto.Tensor t = v.getType().getTensorType();
        DataType type = DataType.ofOnnx(t.getElemType());
        if (type == null) {
            throw new GraphException(context + ": input '" + v.getName() + "' has element type "
                    + DataType.onnxName(t.getElemType()) + "; the IR carries FLOAT, INT32, INT64 and BOOL");
        }
        if (!t.hasShape()) {
            throw new GraphException(context + ": input '" + v.getName() + "' declares no shape");
        }
        List<Dim> dims = new ArrayList<>();
        List<TensorShapeProto.Dimension> dl = t.getShape().getDimList();
        for (int i = 0; i < dl.size(); i++) {
            TensorShapeProto.Dimension d = dl.get(i);
            if (d.hasDimValue()) {
                dims.add(Dim.of(d.getDimValue()));
            } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                dims.add(Dim.sym(d.getDimParam()));
            } else {
                dims.add(Dim.sym("?" + v.getName() + "[" + i + "]"));
            }
        }
        return new ValueInfo(v.getName(), type, new Shape(dims));
    }

    private static Attribute attribute(AttributeProto a, Path baseDir, String context) {
        AttributeProto.AttributeType type = a.getType();
        if (type == AttributeProto.AttributeType.UNDEFINED) {
            // Files before IR 3 leave `type` unset: tell the kind from the field that is filled.
            if (a.hasF()) {
                type = AttributeProto.AttributeType.FLOAT;
            } else if (a.hasI()) {
                type = AttributeProto.AttributeType.INT;
            } else if (a.hasS()) {
                type = AttributeProto.AttributeType.STRING;
            } else if (a.hasT()) {
                type = AttributeProto.AttributeType.TENSOR;
            } else if (a.getFloatsCount() > 0) {
                type = AttributeProto.AttributeType.FLOATS;
            } else if (a.getIntsCount() > 0) {
                type = AttributeProto.AttributeType.INTS;
            } else if (a.getStringsCount() > 0) {
                type = AttributeProto.AttributeType.STRINGS;
            }
        }
        return switch (type) {
            case FLOAT -> new Attribute.Float(a.getF());
            case INT -> new Attribute.Int(a.getI());
            case STRING -> new Attribute.Str(a.getS().toStringUtf8());
            case TENSOR -> new Attribute.Tensor(decodeTensor(a.getT(), baseDir, context + ", attribute '"
                    + a.getName() + "'"));
            case FLOATS -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield new Attribute.Floats(f);
            }
            case INTS -> {
                long[] v = new long[a.getIntsCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = a.getInts(i);
                }
                yield new Attribute.Ints(v);
            }
            case STRINGS -> {
                List<String> s = new ArrayList<>();
                for (ByteString b : a.getStringsList()) {
                    s.add(b.toStringUtf8());
                }
                yield new Attribute.Strs(s);
            }
            default -> new Attribute.Opaque(type.name());
        };
    }

    /**
     * Decodes a tensor from its typed field, {@code raw_data} (little-endian) or external data file.
     * {@code baseDir} is where external data paths start; null refuses external data.
     */
    public static TensorValue decodeTensor(TensorProto t, Path baseDir, String context) {
        String what = context + ": tensor '" + t.getName() + "'";
        DataType type = DataType.ofOnnx(t.getDataType());
        if (type == null) {
            throw new GraphException(what + " has element type " + DataType.onnxName(t.getDataType())
                    + "; the IR carries FLOAT, INT32, INT64 and BOOL");
        }
        if (t.hasSegment()) {
            throw new GraphException(what + " is a segment of a split tensor, which is not supported");
        }
        long[] shape = new long[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.getDims(i);
            if (shape[i] < 0) {
                throw new GraphException(what + " has a negative dimension " + shape[i]);
            }
        }
        long count;
        try {
            count = TensorValue.count(shape);
            Math.toIntExact(count);
        } catch (ArithmeticException e) {
            throw new GraphException(what + " is too large for the reference executor", e);
        }
        int n = (int) count;
        ByteBuffer raw = null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = externalData(t, baseDir, what, (long) n * type.bytes());
        } else if (t.hasRawData()) {
            raw = t.getRawData().asReadOnlyByteBuffer();
        }
        if (raw != null) {
            raw = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
            long expected = (long) n * type.bytes();
            if (raw.remaining() != expected) {
                throw new GraphException(what + " of type " + type + " and shape " + Shape.sizesToString(shape)
                        + " needs " + expected + " bytes of data, has " + raw.remaining());
            }
            return switch (type) {
                case FLOAT -> {
                    float[] f = new float[n];
                    raw.asFloatBuffer().get(f);
                    yield TensorValue.ofFloats(shape, f);
                }
                case INT64 -> {
                    long[] v = new long[n];
                    raw.asLongBuffer().get(v);
                    yield TensorValue.ofLongs(type, shape, v);
                }
                case INT32 -> {
                    long[] v = new long[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = raw.getInt(i * 4);
                    }
                    yield TensorValue.ofLongs(type, shape, v);
                }
                case BOOL -> {
                    long[] v = new long[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = raw.get(i) != 0 ? 1 : 0;
                    }
                    yield TensorValue.ofLongs(type, shape, v);
                }
            };
        }
        int available = switch (type) {
            case FLOAT -> t.getFloatDataCount();
            case INT64 -> t.getInt64DataCount();
            case INT32, BOOL -> t.getInt32DataCount();
        };
        if (available != n) {
            throw new GraphException(what + " of type " + type + " and shape " + Shape.sizesToString(shape)
                    + " needs " + n + " elements, has " + available);
        }
        return switch (type) {
            case FLOAT -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = t.getFloatData(i);
                }
                yield TensorValue.ofFloats(shape, f);
            }
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t.getInt64Data(i);
                }
                yield TensorValue.ofLongs(type, shape, v);
            }
            case INT32, BOOL -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = type == DataType.BOOL ? (t.getInt32Data(i) != 0 ? 1 : 0) : t.getInt32Data(i);
                }
                yield TensorValue.ofLongs(type, shape, v);
            }
        };
    }

    /**
     * The bytes of an external-data tensor: {@code location} relative to the model's folder (a path that
     * leaves the folder is refused), then {@code offset} and {@code length}.
     */
    private static ByteBuffer externalData(TensorProto t, Path baseDir, String what, long expected) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), what, "offset");
                case "length" -> length = parseLong(e.getValue(), what, "length");
                default -> {
                    // "checksum" and future keys do not change where the bytes are.
                }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new GraphException(what + " has external data without a location");
        }
        if (baseDir == null) {
            throw new GraphException(what + " has its data in external file '" + location
                    + "', but the model was not read from a file; read it with OnnxModelReader.read(Path)");
        }
        Path base;
        Path file;
        try {
            base = baseDir.toRealPath();
            Path relative = Path.of(location);
            if (relative.isAbsolute()) {
                throw new GraphException(what + ": external data location '" + location
                        + "' is absolute; it must be relative to the model's folder");
            }
            file = base.resolve(relative).normalize();
            if (!file.startsWith(base)) {
                throw new GraphException(what + ": external data location '" + location
                        + "' leaves the model's folder " + base);
            }
            if (!Files.isRegularFile(file)) {
                throw new GraphException(what + ": external data file " + file + " does not exist");
            }
            // Symbolic links could still point outside: compare the resolved file too.
            if (!file.toRealPath().startsWith(base)) {
                throw new GraphException(what + ": external data file " + file + " links outside the model's folder "
                        + base);
            }
        } catch (IOException e) {
            throw new GraphException(what + ": cannot resolve external data '" + location + "': " + e, e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long len = length < 0 ? size - offset : length;
            if (offset < 0 || offset > size || len < 0 || offset + len > size) {
                throw new GraphException(what + ": external data range offset " + offset + ", length " + len
                        + " is outside " + file + " (" + size + " bytes)");
            }
            if (len != expected) {
                throw new GraphException(what + ": external data holds " + len + " bytes, the tensor needs "
                        + expected);
            }
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(len));
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new GraphException(what + ": external data file " + file + " ended early");
                }
            }
            return b.flip();
        } catch (IOException e) {
            throw new GraphException(what + ": cannot read external data " + file + ": " + e, e);
        }
    }

    private static long parseLong(String s, String what, String key) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new GraphException(what + ": external data " + key + " '" + s + "' is not a number", e);
        }
    }
}
