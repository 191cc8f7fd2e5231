// Turns the engine's Plan into device work: kernel launches for the element-wise and layout steps, and
// descriptions of the cuDNN convolutions and cuBLAS products, with no device needed (the host tests run it).
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.kernels.PlanLaunch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lowering of a {@link Plan} for the CUDA executor. Every step becomes one {@link Lowered}: launches
 * of {@code plan_ops.cu} (activations, broadcast arithmetic, Concat, Transpose, Slice, Pad, Softmax,
 * pooling, reductions, BatchNormalization left unfolded), a {@link Lowered.Convolution} (cuDNN, with a
 * pre-pad launch into the scratch buffer when the pads are asymmetric), a {@link Lowered.MatrixProduct}
 * (cuBLAS: Gemm and MatMul), or nothing (a view). A step the CUDA plan cannot run raises
 * {@link UnsupportedOperatorException} naming the operator and the node (and pointing to {@code --backend cpu}).
 * The arithmetic of each launch mirrors the reference executor's, which the host tests check.
 */
public final class PlanLowering {

    private PlanLowering() {
    }

    /**
     * The lowered plan: one entry per step (conversion launches are entries of their own, before the step
     * that needs them), weights the lowering made (BatchNormalization's folded scale and shift), weights held
     * as fp16, the values stored as fp16 NHWC ({@link HalfRegions}; empty unless FP16 storage was asked for),
     * the scratch bytes the pre-pads need, the arena bytes (the plan's own plus one buffer per conversion), and
     * the number of conversions between the two storages.
     */
    public record Lowering(List<Lowered> steps, Map<String, TensorValue> extraWeights, Map<String, HalfWeight> halfWeights,
                           Set<String> halfValues, long scratchBytes, long arenaBytes, int conversions) {
        public Lowering {
            steps = List.copyOf(steps);
            halfWeights = Map.copyOf(halfWeights);
            halfValues = Set.copyOf(halfValues);
        }

        /** True when activation {@code value} is stored as fp16 NHWC. */
        public boolean isHalf(String value) {
            return halfValues.contains(value);
        }
    }

    /** Lowers every step with fp32 storage throughout. */
    public static Lowering lower(Plan plan) {
        return lower(plan, false);
    }

    /**
     * Lowers every step; the first the CUDA plan cannot run raises {@link UnsupportedOperatorException}. With
     * {@code halfStorage} the values {@link HalfRegions#assign} picks are stored as fp16 NHWC: the steps that
     * produce them run their fp16 kernels (cuDNN in HALF with NHWC descriptors for convolutions), spatial
     * reductions read them directly, and every other read across the two storages goes through a converted
     * copy made once, just before its first reader.
     */
    public static Lowering lower(Plan plan, boolean halfStorage) {
        return lower(plan, halfStorage, Set.of());
    }

    /** {@link #lower(Plan, boolean)} with the steps of index {@code fp32Steps} kept in fp32 storage. */
    public static Lowering lower(Plan plan, boolean halfStorage, Set<Integer> fp32Steps) {
        Map<String, TensorValue> extra = new LinkedHashMap<>();
        Map<String, HalfWeight> halfWeights = new LinkedHashMap<>();
        Set<String> half = halfStorage ? HalfRegions.assign(plan, fp32Steps) : Set.of();
        long[] scratch = {0};
        List<Lowered> out = new ArrayList<>();
        long opset = plan.graph().opset();
        Map<String, BufferSlot> converted = new HashMap<>();
        long[] arenaEnd = {plan.arenaBytes()};
        for (PlanStep step : plan.steps()) {
            if (half.isEmpty() || step.isView()) {
                out.add(Fp32Lowering.lower(step, opset, extra, scratch));
                continue;
            }
            boolean runsHalf = HalfRegions.capable(step, opset)
                    && half.contains(((Operand.Activation) step.outputs().get(0)).slot().value());
            boolean readsHalf = !runsHalf && HalfRegions.spatialReducer(step, opset)
                    && half.contains(((Operand.Activation) step.inputs().get(0)).slot().value());
            List<PlanLaunch> conversions = new ArrayList<>();
            List<Operand> inputs = new ArrayList<>();
            for (int i = 0; i < step.inputs().size(); i++) {
                Operand op = step.inputs().get(i);
                if (op instanceof Operand.Activation(BufferSlot s) && s.type() == DataType.FLOAT) {
                    boolean want = runsHalf || (readsHalf && i == 0);
                    if (want != half.contains(s.value())) {
                        op = new Operand.Activation(HalfLowering.convertedCopy(s, want, step, converted, arenaEnd, conversions));
                    }
                }
                inputs.add(op);
            }
            PlanStep s2 = new PlanStep(step.index(), step.node(), inputs, step.outputs(), step.conv());
            if (!conversions.isEmpty()) {
                out.add(new Lowered.Launches(step, conversions));
            }
            if (runsHalf) {
                out.add(HalfLowering.lowerHalf(s2, opset, halfWeights, scratch));
            } else if (readsHalf) {
                out.add(new Lowered.Launches(step, List.of(HalfLowering.halfReader(s2))));
            } else {
                out.add(Fp32Lowering.lower(s2, opset, extra, scratch));
            }
        }
        return new Lowering(out, extra, halfWeights, half, scratch[0], LoweringOperands.align(arenaEnd[0]), converted.size());
    }
}
