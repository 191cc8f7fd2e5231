package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plan rewrite: {@code Relu(Conv(x))} and {@code Relu(Add(Conv(x), z))} (either operand order) become one
 * {@value Operators#FUSED_CONV} node, {@code relu(conv(x, W) + B + z)}: the form of cuDNN's fused
 * convolution-bias-activation forward, where z is the residual added before the activation. A Conv
 * output is fused only when the Relu (or Add) is its one reader and it is not a graph output; a residual
 * must have the Conv's output shape (no broadcasting in the fused form). Needs inferred shapes.
 */
public final class ConvFusion {
    private ConvFusion() {
    }

    public static Graph apply(Graph graph) {
        if (graph.values().isEmpty()) {
            graph = ShapeInference.infer(graph);
        }
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        Set<Node> removed = new HashSet<>();
        Map<Node, Node> replacement = new LinkedHashMap<>(); // Relu node -> fused node
        for (Node relu : graph.nodes()) {
            if (!BatchNormFolding.isStandard(relu, "Relu")) {
                continue;
            }
            Node prev = producers.get(relu.input(0));
            if (prev == null || !soleReader(graph, consumers, prev.output(0), relu) || removed.contains(prev)) {
                continue;
            }
            if (BatchNormFolding.isStandard(prev, "Conv")) {
                replacement.put(relu, fused(prev, "", relu.output(0)));
                removed.add(prev);
            } else if (BatchNormFolding.isStandard(prev, "Add")) {
                Node conv = null;
                String residual = null;
                // Prefer the operand computed last, so the other one is ready when the fused node runs.
                for (int side = 1; side >= 0; side--) {
                    Node c = producers.get(prev.input(side));
                    String z = prev.input(1 - side);
                    if (c != null && BatchNormFolding.isStandard(c, "Conv") && !removed.contains(c)
                            && soleReader(graph, consumers, c.output(0), prev) && !prev.input(0).equals(prev.input(1))
                            && graph.info(z).shape().equals(graph.info(c.output(0)).shape())
                            && graph.info(z).type() == DataType.FLOAT) {
                        if (conv == null || graph.nodes().indexOf(c) > graph.nodes().indexOf(conv)) {
                            conv = c;
                            residual = z;
                        }
                    }
                }
                if (conv != null) {
                    replacement.put(relu, fused(conv, residual, relu.output(0)));
                    removed.add(conv);
                    removed.add(prev);
                }
            }
        }
        if (replacement.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (removed.contains(n)) {
                continue;
            }
            nodes.add(replacement.getOrDefault(n, n));
        }
        return ShapeInference.infer(graph.withNodes(nodes, graph.constants()));
    }

    private static boolean soleReader(Graph g, Map<String, List<Node>> consumers, String value, Node reader) {
        List<Node> r = consumers.getOrDefault(value, List.of());
        return r.size() == 1 && r.get(0) == reader && !g.isOutput(value);
    }

    private static Node fused(Node conv, String residual, String output) {
        Map<String, Attribute> attrs = new LinkedHashMap<>(conv.attributes());
        attrs.put("activation", new Attribute.Str("Relu"));
        List<String> inputs = new ArrayList<>(List.of(conv.input(0), conv.input(1), conv.input(2)));
        if (!residual.isEmpty()) {
            inputs.add(residual);
        }
        return new Node(conv.name(), Operators.FUSED_CONV, Node.OCCLUSION4J_DOMAIN, inputs, List.of(output), attrs);
    }
}
