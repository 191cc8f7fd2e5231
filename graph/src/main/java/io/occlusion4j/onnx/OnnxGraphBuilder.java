package io.occlusion4j.onnx;

import com.google.protobuf.ByteString;
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
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A small fluent writer of ONNX models, for the project's own test and benchmark models.
 *
 * <p>Nodes must be added in topological order (as ONNX requires): every node input has to be a graph
 * input, an initializer or an output of an earlier node when the node is added. Every value name is
 * defined once. Mistakes are reported at once with an {@link IllegalArgumentException} naming the
 * value or node; a graph output that no node produces is reported by {@link #build()}.
 *
 * <pre>{@code
 * byte[] onnx = new OnnxGraphBuilder("tiny")
 *     .input("input", Dim.shape("N", 4))
 *     .floatInitializer("W", new long[] {4, 2}, weights)
 *     .node("MatMul").inputs("input", "W").outputs("logits").add()
 *     .output("logits", Dim.shape("N", 2))
 *     .toBytes();
 * }</pre>
 *
 * <p>Float initializers are stored in {@code raw_data} (little-endian IEEE 754) unless
 * {@link Storage#TYPED} is asked for; int64 initializers in {@code int64_data} unless
 * {@link Storage#RAW} is asked for.
 */
public final class OnnxGraphBuilder {

    /** Opset of the default domain used unless {@link #opset(long)} says otherwise. */
    public static final long DEFAULT_OPSET = 17;
    /** IR version used unless {@link #irVersion(long)} says otherwise (IR 8 goes with opset 17). */
    public static final long DEFAULT_IR_VERSION = 8;
    /** Written as {@code producer_name} unless {@link #producer(String, String)} says otherwise. */
    public static final String DEFAULT_PRODUCER = "occlusion4j";

    /** Where an initializer's elements are stored in its TensorProto. */
    public enum Storage {
        /** {@code raw_data}, fixed-width little-endian. */
        RAW,
        /** The type's own repeated field ({@code float_data}, {@code int64_data}, ...). */
        TYPED
    }

    private final String graphName;
    private long opset = DEFAULT_OPSET;
    private long irVersion = DEFAULT_IR_VERSION;
    private String producerName = DEFAULT_PRODUCER;
    private String producerVersion = "";
    private String docString = "";
    private final Map<String, Long> extraOpsets = new HashMap<>();
    private final List<StringStringEntryProto> metadata = new ArrayList<>();

    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final List<NodeProto> nodes = new ArrayList<>();

    /** Every defined value name, mapped to what defined it (for error messages). */
    private final Map<String, String> definedBy = new HashMap<>();
    private final Set<String> nodeNames = new LinkedHashSet<>();
    private final Set<String> outputNames = new LinkedHashSet<>();
    private final Map<String, Integer> autoNameCounters = new HashMap<>();

    /** A builder for a graph of the given name. */
    public OnnxGraphBuilder(String graphName) {
        this.graphName = requireName(graphName, "graph name");
    }

    // ----------------------------------------------------------------------------------- metadata

    /** Version of the default ONNX operator set (default {@value #DEFAULT_OPSET}). */
    public OnnxGraphBuilder opset(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("opset version must be >= 1, got " + version);
        }
        this.opset = version;
        return this;
    }

    /** Imports another operator-set domain, e.g. {@code "com.microsoft"}. */
    public OnnxGraphBuilder opset(String domain, long version) {
        Objects.requireNonNull(domain, "domain");
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
            return opset(version);
        }
        if (version < 1) {
            throw new IllegalArgumentException("opset version of '" + domain + "' must be >= 1, got " + version);
        }
        extraOpsets.put(domain, version);
        return this;
    }

    /** IR version of the model (default {@value #DEFAULT_IR_VERSION}). */
    public OnnxGraphBuilder irVersion(long version) {
        if (version < 3) {
            throw new IllegalArgumentException("ir_version must be >= 3 (opset imports need it), got " + version);
        }
        this.irVersion = version;
        return this;
    }

    /** {@code producer_name} and {@code producer_version}. */
    public OnnxGraphBuilder producer(String name, String version) {
        this.producerName = Objects.requireNonNull(name, "name");
        this.producerVersion = Objects.requireNonNull(version, "version");
        return this;
    }

    /** The model's {@code doc_string}. */
    public OnnxGraphBuilder docString(String doc) {
        this.docString = Objects.requireNonNull(doc, "doc");
        return this;
    }

    /** One entry of the model's {@code metadata_props}; keys must be distinct. */
    public OnnxGraphBuilder metadata(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        for (StringStringEntryProto e : metadata) {
            if (e.getKey().equals(key)) {
                throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
            }
        }
        metadata.add(StringStringEntryProto.newBuilder().setKey(key).setValue(value).build());
        return this;
    }

    // ------------------------------------------------------------------------------------ inputs

    /** A float graph input with the given shape. */
    public OnnxGraphBuilder input(String name, List<Dim> shape) {
        return input(name, TensorProto.DataType.FLOAT, shape);
    }

    /** A graph input of any element type with the given shape. */
    public OnnxGraphBuilder input(String name, TensorProto.DataType elemType, List<Dim> shape) {
        define(name, "graph input");
        inputs.add(valueInfo(name, elemType, shape));
        return this;
    }

    /** A float graph output whose shape is not declared. */
    public OnnxGraphBuilder output(String name) {
        return output(name, TensorProto.DataType.FLOAT, null);
    }

    /** A float graph output with the given shape. */
    public OnnxGraphBuilder output(String name, List<Dim> shape) {
        return output(name, TensorProto.DataType.FLOAT, shape);
    }

    /** A graph output of any element type; {@code shape} may be null for an unknown shape. */
    public OnnxGraphBuilder output(String name, TensorProto.DataType elemType, List<Dim> shape) {
        requireName(name, "graph output name");
        if (!outputNames.add(name)) {
            throw new IllegalArgumentException("duplicate graph output '" + name + "'");
        }
        outputs.add(valueInfo(name, elemType, shape));
        return this;
    }

    // ------------------------------------------------------------------------------ initializers

    /** A float initializer stored in {@code raw_data}. */
    public OnnxGraphBuilder floatInitializer(String name, long[] dims, float[] values) {
        return floatInitializer(name, dims, values, Storage.RAW);
    }

    /** A float initializer stored as asked. */
    public OnnxGraphBuilder floatInitializer(String name, long[] dims, float[] values, Storage storage) {
        Objects.requireNonNull(values, "values");
        checkCount(name, dims, values.length);
        TensorProto.Builder t = tensorHeader(name, TensorProto.DataType.FLOAT, dims);
        if (storage == Storage.RAW) {
            ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(values);
            t.setRawData(ByteString.copyFrom(buf.array()));
        } else {
            for (float v : values) {
                t.addFloatData(v);
            }
        }
        return initializer(t.build());
    }

    /** An int64 initializer (e.g. a Reshape shape) stored in {@code int64_data}. */
    public OnnxGraphBuilder int64Initializer(String name, long[] dims, long[] values) {
        return int64Initializer(name, dims, values, Storage.TYPED);
    }

    /** An int64 initializer stored as asked. */
    public OnnxGraphBuilder int64Initializer(String name, long[] dims, long[] values, Storage storage) {
        Objects.requireNonNull(values, "values");
        checkCount(name, dims, values.length);
        TensorProto.Builder t = tensorHeader(name, TensorProto.DataType.INT64, dims);
        if (storage == Storage.RAW) {
            ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asLongBuffer().put(values);
            t.setRawData(ByteString.copyFrom(buf.array()));
        } else {
            for (long v : values) {
                t.addInt64Data(v);
            }
        }
        return initializer(t.build());
    }

    /** Any prepared tensor as an initializer; it must carry a name. */
    public OnnxGraphBuilder initializer(TensorProto tensor) {
        Objects.requireNonNull(tensor, "tensor");
        define(tensor.getName(), "initializer");
        initializers.add(tensor);
        return this;
    }

    // ------------------------------------------------------------------------------------- nodes

    /** Starts a node of the given operator in the default domain; finish it with {@link NodeBuilder#add()}. */
    public NodeBuilder node(String opType) {
        return new NodeBuilder(requireName(opType, "op_type"));
    }

    /** Adds a single-output node with no attributes and returns this builder. */
    public OnnxGraphBuilder node(String opType, String output, String... inputs) {
        return node(opType).inputs(inputs).outputs(output).add();
    }

    /** True if a graph input, initializer or node output of this name has been added. */
    public boolean isDefined(String valueName) {
        return definedBy.containsKey(valueName);
    }

    /** Fluent description of one node. */
    public final class NodeBuilder {
        private final NodeProto.Builder node = NodeProto.newBuilder();
        private final Set<String> attributeNames = new LinkedHashSet<>();
        private boolean added;

        private NodeBuilder(String opType) {
            node.setOpType(opType);
        }

        /** The node's name; if not given, one is made from the op type ({@code Conv_0}, ...). */
        public NodeBuilder name(String name) {
            node.setName(requireName(name, "node name"));
            return this;
        }

        /** The operator's domain (default: the standard ONNX domain). */
        public NodeBuilder domain(String domain) {
            node.setDomain(Objects.requireNonNull(domain, "domain"));
            return this;
        }

        /** The node's inputs, in order; {@code ""} marks an omitted optional input. */
        public NodeBuilder inputs(String... names) {
            for (String n : names) {
                node.addInput(Objects.requireNonNull(n, "input name"));
            }
            return this;
        }

        /** The node's outputs, in order. */
        public NodeBuilder outputs(String... names) {
            for (String n : names) {
                node.addOutput(Objects.requireNonNull(n, "output name"));
            }
            return this;
        }

        /** An INT attribute. */
        public NodeBuilder intAttr(String name, long value) {
            return attr(attribute(name, AttributeProto.AttributeType.INT).setI(value));
        }

        /** An INTS attribute. */
        public NodeBuilder intsAttr(String name, long... values) {
            AttributeProto.Builder a = attribute(name, AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return attr(a);
        }

        /** A FLOAT attribute. */
        public NodeBuilder floatAttr(String name, float value) {
            return attr(attribute(name, AttributeProto.AttributeType.FLOAT).setF(value));
        }

        /** A FLOATS attribute. */
        public NodeBuilder floatsAttr(String name, float... values) {
            AttributeProto.Builder a = attribute(name, AttributeProto.AttributeType.FLOATS);
            for (float v : values) {
                a.addFloats(v);
            }
            return attr(a);
        }

        /** A STRING attribute (UTF-8). */
        public NodeBuilder stringAttr(String name, String value) {
            Objects.requireNonNull(value, "value");
            return attr(attribute(name, AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)));
        }

        /** A STRINGS attribute (UTF-8). */
        public NodeBuilder stringsAttr(String name, String... values) {
            AttributeProto.Builder a = attribute(name, AttributeProto.AttributeType.STRINGS);
            for (String v : values) {
                a.addStrings(ByteString.copyFrom(Objects.requireNonNull(v, "value"), StandardCharsets.UTF_8));
            }
            return attr(a);
        }

        /** A TENSOR attribute (e.g. the value of a Constant node). */
        public NodeBuilder tensorAttr(String name, TensorProto value) {
            Objects.requireNonNull(value, "value");
            return attr(attribute(name, AttributeProto.AttributeType.TENSOR).setT(value));
        }

        private AttributeProto.Builder attribute(String name, AttributeProto.AttributeType type) {
            requireName(name, "attribute name");
            if (!attributeNames.add(name)) {
                throw new IllegalArgumentException("duplicate attribute '" + name + "' on " + describe());
            }
            return AttributeProto.newBuilder().setName(name).setType(type);
        }

        private NodeBuilder attr(AttributeProto.Builder a) {
            node.addAttribute(a);
            return this;
        }

        private String describe() {
            return node.hasName() ? "node '" + node.getName() + "' (" + node.getOpType() + ")"
                    : "a " + node.getOpType() + " node";
        }

        /** Checks the node against what is defined so far and appends it to the graph. */
        public OnnxGraphBuilder add() {
            if (added) {
                throw new IllegalStateException(describe() + " was already added");
            }
            if (!node.hasName()) {
                String base = node.getOpType();
                String candidate;
                do {
                    int k = autoNameCounters.merge(base, 1, Integer::sum) - 1;
                    candidate = base + "_" + k;
                } while (nodeNames.contains(candidate));
                node.setName(candidate);
            }
            String what = describe();
            if (nodeNames.contains(node.getName())) {
                throw new IllegalArgumentException("duplicate node name '" + node.getName() + "'");
            }
            if (node.getOutputCount() == 0) {
                throw new IllegalArgumentException(what + " has no outputs");
            }
            for (String in : node.getInputList()) {
                if (!in.isEmpty() && !definedBy.containsKey(in)) {
                    throw new IllegalArgumentException(what + " reads undefined value '" + in
                            + "': it is not a graph input, an initializer or an output of an earlier node");
                }
            }
            Set<String> seen = new LinkedHashSet<>();
            for (String out : node.getOutputList()) {
                if (out.isEmpty()) {
                    continue;
                }
                if (!seen.add(out)) {
                    throw new IllegalArgumentException(what + " lists output '" + out + "' twice");
                }
                String previous = definedBy.get(out);
                if (previous != null) {
                    throw new IllegalArgumentException("duplicate value name '" + out + "': output of " + what
                            + " is already defined as " + previous);
                }
            }
            for (String out : seen) {
                definedBy.put(out, "output of " + what);
            }
            nodeNames.add(node.getName());
            nodes.add(node.build());
            added = true;
            return OnnxGraphBuilder.this;
        }
    }

    // ------------------------------------------------------------------------------------ output

    /** The finished model; every graph output must be produced by now. */
    public ModelProto build() {
        if (outputs.isEmpty()) {
            throw new IllegalStateException("graph '" + graphName + "' has no outputs");
        }
        for (String out : outputNames) {
            if (!definedBy.containsKey(out)) {
                throw new IllegalStateException("graph output '" + out
                        + "' is not produced by any node, graph input or initializer");
            }
        }
        GraphProto graph = GraphProto.newBuilder()
                .setName(graphName)
                .addAllNode(nodes)
                .addAllInitializer(initializers)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .build();
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(irVersion)
                .setProducerName(producerName)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .addAllMetadataProps(metadata);
        if (!producerVersion.isEmpty()) {
            model.setProducerVersion(producerVersion);
        }
        if (!docString.isEmpty()) {
            model.setDocString(docString);
        }
        extraOpsets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> model.addOpsetImport(
                        OperatorSetIdProto.newBuilder().setDomain(e.getKey()).setVersion(e.getValue())));
        return model.build();
    }

    /** The serialized model. */
    public byte[] toBytes() {
        return build().toByteArray();
    }

    /**
     * Writes the serialized model to {@code file}, through a temporary file in the same folder that is
     * then moved into place, so a failure never leaves a half-written model behind.
     */
    public Path write(Path file) {
        return writeModel(build(), file);
    }

    /** Writes any model the same way {@link #write(Path)} does. */
    public static Path writeModel(ModelProto model, Path file) {
        Objects.requireNonNull(file, "file");
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".partial");
        try {
            Files.createDirectories(abs.getParent());
            try (OutputStream out = Files.newOutputStream(tmp)) {
                model.writeTo(out);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            return abs;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write's failure is the one to report
            }
            throw new UncheckedIOException("cannot write ONNX model to " + abs + ": " + e.getMessage(), e);
        }
    }

    // ----------------------------------------------------------------------------------- helpers

    private void define(String name, String what) {
        requireName(name, what + " name");
        String previous = definedBy.get(name);
        if (previous != null) {
            throw new IllegalArgumentException("duplicate value name '" + name + "': " + what
                    + " is already defined as " + previous);
        }
        definedBy.put(name, what);
    }

    private static String requireName(String name, String what) {
        Objects.requireNonNull(name, what);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return name;
    }

    private static void checkCount(String name, long[] dims, int count) {
        Objects.requireNonNull(dims, "dims");
        long expected = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("initializer '" + name + "' has a negative dimension in "
                        + Arrays.toString(dims));
            }
            expected = Math.multiplyExact(expected, d);
        }
        if (expected != count) {
            throw new IllegalArgumentException("initializer '" + name + "' has shape " + Arrays.toString(dims)
                    + " (" + expected + " elements) but " + count + " values were given");
        }
    }

    private static TensorProto.Builder tensorHeader(String name, TensorProto.DataType type, long[] dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(requireName(name, "initializer name"))
                .setDataType(type.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    private static ValueInfoProto valueInfo(String name, TensorProto.DataType elemType, List<Dim> shape) {
        Objects.requireNonNull(elemType, "elemType");
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(elemType.getNumber());
        if (shape != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (Dim d : shape) {
                switch (Objects.requireNonNull(d, "dimension of '" + name + "'")) {
                    case Dim.Fixed f -> s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(f.size()));
                    case Dim.Symbolic p -> s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(p.name()));
                }
            }
            tensor.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(tensor))
                .build();
    }
}
