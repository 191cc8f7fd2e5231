package io.occlusion4j;

import io.occlusion4j.OcclusionException;
import java.util.Arrays;
import java.util.List;

/**
 * The model's single input and its outputs as the back end sees them. Dimensions that are not fixed
 * (a dynamic batch, a symbolic size) are -1.
 */
public record ModelSignature(String inputName, long[] inputShape, List<Output> outputs) {
    /** Elements a model input may declare for one sample, and for a fixed batch: 2^28 (1 GiB of float32). */
    public static final long MAX_INPUT_ELEMENTS = 1L << 28;

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

    /**
     * Refuses, naming the axis, a declared input shape no explanation could allocate: a fixed dimension, the
     * product of a sample's fixed dimensions, or a fixed batch of them over {@link #MAX_INPUT_ELEMENTS}.
     * Called when a model loads, before anything is sized from its shape.
     *
     * @param model the model's name for the message
     */
    public void checkInputSize(String model) {
        long sample = 1;
        for (int i = 1; i < inputShape.length; i++) {
            long d = inputShape[i];
            if (d > MAX_INPUT_ELEMENTS) {
                throw tooLarge(model, "declares " + d + " on axis " + i);
            }
            if (d > 0) {
                sample *= d;
                if (sample > MAX_INPUT_ELEMENTS) {
                    throw tooLarge(model, "declares " + sample + " elements per sample up to axis " + i
                            + " (axis " + i + " is " + d + ")");
                }
            }
        }
        long batch = fixedBatch();
        if (batch > MAX_INPUT_ELEMENTS / sample) {
            throw tooLarge(model, "fixes a batch of " + batch + " samples of " + sample + " elements on axis 0");
        }
    }

    private OcclusionException tooLarge(String model, String what) {
        return new OcclusionException("model " + model + " input " + describeInput() + " " + what + ", more than the "
                + MAX_INPUT_ELEMENTS + " elements (1 GiB of float32) occlusion4j allocates for an input");
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
