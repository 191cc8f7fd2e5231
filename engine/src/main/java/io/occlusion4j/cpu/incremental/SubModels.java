package io.occlusion4j.cpu.incremental;

import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.OnnxModelWriter;
import io.occlusion4j.graph.Shape;
import io.occlusion4j.graph.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The small ONNX models incremental inference runs: one per step, the suffix, and the model with its activations. */
final class SubModels {
    /** The symbol of a dynamic batch axis in the models written here. */
    static final String BATCH = "N";

    private SubModels() {
    }

    /**
     * One step as a model over stacked read-in contexts {@code [N, C, context...]}: the head without its pads (the
     * contexts carry them) and its point-wise chain.
     */
    static byte[] step(Graph g, Step s, int index, Map<String, Field> fields, int[] outSize) {
        List<ValueInfo> inputs = new ArrayList<>();
        for (String in : new LinkedHashSet<>(s.inputs())) {
            Field f = fields.get(in);
            List<Dim> dims = new ArrayList<>();
            dims.add(Dim.sym(BATCH));
            dims.add(Dim.of(f.channels()));
            for (int d = 0; d < outSize.length; d++) {
                dims.add(Dim.of(s.context(d, outSize[d])));
            }
            inputs.add(new ValueInfo(in, DataType.FLOAT, new Shape(dims)));
        }
        for (String side : s.sideInputs()) {
            Field f = fields.get(side);
            List<Dim> dims = new ArrayList<>();
            dims.add(Dim.sym(BATCH));
            dims.add(Dim.of(f.channels()));
            for (int size : outSize) {
                dims.add(Dim.of(size));
            }
            inputs.add(new ValueInfo(side, DataType.FLOAT, new Shape(dims)));
        }
        List<Node> nodes = new ArrayList<>();
        // The read-in context carries the halo: the windowed head runs unpadded.
        nodes.add(s.kind() == Step.Kind.WINDOWED ? s.head().withoutAttributes("pads", "auto_pad", "ceil_mode") : s.head());
        nodes.addAll(s.chain());
        return OnnxModelWriter.write(new Graph("step" + index, g.opsets(), inputs, List.of(s.output()), nodes,
                g.constantsReadBy(nodes), Map.of()));
    }

    /**
     * The nodes not in the prefix as a model from the cut activations to {@code outputs}.
     *
     * @param batch the batch axis the model's input declares (fixed, or a symbol)
     */
    static byte[] suffix(Graph g, Set<String> prefixNodes, List<String> cut, Map<String, Field> fields, String input,
                         Dim batch, List<String> outputs) {
        List<ValueInfo> inputs = new ArrayList<>();
        for (String v : cut) {
            if (v.equals(input)) {
                inputs.add(g.inputs().get(0));
                continue;
            }
            Field f = fields.get(v);
            List<Dim> dims = new ArrayList<>();
            dims.add(batch);
            dims.add(Dim.of(f.channels()));
            for (int d : f.dims()) {
                dims.add(Dim.of(d));
            }
            inputs.add(new ValueInfo(v, DataType.FLOAT, new Shape(dims)));
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!prefixNodes.contains(n.name())) {
                nodes.add(n);
            }
        }
        Graph suffix = new Graph(g.name() + "_suffix", g.opsets(), inputs, outputs, nodes, g.constantsReadBy(nodes),
                Map.of()).withoutDeadCode();
        return OnnxModelWriter.write(suffix);
    }

    /** The whole model with {@code extra} activations as further outputs (after the requested ones). */
    static byte[] withOutputs(Graph g, List<String> outputs, List<String> extra) {
        LinkedHashSet<String> all = new LinkedHashSet<>(outputs);
        all.addAll(extra);
        return OnnxModelWriter.write(new Graph(g.name(), g.opsets(), g.inputs(), new ArrayList<>(all), g.nodes(),
                g.constants(), Map.of()));
    }
}
