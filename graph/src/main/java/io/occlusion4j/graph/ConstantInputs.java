package io.occlusion4j.graph;

/**
 * Where an operator spec reads a node's constant inputs from: shape inference's folded values, the reference
 * executor's tensors, or the plan's weights. {@link #get} returns the contents of input {@code i}, null when the
 * input is omitted, and throws (each caller with its own message) when it is given but not known.
 */
@FunctionalInterface
public interface ConstantInputs {
    /** Input {@code i}'s contents, or null when the node omits it. */
    TensorValue get(int i);

    /** Input {@code i}'s contents as integers, or null when omitted. */
    default long[] longs(int i) {
        TensorValue t = get(i);
        return t == null ? null : t.toLongs();
    }
}
