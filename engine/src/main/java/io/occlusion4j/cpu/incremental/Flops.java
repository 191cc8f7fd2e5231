package io.occlusion4j.cpu.incremental;

import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.ValueInfo;

/** Multiply-adds per sample of one node over its whole output, from the inferred shapes (the cost model's unit). */
final class Flops {
    private Flops() {
    }

    static double of(Graph g, Node n) {
        double out = elements(g, n.output(0));
        return switch (n.opType()) {
            case "Conv" -> {
                double w = elements(g, n.input(1));
                double m = dim(g, n.input(1), 0);
                yield m > 0 ? out * (w / m) : out;
            }
            case "ConvTranspose" -> elements(g, n.input(0)) * Math.max(1, elements(g, n.input(1)) / Math.max(1, dim(g, n.input(0), 1)));
            case "MatMul" -> out * Math.max(1, dim(g, n.input(0), -1));
            case "Gemm" -> out * Math.max(1, dim(g, n.input(0), n.intAttr("transA", 0) == 0 ? -1 : 0));
            case "MaxPool", "AveragePool" -> {
                long[] ks = n.intsAttr("kernel_shape");
                double v = 1;
                if (ks != null) {
                    for (long x : ks) {
                        v *= x;
                    }
                }
                yield out * v;
            }
            case "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceSum", "ReduceMax" -> elements(g, n.input(0));
            default -> out;
        };
    }

    /** Elements of a value per sample (the batch axis, when a value has one, is 1 in the inferred graph). */
    static double elements(Graph g, String value) {
        ValueInfo v = value.isEmpty() ? null : g.values().get(value);
        if (v == null || !v.shape().isStatic()) {
            return 0;
        }
        return v.shape().elementCount();
    }

    private static double dim(Graph g, String value, int axis) {
        ValueInfo v = value.isEmpty() ? null : g.values().get(value);
        if (v == null || !v.shape().isStatic() || v.shape().rank() == 0) {
            return 0;
        }
        int a = axis < 0 ? v.shape().rank() + axis : axis;
        return a < v.shape().rank() ? v.shape().size(a) : 0;
    }
}
