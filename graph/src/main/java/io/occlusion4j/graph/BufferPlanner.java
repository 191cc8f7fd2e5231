package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a graph with static shapes into a {@link Plan}: steps in node order, and one arena for all
 * activations. A value is live from the step that writes it to the last step that reads it; graph
 * inputs from before the first step and graph outputs to after the last. Inputs live through the whole plan
 * because their slot is read again after a forward: the CUDA plan replays a captured forward over the same
 * input, and the occlusion loop rewrites only the window regions of the batch it left there. Views (Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity, Dropout's output) share their input's bytes and extend its lifetime. Offsets are
 * assigned greedily, largest buffer first, each at the lowest aligned offset that no buffer live at
 * the same time occupies; values whose lifetimes do not overlap share memory.
 */
public final class BufferPlanner {

    /** Byte alignment of every slot (cuDNN and vectorised kernels want at least 128; 256 is cudaMalloc's). */
    public static final long ALIGNMENT = 256;

    private static final Set<String> VIEWS = Set.of("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout");

    private BufferPlanner() {
    }

    /** True for an operator whose first output is its first input re-labelled. */
    static boolean isView(Node node) {
        return node.domain().isEmpty() && VIEWS.contains(node.opType());
    }

    public static Plan plan(Graph graph) {
        if (graph.values().isEmpty()) {
            graph = ShapeInference.infer(graph);
        }
        List<Node> nodes = graph.nodes();
        int end = nodes.size();
        // Storage groups: a value and the views of it.
        Map<String, String> root = new HashMap<>();
        Map<String, Integer> first = new LinkedHashMap<>();
        Map<String, Integer> last = new HashMap<>();
        for (String in : graph.inputNames()) {
            root.put(in, in);
            first.put(in, -1);
            last.put(in, -1);
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (String in : n.inputs()) {
                if (!in.isEmpty() && root.containsKey(in)) {
                    String r = root.get(in);
                    last.put(r, Math.max(last.get(r), i));
                }
            }
            for (int o = 0; o < n.outputs().size(); o++) {
                String out = n.output(o);
                if (out.isEmpty()) {
                    continue;
                }
                ValueInfo info = graph.info(out);
                if (!info.shape().isStatic()) {
                    throw n.error("output '" + out + "' has shape " + info.shape()
                            + "; a plan needs static shapes (bind the input shapes first)");
                }
                if (o == 0 && isView(n) && root.containsKey(n.input(0))) {
                    root.put(out, root.get(n.input(0)));
                } else {
                    root.put(out, out);
                    first.put(out, i);
                    last.put(out, i);
                }
            }
        }
        for (String out : graph.outputs()) {
            if (root.containsKey(out)) {
                last.put(root.get(out), end);
            }
        }
        for (String in : graph.inputNames()) {
            last.put(in, end);
        }
        // Sizes per group: the largest member (views have the same element count; kept general).
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (String v : root.keySet()) {
            ValueInfo info = graph.info(v);
            long b = info.shape().elementCount() * info.type().bytes();
            bytes.merge(root.get(v), b, Math::max);
        }
        List<String> order = new ArrayList<>(first.keySet());
        order.sort(Comparator.comparingLong((String g) -> -bytes.get(g)).thenComparingInt(first::get));
        Map<String, Long> offset = new HashMap<>();
        List<String> placed = new ArrayList<>();
        long arena = 0;
        long unshared = 0;
        for (String g : order) {
            long size = align(Math.max(bytes.get(g), 1));
            unshared += size;
            List<long[]> busy = new ArrayList<>();
            for (String p : placed) {
                if (first.get(p) <= last.get(g) && first.get(g) <= last.get(p)) {
                    busy.add(new long[] {offset.get(p), offset.get(p) + align(Math.max(bytes.get(p), 1))});
                }
            }
            long best = smallestGap(busy, size);
            offset.put(g, best);
            placed.add(g);
            arena = Math.max(arena, best + size);
        }
        Map<String, BufferSlot> slots = new LinkedHashMap<>();
        for (String v : root.keySet()) {
            String g = root.get(v);
            ValueInfo info = graph.info(v);
            slots.put(v, new BufferSlot(v, info.type(), info.shape().sizes(), offset.get(g),
                    info.shape().elementCount() * info.type().bytes(), first.get(g), last.get(g),
                    g.equals(v) ? null : g));
        }
        Map<String, TensorValue> weights = new LinkedHashMap<>();
        List<PlanStep> steps = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<PlanStep.Operand> ins = new ArrayList<>();
            for (String in : n.inputs()) {
                if (in.isEmpty()) {
                    ins.add(new PlanStep.Operand.Absent());
                } else if (graph.isConstant(in)) {
                    weights.put(in, graph.constants().get(in));
                    ins.add(new PlanStep.Operand.Weight(in, graph.constants().get(in)));
                } else {
                    ins.add(new PlanStep.Operand.Activation(slots.get(in)));
                }
            }
            List<PlanStep.Operand> outs = new ArrayList<>();
            for (String out : n.outputs()) {
                outs.add(out.isEmpty() ? new PlanStep.Operand.Absent() : new PlanStep.Operand.Activation(slots.get(out)));
            }
            steps.add(new PlanStep(i, n, ins, outs, convDescriptor(graph, n)));
        }
        return new Plan(graph, steps, slots, arena, unshared, weights);
    }

    /** The start of the smallest gap between the busy ranges that holds {@code size} bytes, else past them all. */
    private static long smallestGap(List<long[]> busy, long size) {
        busy.sort(Comparator.comparingLong(r -> r[0]));
        long best = -1;
        long bestGap = Long.MAX_VALUE;
        long cursor = 0;
        for (long[] r : busy) {
            if (r[0] - cursor >= size && r[0] - cursor < bestGap) {
                best = cursor;
                bestGap = r[0] - cursor;
            }
            cursor = Math.max(cursor, r[1]);
        }
        return best < 0 ? cursor : best;
    }

    private static long align(long b) {
        return (b + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static ConvDescriptor convDescriptor(Graph graph, Node n) {
        boolean fused = n.opType().equals(Operators.FUSED_CONV) && n.domain().equals(Node.OCCLUSION4J_DOMAIN);
        if (!fused && !BatchNormFolding.isStandard(n, "Conv")) {
            return null;
        }
        long[] x = graph.info(n.input(0)).shape().sizes();
        long[] w = graph.info(n.input(1)).shape().sizes();
        int r = x.length - 2;
        Window win = Window.of(n, r, Arrays.copyOfRange(w, 2, w.length));
        long[] pads = win.resolvedPads(Arrays.copyOfRange(x, 2, x.length));
        return new ConvDescriptor(r, x[1], w[0], n.intAttr("group", 1), win.kernel(), win.strides(), win.dilations(),
                Arrays.copyOfRange(pads, 0, r), Arrays.copyOfRange(pads, r, 2 * r), n.hasInput(2),
                fused && n.hasInput(3), fused && "Relu".equals(n.stringAttr("activation", "")));
    }
}
