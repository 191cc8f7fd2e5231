package io.occlusion4j.graph;

import java.util.List;

/**
 * One step of a plan: a node with its operands resolved to arena slots or weights.
 *
 * @param index   position in the plan
 * @param node    the operator and its attributes
 * @param inputs  one operand per node input
 * @param outputs one operand per node output
 * @param conv    for Conv and FusedConv, the convolution's descriptor; null otherwise
 */
public record PlanStep(int index, Node node, List<Operand> inputs, List<Operand> outputs, ConvDescriptor conv) {

    public PlanStep {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** True when the step only re-labels its input's bytes (a view: nothing to launch). */
    public boolean isView() {
        return !outputs.isEmpty() && outputs.get(0) instanceof Operand.Activation(BufferSlot s) && s.viewOf() != null;
    }

    /** Where an operand's elements come from. */
    public sealed interface Operand {
        /** An activation in the arena. */
        record Activation(BufferSlot slot) implements Operand {
        }

        /** A constant, uploaded once with the weights. */
        record Weight(String name, TensorValue value) implements Operand {
        }

        /** An omitted optional input or output. */
        record Absent() implements Operand {
        }
    }
}
