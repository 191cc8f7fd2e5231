package io.occlusion4j;

import java.util.Arrays;
import java.util.List;

/**
 * The model's single input and its outputs as the back end sees them. Dimensions that are not fixed
 * (a dynamic batch, a symbolic size) are -1.
 */
public record ModelSignature(String inputName, long[] inputShape, List<Output> outputs) {

    public record Output(String name, long[] shape, boolean isFloat) {
        @Override
        public String toString() {
            return name + Arrays.toString(shape) + (isFloat ? "" : " (not float)");
        }
    }

    public ModelSignature {
        inputShape = inputShape.clone();
        outputs = List.copyOf(outputs);
    }

    /** The input's batch dimension if the model fixes it, else -1. */
    public long fixedBatch() {
        return inputShape.length == 0 ? -1 : inputShape[0];
    }

    public Output output(String name) {
        for (Output o : outputs) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    public String describeInput() {
        StringBuilder b = new StringBuilder(inputName).append(" [");
        for (int i = 0; i < inputShape.length; i++) {
            b.append(i == 0 ? "" : ",").append(inputShape[i] < 0 ? (i == 0 ? "N" : "?") : Long.toString(inputShape[i]));
        }
        return b.append(']').toString();
    }

    public List<String> outputNames() {
        return outputs.stream().map(Output::name).toList();
    }
}
