// Which activations the FP16 mode stores as fp16 channels-last: the convolution regions where tensor cores pay.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.Operators;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.TensorValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The storage decision of the FP16 mode. A <i>half-capable</i> step can read and write fp16 NHWC tensors:
 * a 2-D convolution (plain or fused, ReLU or none, constant bias), an element-wise activation or copy, a
 * broadcast binary whose activation operands are 4-D, MaxPool / AveragePool over 2-D, Pad of a 4-D tensor
 * (any axes, constant pads), Concat of 4-D tensors (constant ones are uploaded as fp16 NHWC). Half-capable steps
 * joined by the 4-D activations between them form <i>regions</i>; a region <i>pays</i> when it holds a
 * convolution whose channels per group are multiples of 8 on both sides (cuDNN's tensor-core shapes). The
 * activations produced inside a paying region are stored as fp16 in NHWC order, except graph outputs and
 * values that a view (Reshape, Flatten, ...) re-labels, which stay fp32 NCHW. A graph input is stored as
 * fp16 NHWC when a step that runs in fp16 reads it, so the occlusion variant writer writes it in that form
 * (zero copy). Global pools, ReduceMean over H, W and Transpose read fp16 NHWC directly and write fp32; every other
 * crossing between the two storages is one conversion launch ({@link PlanLowering}).
 */
public final class HalfRegions {

    private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
            "Tanh", "Identity", "Dropout");
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "PRelu");

    private HalfRegions() {
    }

    /** The activation values stored as fp16 NHWC in the FP16 mode. */
    public static Set<String> assign(Plan plan) {
        return assign(plan, Set.of());
    }

    /**
     * {@link #assign(Plan)} with the steps of index {@code fp32Steps} kept in fp32 (a convolution cuDNN refused
     * in fp16): they join no region, so their neighbours stay fp16 with a conversion on each side.
     */
    public static Set<String> assign(Plan plan, Set<Integer> fp32Steps) {
        Set<String> outputs = new HashSet<>(plan.graph().outputs());
        Set<String> viewed = new HashSet<>();
        Map<String, List<Integer>> consumers = new HashMap<>();
        List<PlanStep> steps = plan.steps();
        for (int i = 0; i < steps.size(); i++) {
            PlanStep s = steps.get(i);
            if (s.isView() && s.outputs().get(0) instanceof Operand.Activation(BufferSlot out)) {
                viewed.add(out.value());
                viewed.add(out.viewOf());
                for (Operand in : s.inputs()) {
                    if (in instanceof Operand.Activation(BufferSlot src)) {
                        viewed.add(src.value());
                    }
                }
            }
            for (Operand in : s.inputs()) {
                if (in instanceof Operand.Activation(BufferSlot src)) {
                    consumers.computeIfAbsent(src.value(), k -> new ArrayList<>()).add(i);
                }
            }
        }
        int[] parent = new int[steps.size()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        boolean[] capable = new boolean[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            capable[i] = !fp32Steps.contains(steps.get(i).index()) && capable(steps.get(i), plan.graph().opset());
        }
        for (int i = 0; i < steps.size(); i++) {
            if (!capable[i]) {
                continue;
            }
            BufferSlot out = ((Operand.Activation) steps.get(i).outputs().get(0)).slot();
            if (!candidate(out, outputs, viewed)) {
                continue;
            }
            for (int c : consumers.getOrDefault(out.value(), List.of())) {
                if (capable[c]) {
                    union(parent, i, c);
                }
            }
        }
        Set<Integer> paying = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            if (capable[i] && steps.get(i).conv() != null && tensorCoreShaped(steps.get(i).conv())) {
                paying.add(find(parent, i));
            }
        }
        Set<String> half = new LinkedHashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            if (capable[i] && paying.contains(find(parent, i))) {
                BufferSlot out = ((Operand.Activation) steps.get(i).outputs().get(0)).slot();
                if (candidate(out, outputs, viewed)) {
                    half.add(out.value());
                }
            }
        }
        for (var in : plan.graph().inputs()) {
            BufferSlot slot = plan.slots().get(in.name());
            if (slot == null || !candidate(slot, outputs, viewed)) {
                continue;
            }
            for (int c : consumers.getOrDefault(in.name(), List.of())) {
                if (capable[c] && half.contains(((Operand.Activation) steps.get(c).outputs().get(0)).slot().value())) {
                    half.add(in.name());
                    break;
                }
            }
        }
        return half;
    }

    /** True when a 4-D fp32 activation may be stored as fp16 NHWC. */
    private static boolean candidate(BufferSlot s, Set<String> outputs, Set<String> viewed) {
        return s.type() == DataType.FLOAT && s.shape().length == 4 && !outputs.contains(s.value())
                && !viewed.contains(s.value()) && s.viewOf() == null;
    }

    /** Tensor-core friendly: channels per group a multiple of 8 on the input and the output side. */
    static boolean tensorCoreShaped(ConvDescriptor c) {
        long in = c.inChannels() / c.groups();
        long out = c.outChannels() / c.groups();
        return in % 8 == 0 && out % 8 == 0;
    }

    /** True when the step can run on fp16 NHWC operands and write an fp16 NHWC output. */
    static boolean capable(PlanStep s, long opset) {
        if (s.isView() || s.outputs().isEmpty() || !(s.outputs().get(0) instanceof Operand.Activation(BufferSlot out))
                || out.type() != DataType.FLOAT || out.shape().length != 4) {
            return false;
        }
        for (Operand o : s.outputs().subList(1, s.outputs().size())) {
            if (!(o instanceof Operand.Absent)) {
                return false;
            }
        }
        for (Operand in : s.inputs()) {
            if (in instanceof Operand.Activation(BufferSlot x) && x.type() != DataType.FLOAT) {
                return false;
            }
        }
        Node node = s.node();
        boolean fused = node.domain().equals(Node.OCCLUSION4J_DOMAIN) && node.opType().equals(Operators.FUSED_CONV);
        if (fused || (node.domain().isEmpty() && node.opType().equals("Conv"))) {
            ConvDescriptor c = s.conv();
            if (c == null || c.spatialRank() != 2 || !isActivation(s, 0) || !isWeight(s, 1)) {
                return false;
            }
            if (s.inputs().size() > 2 && !(s.inputs().get(2) instanceof Operand.Absent) && !isWeight(s, 2)) {
                return false;
            }
            String act = fused ? node.stringAttr("activation", "") : "";
            return act.isEmpty() || act.equals("Relu");
        }
        if (!node.domain().isEmpty()) {
            return false;
        }
        String op = node.opType();
        if (UNARY.contains(op)) {
            if (!isActivation(s, 0) || rank(s, 0) != 4) {
                return false;
            }
            if (op.equals("Clip") && opset >= 11) {
                for (int i = 1; i < s.inputs().size(); i++) {
                    if (!(s.inputs().get(i) instanceof Operand.Absent) && !isWeight(s, i)) {
                        return false;
                    }
                }
            }
            return true;
        }
        if (BINARY.contains(op)) {
            boolean anyActivation = false;
            for (int i = 0; i < 2; i++) {
                if (isActivation(s, i)) {
                    anyActivation = true;
                    if (rank(s, i) != 4) {
                        return false;
                    }
                } else if (!isWeight(s, i) || rank(s, i) > 4) {
                    return false;
                }
            }
            return anyActivation;
        }
        if (op.equals("MaxPool") || op.equals("AveragePool")) {
            return isActivation(s, 0) && rank(s, 0) == 4;
        }
        if (op.equals("Concat")) {
            boolean anyActivation = false;
            for (int i = 0; i < s.inputs().size(); i++) {
                if (isActivation(s, i)) {
                    anyActivation = true;
                } else if (!isWeight(s, i)) {
                    return false;
                }
                if (rank(s, i) != 4) {
                    return false;
                }
            }
            return anyActivation;
        }
        if (op.equals("Pad")) {
            if (!isActivation(s, 0) || rank(s, 0) != 4) {
                return false;
            }
            for (int i = 1; i < s.inputs().size(); i++) {
                if (!(s.inputs().get(i) instanceof Operand.Absent) && !isWeight(s, i)) {
                    return false;
                }
            }
            String mode = node.stringAttr("mode", "constant");
            return mode.equals("constant") || mode.equals("edge") || mode.equals("reflect");
        }
        return false;
    }

    /**
     * True when the step can read its 4-D input as fp16 NHWC and write its fp32 result directly: a reduction
     * over H and W (GlobalAveragePool, GlobalMaxPool, ReduceMean over axes 2 and 3) or a Transpose (one
     * converting strided copy).
     */
    static boolean spatialReducer(PlanStep s, long opset) {
        Node node = s.node();
        if (!node.domain().isEmpty() || !isActivation(s, 0) || rank(s, 0) != 4
                || !(s.outputs().get(0) instanceof Operand.Activation(BufferSlot out)) || out.type() != DataType.FLOAT) {
            return false;
        }
        return switch (node.opType()) {
            case "GlobalAveragePool", "GlobalMaxPool" -> true;
            case "Transpose" -> true;
            case "ReduceMean" -> {
                long[] axes;
                if (opset >= 18) {
                    axes = s.inputs().size() > 1 && s.inputs().get(1) instanceof Operand.Weight(String n, TensorValue v)
                            ? v.toLongs() : null;
                } else {
                    axes = node.intsAttr("axes");
                }
                if (axes == null || axes.length != 2) {
                    yield false;
                }
                Set<Long> set = new HashSet<>();
                for (long a : axes) {
                    set.add(a < 0 ? a + 4 : a);
                }
                yield set.equals(Set.of(2L, 3L));
            }
            default -> false;
        };
    }

    private static boolean isActivation(PlanStep s, int i) {
        return i < s.inputs().size() && s.inputs().get(i) instanceof Operand.Activation;
    }

    private static boolean isWeight(PlanStep s, int i) {
        return i < s.inputs().size() && s.inputs().get(i) instanceof Operand.Weight;
    }

    private static int rank(PlanStep s, int i) {
        return LoweringOperands.shape(s.inputs().get(i)).length;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        parent[find(parent, a)] = find(parent, b);
    }
}
