package io.occlusion4j.graph;

/** Gelu's (opset 20) {@code approximate} attribute, decoded once: only the exact form ("none") is supported. */
public record GeluSpec() {

    public static GeluSpec of(Node node) {
        String approximate = node.stringAttr("approximate", "none");
        if (!approximate.equals("none")) {
            throw new UnsupportedOperatorException(node, "approximate = '" + approximate + "' (only the exact form)");
        }
        return new GeluSpec();
    }
}
