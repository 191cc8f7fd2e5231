// The graphs of the device's incremental plan: the model keeping its activations, one per prefix step, the suffix.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cpu.incremental.PlanGeometry;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.Shape;
import io.occlusion4j.graph.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graphs {@link IncrementalDevicePlan} lowers, each for a fixed batch, built from the CPU back end's analysis
 * ({@link PlanGeometry}) so the device runs the same plan: the whole model with the activations the variants read as
 * further outputs (run once, on the unoccluded sample); each prefix step over its stacked read-in contexts
 * {@code [B, C, context]} (a windowed head without its pads: the contexts carry them); the nodes after the switch
 * point over the stitched activations {@code [B, C, map]}.
 */
final class IncrementalGraphs {
    private IncrementalGraphs() {
    }

    /** The model for one sample of {@code sample} (its layout) with {@code extra} values as further outputs. */
    static Graph base(PlanGeometry geo, List<String> outputs) {
        Graph g = geo.graph();
        LinkedHashSet<String> all = new LinkedHashSet<>(outputs);
        all.addAll(geo.baseValues());
        return new Graph(g.name() + "_incremental_base", g.opsets(), List.of(inputInfo(geo, 1)), new ArrayList<>(all),
                g.nodes(), g.constants(), Map.of());
    }

    /** Step {@code j} for {@code batch} variants. */
    static Graph step(PlanGeometry geo, int j, int batch) {
        PlanGeometry.StepGeometry s = geo.steps().get(j);
        List<ValueInfo> inputs = new ArrayList<>();
        for (PlanGeometry.Read r : s.reads()) {
            PlanGeometry.Patches f = geo.patches(r.value());
            inputs.add(new ValueInfo(r.value(), DataType.FLOAT, Shape.of(shape(batch, f.channels(), r.size(), rank(geo)))));
        }
        List<Node> nodes = new ArrayList<>();
        // The read-in context carries the halo: the windowed head runs unpadded.
        nodes.add(s.windowed() ? s.head().withoutAttributes("pads", "auto_pad", "ceil_mode") : s.head());
        nodes.addAll(s.chain());
        Graph g = geo.graph();
        return new Graph(g.name() + "_step" + j, g.opsets(), inputs, List.of(s.output()), nodes, g.constantsReadBy(nodes),
                Map.of());
    }

    /** The nodes after the prefix for {@code batch} variants, from the cut values to {@code outputs}. */
    static Graph suffix(PlanGeometry geo, int batch, List<String> outputs) {
        Graph g = geo.graph();
        List<ValueInfo> inputs = new ArrayList<>();
        for (String v : geo.cut()) {
            if (v.equals(geo.input())) {
                inputs.add(inputInfo(geo, batch));
                continue;
            }
            PlanGeometry.Patches f = geo.patches(v);
            inputs.add(new ValueInfo(v, DataType.FLOAT, Shape.of(shape(batch, f.channels(), f.dims(), rank(geo)))));
        }
        Set<String> prefix = geo.prefixNodes();
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!prefix.contains(n.name())) {
                nodes.add(n);
            }
        }
        return new Graph(g.name() + "_suffix", g.opsets(), inputs, outputs, nodes, g.constantsReadBy(nodes), Map.of())
                .withoutDeadCode();
    }

    /** Spatial axes of the model's input. */
    static int rank(PlanGeometry geo) {
        return geo.sampleShape().length - 1;
    }

    private static ValueInfo inputInfo(PlanGeometry geo, int batch) {
        long[] sample = geo.sampleShape();
        long[] shape = new long[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        ValueInfo in = geo.graph().inputs().get(0);
        return new ValueInfo(in.name(), in.type(), Shape.of(shape));
    }

    /** {@code [batch, channels, box]} with the box's last {@code k} axes (of three). */
    private static long[] shape(int batch, int channels, int[] box3, int k) {
        long[] s = new long[2 + k];
        s[0] = batch;
        s[1] = channels;
        for (int d = 0; d < k; d++) {
            s[2 + d] = box3[3 - k + d];
        }
        return s;
    }
}
