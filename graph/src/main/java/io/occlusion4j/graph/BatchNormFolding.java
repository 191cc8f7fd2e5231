package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plan rewrite: a BatchNormalization that reads a Conv's output, where nothing else reads that output,
 * is folded into the Conv. With {@code a = scale / sqrt(var + eps)} per output channel:
 * {@code W' = W · a} and {@code B' = (B - mean) · a + beta} (B = 0 without a bias). Computed in double
 * and rounded once, so the folded graph stays within float rounding of the original.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    public static Graph apply(Graph graph) {
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        Map<String, TensorValue> constants = new LinkedHashMap<>(graph.constants());
        Map<String, Node> replacedConv = new LinkedHashMap<>(); // conv name -> folded conv
        List<Node> dropped = new ArrayList<>();
        for (Node bn : graph.nodes()) {
            if (!isStandard(bn, "BatchNormalization") || hasExtraOutputs(bn)) {
                continue;
            }
            Node conv = producers.get(bn.input(0));
            if (conv == null || !isStandard(conv, "Conv") || replacedConv.containsKey(conv.name())
                    || consumers.getOrDefault(conv.output(0), List.of()).size() != 1 || graph.isOutput(conv.output(0))) {
                continue;
            }
            TensorValue w = constants.get(conv.input(1));
            TensorValue b = conv.hasInput(2) ? constants.get(conv.input(2)) : null;
            TensorValue scale = constants.get(bn.input(1));
            TensorValue beta = constants.get(bn.input(2));
            TensorValue mean = constants.get(bn.input(3));
            TensorValue var = constants.get(bn.input(4));
            if (w == null || (conv.hasInput(2) && b == null) || scale == null || beta == null || mean == null
                    || var == null || w.type() != DataType.FLOAT) {
                continue; // weights or statistics computed at run time: leave both nodes
            }
            int m = (int) w.shape()[0];
            if (scale.size() != m || beta.size() != m || mean.size() != m || var.size() != m) {
                throw bn.error("statistics of length " + scale.size() + " do not match the "
                        + m + " output channels of conv '" + conv.name() + "'");
            }
            double eps = bn.floatAttr("epsilon", 1e-5f);
            int per = w.size() / m;
            float[] wf = new float[w.size()];
            float[] bf = new float[m];
            for (int o = 0; o < m; o++) {
                double a = scale.get(o) / Math.sqrt(var.get(o) + eps);
                for (int i = o * per; i < (o + 1) * per; i++) {
                    wf[i] = (float) (w.floats()[i] * a);
                }
                double bias = b == null ? 0 : b.get(o);
                bf[o] = (float) ((bias - mean.get(o)) * a + beta.get(o));
            }
            String wName = conv.name() + ".bn_folded.weight";
            String bName = conv.name() + ".bn_folded.bias";
            constants.put(wName, TensorValue.ofFloats(w.shape(), wf));
            constants.put(bName, TensorValue.ofFloats(new long[] {m}, bf));
            Node folded = new Node(conv.name(), "Conv", "", List.of(conv.input(0), wName, bName),
                    List.of(bn.output(0)), conv.attributes());
            replacedConv.put(conv.name(), folded);
            dropped.add(bn);
        }
        if (dropped.isEmpty()) {
            return graph;
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (dropped.contains(n)) {
                continue;
            }
            nodes.add(n.domain().isEmpty() && n.opType().equals("Conv") ? replacedConv.getOrDefault(n.name(), n) : n);
        }
        Graph g = new Graph(graph.name(), graph.opsets(), graph.inputs(), graph.outputs(), nodes, constants, Map.of())
                .withoutDeadCode();
        return ShapeInference.infer(g);
    }

    static boolean isStandard(Node n, String op) {
        return n.domain().isEmpty() && n.opType().equals(op);
    }

    private static boolean hasExtraOutputs(Node bn) {
        for (int i = 1; i < bn.outputs().size(); i++) {
            if (!bn.output(i).isEmpty()) {
                return true;
            }
        }
        return bn.intAttr("training_mode", 0) != 0;
    }
}
