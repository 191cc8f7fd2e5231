package io.occlusion4j.cpu.incremental;

import io.occlusion4j.graph.Node;
import java.util.List;

/**
 * One piece of the incremental prefix that runs as its own small ONNX model over the stacked patches of a batch of
 * variants: a head operator and the point-wise operators that follow it alone (a Conv, its BatchNormalization and
 * Relu). A {@link Kind#WINDOWED} head (Conv, MaxPool, AveragePool) reads a read-in context around its output patch,
 * padded where it leaves the map; a {@link Kind#POINTWISE} head (Add, Mul, Concat, an activation) reads its inputs
 * over its own output patch.
 *
 * @param head      the first operator
 * @param chain     the operators after it, each reading the previous one's output only
 * @param inputs    the activations the head reads (constants excluded), in the head's input order
 * @param output    the value the step produces (the last operator's output)
 * @param kind      how contexts are read
 * @param kernel    window per spatial axis (windowed heads)
 * @param strides   stride per spatial axis (windowed heads)
 * @param dilations dilation per spatial axis (windowed heads)
 * @param padsBegin begin pads per spatial axis, resolved (windowed heads)
 * @param padValue  what the context holds outside the map: 0, or minus infinity for a max pool
 * @param flops     multiply-adds (or element operations) per sample over the whole map, all operators of the step
 * @param sideInputs activations the chain reads besides the previous operator's output (a residual Add's other
 *                   operand), read over the step's output patch
 */
record Step(Node head, List<Node> chain, List<String> inputs, String output, Kind kind, int[] kernel, int[] strides,
            int[] dilations, int[] padsBegin, float padValue, double flops, List<String> sideInputs) {

    enum Kind { WINDOWED, POINTWISE }

    Step {
        chain = List.copyOf(chain);
        inputs = List.copyOf(inputs);
        sideInputs = List.copyOf(sideInputs);
    }

    /** This step with one more point-wise operator at its end. */
    Step then(Node next, double nextFlops) {
        return then(next, nextFlops, null);
    }

    /** This step with one more point-wise operator at its end that also reads {@code side} (or null) over the patch. */
    Step then(Node next, double nextFlops, String side) {
        List<Node> c = new java.util.ArrayList<>(chain);
        c.add(next);
        List<String> sides = new java.util.ArrayList<>(sideInputs);
        if (side != null && !sides.contains(side)) {
            sides.add(side);
        }
        return new Step(head, c, inputs, next.output(0), kind, kernel, strides, dilations, padsBegin, padValue,
                flops + nextFlops, sides);
    }

    /** Context size along {@code axis} for an output patch of {@code size} elements. */
    int context(int axis, int size) {
        if (kind == Kind.POINTWISE) {
            return size;
        }
        return (size - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1;
    }

    /** Context start along {@code axis} for an output patch starting at {@code start} (may be negative). */
    int contextStart(int axis, int start) {
        return kind == Kind.POINTWISE ? start : start * strides[axis] - padsBegin[axis];
    }
}
