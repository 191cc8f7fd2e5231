package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plan rewrite: every node whose result is known before running (all inputs constant, or shape
 * arithmetic over static shapes) becomes a constant, and a Reshape whose target holds one symbolic
 * dimension gets a constant target with -1 there. What is left is the work a device has to do; the
 * shape sub-graphs exported models carry ({@code Shape -> Cast -> Slice -> Concat -> Reshape}) vanish.
 */
public final class ConstantFolding {
    private ConstantFolding() {
    }

    /** The folded graph, shapes inferred. */
    public static Graph apply(Graph graph) {
        ShapeInference.Inferred inferred = ShapeInference.inferDetailed(graph);
        Map<String, TensorValue> constants = new LinkedHashMap<>(graph.constants());
        List<Node> nodes = new ArrayList<>();
        for (Node node : graph.nodes()) {
            boolean allKnown = !node.outputs().isEmpty();
            for (String o : node.outputs()) {
                allKnown &= o.isEmpty() || inferred.known().containsKey(o);
            }
            if (allKnown) {
                for (String o : node.outputs()) {
                    if (!o.isEmpty()) {
                        constants.put(o, inferred.known().get(o));
                    }
                }
                continue;
            }
            if (node.opType().equals("Reshape") && node.domain().isEmpty() && node.hasInput(1)
                    && !constants.containsKey(node.input(1))) {
                TensorValue target = symbolicTarget(inferred.graph().info(node.output(0)).shape());
                if (target != null) {
                    String name = node.name() + ".folded_shape";
                    constants.put(name, target);
                    node = node.withInputs(List.of(node.input(0), name));
                }
            }
            nodes.add(node);
        }
        Graph folded = new Graph(graph.name(), graph.opsets(), graph.inputs(), graph.outputs(), nodes, constants, Map.of())
                .withoutDeadCode();
        return ShapeInference.infer(folded);
    }

    /** The output shape as a Reshape target: sizes, and -1 for its one symbol; null if that is not possible. */
    private static TensorValue symbolicTarget(Shape out) {
        long[] t = new long[out.rank()];
        int symbols = 0;
        for (int i = 0; i < t.length; i++) {
            if (out.dim(i) instanceof Dim.Fixed(long s)) {
                if (s == 0) {
                    return null; // 0 would mean "copy the input's dimension"
                }
                t[i] = s;
            } else {
                t[i] = -1;
                symbols++;
            }
        }
        return symbols <= 1 ? TensorValue.ofInt64(new long[] {t.length}, t) : null;
    }
}
