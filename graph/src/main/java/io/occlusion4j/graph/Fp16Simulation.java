// The reference executor in simulated fp16: what rounding a network's values to half precision costs by itself.
package io.occlusion4j.graph;

import java.util.Map;

/**
 * Runs a plan with {@link ReferenceExecutor#runPlan(Plan, Map)}'s arithmetic (fp32, double where it accumulates) but
 * with every float value rounded to IEEE fp16 (round to nearest even, overflow to infinity) at each step: the inputs
 * and weights as a step reads them, each step's results before they are stored. Its distance to the fp32 run is the
 * error fp16 storage brings to this network on this input whatever the lowering does, so a device plan with fp16
 * storage is judged against that error (the CUDA back end's {@code Fp16Criterion}) rather than against a fixed
 * tolerance that deep networks exceed by rounding alone. It rounds more values than a device plan stores as fp16
 * (which keeps some regions in fp32), so its error is an upper estimate of what rounding alone costs.
 */
public final class Fp16Simulation {

    private Fp16Simulation() {
    }

    /** {@code plan} on {@code inputs} with fp16 rounding after each step; every graph output, as fp32 tensors. */
    public static Map<String, TensorValue> runPlan(Plan plan, Map<String, TensorValue> inputs) {
        return ReferenceExecutor.runPlan(plan, inputs, Fp16Simulation::round);
    }

    /** {@code v} rounded to the nearest fp16 value, as a float. */
    public static float round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    /** A float tensor with every element rounded to fp16; any other tensor unchanged. */
    public static TensorValue round(TensorValue t) {
        if (t == null || t.type() != DataType.FLOAT) {
            return t;
        }
        float[] f = t.floats();
        float[] r = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = round(f[i]);
        }
        return TensorValue.ofFloats(t.shape(), r);
    }
}
