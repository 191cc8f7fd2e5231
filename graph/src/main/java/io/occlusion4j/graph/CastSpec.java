package io.occlusion4j.graph;

/** Cast's target type, decoded once; a type the plan does not know is unsupported. */
public record CastSpec(DataType to) {

    public static CastSpec of(Node node) {
        int code = (int) node.intAttr("to", -1);
        DataType t = DataType.ofOnnx(code);
        if (t == null) {
            throw new UnsupportedOperatorException(node, "cast to " + DataType.onnxName(code));
        }
        return new CastSpec(t);
    }
}
