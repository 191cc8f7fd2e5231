package io.occlusion4j.graph;

import io.occlusion4j.graph.Dim;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a graph of the IR in plain Java, node by node, in float32 (int64 for shape arithmetic). It is
 * the oracle every plan rewrite is checked against: the original graph and the rewritten one must give
 * the same outputs, and both must match ONNX Runtime. Values are dropped after their last reader, so a
 * ResNet-18 forward holds only a few activations at a time.
 */
public final class ReferenceExecutor {

    private ReferenceExecutor() {
    }

    /** Runs {@code graph} on {@code inputs} (by input name) and returns the graph outputs by name, in order. */
    public static Map<String, TensorValue> run(Graph graph, Map<String, TensorValue> inputs) {
        Map<String, TensorValue> env = new HashMap<>(graph.constants());
        for (ValueInfo in : graph.inputs()) {
            TensorValue t = inputs.get(in.name());
            if (t == null) {
                throw new GraphException("graph '" + graph.name() + "': input '" + in.name() + "' is not given");
            }
            checkInput(graph, in, t);
            env.put(in.name(), t);
        }
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            for (String v : graph.nodes().get(i).inputs()) {
                lastUse.put(v, i);
            }
        }
        long opset = graph.opset();
        for (int i = 0; i < graph.nodes().size(); i++) {
            Node node = graph.nodes().get(i);
            List<TensorValue> args = new ArrayList<>(node.inputs().size());
            for (String v : node.inputs()) {
                if (v.isEmpty()) {
                    args.add(null);
                    continue;
                }
                TensorValue t = env.get(v);
                if (t == null) {
                    throw node.error("input '" + v + "' is not defined before this node");
                }
                args.add(t);
            }
            List<TensorValue> results;
            try {
                results = Operators.evaluate(node, args, opset);
            } catch (GraphException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new GraphException(node.where() + "evaluation failed on inputs "
                        + describe(args) + ": " + e, e);
            }
            for (int o = 0; o < node.outputs().size(); o++) {
                String name = node.output(o);
                if (!name.isEmpty() && o < results.size() && results.get(o) != null) {
                    env.put(name, results.get(o));
                }
            }
            for (String v : node.inputs()) {
                if (lastUse.getOrDefault(v, -1) == i && !graph.isOutput(v) && !graph.isConstant(v)) {
                    env.remove(v);
                }
            }
        }
        Map<String, TensorValue> out = new LinkedHashMap<>();
        for (String o : graph.outputs()) {
            TensorValue t = env.get(o);
            if (t == null) {
                throw new GraphException("graph '" + graph.name() + "': output '" + o + "' is never computed");
            }
            out.put(o, t);
        }
        return out;
    }

    /**
     * Runs a plan the way a device executor does: one arena of {@link Plan#arenaBytes()} bytes (filled
     * with NaN first, so a read of a slot nobody wrote shows), inputs written to their slots, every step
     * reading its operands from the arena or the weights and writing its results back to its slots,
     * views skipped. Agreement with {@link #run} shows the buffer assignment never lets a write clobber
     * a value still to be read.
     */
    public static Map<String, TensorValue> runPlan(Plan plan, Map<String, TensorValue> inputs) {
        return runPlan(plan, inputs, java.util.function.UnaryOperator.identity());
    }

    /**
     * {@link #runPlan(Plan, Map)} with {@code round} applied to every input and weight as a step reads it and to
     * every result before it is stored ({@link Fp16Simulation}: fp16 rounding after each step).
     */
    static Map<String, TensorValue> runPlan(Plan plan, Map<String, TensorValue> inputs,
                                            java.util.function.UnaryOperator<TensorValue> round) {
        java.nio.ByteBuffer arena = java.nio.ByteBuffer.allocate(Math.toIntExact(plan.arenaBytes()))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= arena.capacity(); i += 4) {
            arena.putFloat(i, Float.NaN);
        }
        for (ValueInfo in : plan.graph().inputs()) {
            TensorValue t = inputs.get(in.name());
            if (t == null) {
                throw new GraphException("plan of '" + plan.graph().name() + "': input '" + in.name() + "' is not given");
            }
            BufferSlot s = plan.slot(in.name());
            if (!Arrays.equals(t.shape(), s.shape()) || t.type() != s.type()) {
                throw new GraphException("plan of '" + plan.graph().name() + "': input '" + in.name() + "' must be "
                        + s.type() + Arrays.toString(s.shape()) + ", got " + t.type() + Arrays.toString(t.shape()));
            }
            store(arena, s, round.apply(t));
        }
        long opset = plan.graph().opset();
        for (PlanStep step : plan.steps()) {
            if (step.isView()) {
                continue;
            }
            List<TensorValue> args = new ArrayList<>();
            for (PlanStep.Operand op : step.inputs()) {
                args.add(switch (op) {
                    case PlanStep.Operand.Activation(BufferSlot s) -> load(arena, s);
                    case PlanStep.Operand.Weight(String name, TensorValue v) -> round.apply(v);
                    case PlanStep.Operand.Absent() -> null;
                });
            }
            List<TensorValue> results = Operators.evaluate(step.node(), args, opset);
            for (int o = 0; o < step.outputs().size(); o++) {
                if (step.outputs().get(o) instanceof PlanStep.Operand.Activation(BufferSlot s) && o < results.size()) {
                    if (!Arrays.equals(results.get(o).shape(), s.shape())) {
                        throw step.node().error("computed shape " + Arrays.toString(results.get(o).shape())
                                + " differs from the planned " + Arrays.toString(s.shape()));
                    }
                    store(arena, s, round.apply(results.get(o)));
                }
            }
        }
        Map<String, TensorValue> out = new LinkedHashMap<>();
        for (String o : plan.graph().outputs()) {
            out.put(o, plan.graph().isConstant(o) ? plan.graph().constants().get(o) : load(arena, plan.slot(o)));
        }
        return out;
    }

    private static void store(java.nio.ByteBuffer arena, BufferSlot s, TensorValue t) {
        int at = Math.toIntExact(s.offset());
        for (int i = 0; i < t.size(); i++) {
            switch (s.type()) {
                case FLOAT -> arena.putFloat(at + 4 * i, t.floats()[i]);
                case INT32 -> arena.putInt(at + 4 * i, (int) t.longs()[i]);
                case INT64 -> arena.putLong(at + 8 * i, t.longs()[i]);
                case BOOL -> arena.put(at + i, (byte) t.longs()[i]);
            }
        }
    }

    private static TensorValue load(java.nio.ByteBuffer arena, BufferSlot s) {
        int at = Math.toIntExact(s.offset());
        int n = Math.toIntExact(s.elementCount());
        if (s.type() == DataType.FLOAT) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = arena.getFloat(at + 4 * i);
            }
            return TensorValue.ofFloats(s.shape(), f);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (s.type()) {
                case INT32 -> arena.getInt(at + 4 * i);
                case INT64 -> arena.getLong(at + 8 * i);
                default -> arena.get(at + i);
            };
        }
        return TensorValue.ofLongs(s.type(), s.shape(), v);
    }

    private static void checkInput(Graph graph, ValueInfo in, TensorValue t) {
        boolean ok = t.type() == in.type() && t.rank() == in.shape().rank();
        for (int i = 0; ok && i < t.rank(); i++) {
            if (in.shape().dim(i) instanceof Dim.Fixed(long size) && size != t.shape()[i]) {
                ok = false;
            }
        }
        if (!ok) {
            throw new GraphException("graph '" + graph.name() + "': input '" + in.name() + "' is declared "
                    + in.type() + in.shape() + ", got " + t.type() + Arrays.toString(t.shape()));
        }
    }

    private static String describe(List<TensorValue> args) {
        List<String> s = new ArrayList<>();
        for (TensorValue t : args) {
            s.add(t == null ? "-" : t.type() + Arrays.toString(t.shape()));
        }
        return s.toString();
    }
}
