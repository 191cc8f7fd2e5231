// Every node the CUDA plan cannot run, each with its reason: the plan stops at the first, check-model lists them all.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.core.ModelCheck.Unsupported;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.Operators;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.UnsupportedOperatorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan builder and the lowering each raise {@link UnsupportedOperatorException} at the first node they cannot
 * take. For a report that names them all: at the graph level every node outside the plan's operator set (and the
 * node the builder stopped at, whatever its reason: a variant shape inference refuses, such as MaxPool's Indices
 * output, is found one at a time, since no shapes exist past it); at the lowering level each step lowered alone, as a
 * plan of one step over the same slots and weights, so one unsupported step does not hide the next.
 */
final class SupportFindings {
    private static final String PLAN_PREFIX = "is not supported by occlusion4j's inference plan";
    private static final String CPU_HINT = "; run this model with --backend cpu (ONNX Runtime)";

    private SupportFindings() {
    }

    /** The nodes of {@code graph} the plan builder refuses; {@code stop} is what it raised. */
    static List<Unsupported> graphNodes(Graph graph, UnsupportedOperatorException stop) {
        Map<String, Unsupported> out = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!Operators.isSupported(n)) {
                out.put(n.name(), new Unsupported(n.name(), n.qualifiedOpType(),
                        "no " + n.qualifiedOpType() + " in the CUDA plan's operator set"));
            }
        }
        if (!out.containsKey(stop.nodeName()) || !out.get(stop.nodeName()).operator().equals(stop.opType())) {
            out.put(stop.nodeName(), new Unsupported(stop.nodeName(), stop.opType(), reason(stop)));
        }
        return List.copyOf(out.values());
    }

    /** The steps of {@code plan} the lowering refuses; {@code stop} is what lowering the whole plan raised. */
    static List<Unsupported> steps(Plan plan, UnsupportedOperatorException stop) {
        List<Unsupported> out = new ArrayList<>();
        for (PlanStep step : plan.steps()) {
            Plan one = new Plan(plan.graph(), List.of(step), plan.slots(), plan.arenaBytes(), plan.unsharedBytes(),
                    plan.weights());
            try {
                PlanLowering.lower(one, false);
            } catch (UnsupportedOperatorException e) {
                out.add(new Unsupported(e.nodeName(), e.opType(), reason(e)));
            } catch (RuntimeException e) {
                // A step that lowers only with its neighbours: the whole plan's failure names what matters.
            }
        }
        if (out.stream().noneMatch(u -> u.node().equals(stop.nodeName()))) {
            out.add(0, new Unsupported(stop.nodeName(), stop.opType(), reason(stop)));
        }
        return List.copyOf(out);
    }

    /** The reason of an {@link UnsupportedOperatorException}: its detail without the operator, node and CPU hint. */
    static String reason(UnsupportedOperatorException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.endsWith(CPU_HINT)) {
            m = m.substring(0, m.length() - CPU_HINT.length());
        }
        int at = m.indexOf(PLAN_PREFIX);
        if (at >= 0) {
            String rest = m.substring(at + PLAN_PREFIX.length()).strip();
            if (rest.startsWith("(") && rest.endsWith(")")) {
                rest = rest.substring(1, rest.length() - 1);
            }
            return rest.isEmpty() ? "the CUDA plan has no lowering of " + e.opType() : rest;
        }
        return m;
    }
}
