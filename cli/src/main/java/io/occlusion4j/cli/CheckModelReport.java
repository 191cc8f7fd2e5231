// check-model's report as text for a person and as JSON for a machine.
package io.occlusion4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.occlusion4j.core.ModelCheck;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two forms of a {@link ModelCheck}. JSON: {@code model}, {@code backend}, {@code device}, {@code supported}, {@code passed},
 * {@code inputs} (name -> shape), {@code nodes}, {@code operators} (operator -> nodes), {@code rewrites} ([{operator,
 * before, after}]), {@code steps}, {@code lowering} (what -> count), {@code unsupported} ([{node, operator, reason}]),
 * {@code fp32} and {@code fp16} (null when not run; each with {@code passed}), {@code notes}.
 */
final class CheckModelReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckModelReport() {
    }

    static String json(ModelCheck r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        root.put("backend", r.backend());
        root.put("device", r.device());
        root.put("supported", r.supported());
        root.put("passed", r.passed());
        root.set("inputs", JSON.valueToTree(r.inputs()));
        root.put("nodes", r.nodes());
        root.set("operators", JSON.valueToTree(r.census()));
        root.set("rewrites", JSON.valueToTree(r.rewrites()));
        root.put("steps", r.steps());
        root.set("lowering", JSON.valueToTree(r.lowering()));
        root.set("unsupported", JSON.valueToTree(r.unsupported()));
        if (r.fp32() == null) {
            root.putNull("fp32");
        } else {
            ObjectNode f = JSON.valueToTree(r.fp32());
            f.put("relative", r.fp32().relative());
            f.put("passed", r.fp32().passed());
            root.set("fp32", f);
        }
        if (r.fp16() == null) {
            root.putNull("fp16");
        } else {
            ObjectNode f = JSON.valueToTree(r.fp16());
            f.put("passed", r.fp16().passed());
            root.set("fp16", f);
        }
        ArrayNode notes = root.putArray("notes");
        r.notes().forEach(notes::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void text(ModelCheck r, PrintWriter out) {
        line(out, "model", r.model() + " (back end " + r.backend() + ")");
        line(out, "device", r.device());
        List<String> inputs = new ArrayList<>();
        r.inputs().forEach((k, v) -> inputs.add(k + " " + v));
        line(out, "inputs", String.join(", ", inputs));
        line(out, "operators", r.nodes() + " nodes: " + counts(r.census()));
        if (r.steps() > 0) {
            List<String> rw = new ArrayList<>();
            for (ModelCheck.Rewrite w : r.rewrites()) {
                rw.add(w.operator() + " " + w.before() + " -> " + w.after());
            }
            line(out, "rewrites", r.nodes() + " nodes -> " + r.steps() + " plan steps after folding and fusion"
                    + (rw.isEmpty() ? " (nothing folded or fused)" : ": " + String.join(", ", rw)));
        }
        if (!r.lowering().isEmpty()) {
            line(out, "lowering", counts(r.lowering()));
        }
        if (r.supported()) {
            line(out, "support", "every node runs on the CUDA plan");
        } else {
            line(out, "support", r.unsupported().size() + " node(s) the CUDA plan cannot run:");
            for (ModelCheck.Unsupported u : r.unsupported()) {
                out.println("  node '" + u.node() + "' (" + u.operator() + "): " + u.reason());
            }
        }
        if (r.fp32() != null) {
            ModelCheck.Fp32Comparison c = r.fp32();
            line(out, "fp32", String.format(Locale.ROOT, "%s max |diff| %.2e vs ONNX Runtime on '%s' = %.2e of its range "
                    + "%.4g (tolerance %.0e); host run %.0f ms; %s", c.passed() ? "PASS" : "FAIL", c.maxDifference(),
                    c.output(), c.relative(), c.outputRange(), c.tolerance(), c.hostMillis(), c.storage()));
        }
        if (r.fp16() != null) {
            ModelCheck.Fp16Comparison c = r.fp16();
            line(out, "fp16", String.format(Locale.ROOT, "%s max |diff| %.2e vs ONNX Runtime on '%s' (%.2e of its range); "
                    + "simulated fp16 %.2e, bound %.0fx = %.2e; top-1 %s in %d sample(s); host run %.0f ms; %s",
                    c.passed() ? "PASS" : "FAIL", c.maxDifference(), c.output(), c.maxDifference() / c.outputRange(),
                    c.simulatedDifference(), c.factor(), c.bound(),
                    c.top1Changed() == 0 ? "unchanged" : "changed in " + c.top1Changed() + " of", c.samples(),
                    c.hostMillis(), c.storage()));
        }
        for (String n : r.notes()) {
            line(out, "note", n);
        }
        line(out, "verdict", verdict(r));
    }

    private static String verdict(ModelCheck r) {
        if (r.passed()) {
            return "runs on the CUDA back end: fully supported, fp32 and fp16 storage within tolerance";
        }
        if (!r.supported()) {
            return "does not run on the CUDA back end (" + r.unsupported().size() + " unsupported node(s)); "
                    + "--backend cpu (ONNX Runtime) runs it";
        }
        return "supported, but " + (r.fp32() == null || r.fp16() == null ? "a host run could not be compared (see the notes)"
                : "the host run is out of tolerance") + ": do not trust the CUDA back end with this model";
    }

    private static String counts(Map<String, Integer> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    private static void line(PrintWriter out, String label, String text) {
        out.printf("%-10s %s%n", label, text);
    }
}
