package io.occlusion4j.graph;

/**
 * Gelu's (opset 20) {@code approximate} attribute, decoded once: "none" (the exact erf form) or "tanh"
 * ({@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}).
 */
public record GeluSpec(boolean tanh) {

    public static GeluSpec of(Node node) {
        String approximate = node.stringAttr("approximate", "none");
        return switch (approximate) {
            case "none" -> new GeluSpec(false);
            case "tanh" -> new GeluSpec(true);
            default -> throw new UnsupportedOperatorException(node, "approximate = '" + approximate + "'");
        };
    }
}
