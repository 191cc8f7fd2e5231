package io.occlusion4j.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference plan for fixed input shapes: ordered steps over one activation arena and a set of
 * weights. A device executor allocates {@link #arenaBytes()} once, uploads {@link #weights()} once,
 * points each graph input at its slot (the occlusion variant writer writes there directly), and walks
 * {@link #steps()} in order; every operand is either a slot (offset and size in the arena) or a weight.
 *
 * @param graph         the rewritten graph the steps come from (static shapes)
 * @param steps         the steps in execution order
 * @param slots         every activation's slot, by value name
 * @param arenaBytes    the arena size: the peak of live activations under the assignment
 * @param unsharedBytes what the activations would take with a buffer each (for the report)
 * @param weights       constants the steps read, by name
 */
public record Plan(Graph graph, List<PlanStep> steps, Map<String, BufferSlot> slots, long arenaBytes,
                   long unsharedBytes, Map<String, TensorValue> weights) {

    public Plan {
        steps = List.copyOf(steps);
        slots = Collections.unmodifiableMap(new LinkedHashMap<>(slots));
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** The slot of a graph input or output, or any activation. */
    public BufferSlot slot(String value) {
        BufferSlot s = slots.get(value);
        if (s == null) {
            throw new GraphException("plan of graph '" + graph.name() + "' has no activation '" + value + "'");
        }
        return s;
    }

    /** Bytes of all weights, as uploaded in float32. */
    public long weightBytes() {
        long b = 0;
        for (TensorValue t : weights.values()) {
            b += (long) t.size() * t.type().bytes();
        }
        return b;
    }

    /** A readable listing, one step a line. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("plan for '").append(graph.name()).append("': ").append(steps.size()).append(" steps, arena ")
                .append(arenaBytes).append(" bytes (").append(unsharedBytes).append(" unshared), weights ")
                .append(weightBytes()).append(" bytes\n");
        for (PlanStep s : steps) {
            sb.append(String.format("%4d %-18s %s%n", s.index(), s.node().opType(), s.node().name()));
        }
        return sb.toString();
    }
}
