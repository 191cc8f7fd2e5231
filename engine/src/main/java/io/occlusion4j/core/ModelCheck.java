package io.occlusion4j.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ModelChecker}'s report on one model: plain data, for a person (the CLI's text) or a machine (JSON).
 *
 * @param model       the model file as given
 * @param backend     the back end checked for
 * @param device      where the lowered plan ran, in words (the host device, or the GPU)
 * @param inputs      each input's name and the shape the check ran it with
 * @param census      the model's operators (with their domain when not the standard one) and how many nodes use each
 * @param nodes       the model's node count
 * @param rewrites    what the plan's rewrites did, operator by operator (folded, fused, added)
 * @param steps       plan steps after folding and fusion (0 when no plan could be built)
 * @param lowering    what the lowered steps run on the device (library calls, kernel launches, views)
 * @param unsupported every node the back end cannot run, with the reason
 * @param fp32        the lowered plan with fp32 storage run on the host against ONNX Runtime; null when not run
 * @param fp16        the lowered plan with fp16 storage run on the host, judged by the FP16 criterion; null when not run
 * @param notes       anything else the check found (a comparison it could not make and why)
 */
public record ModelCheck(String model, String backend, String device, Map<String, List<Long>> inputs, Map<String, Integer> census,
                         int nodes, List<Rewrite> rewrites, int steps, Map<String, Integer> lowering,
                         List<Unsupported> unsupported, Fp32Comparison fp32, Fp16Comparison fp16, List<String> notes) {

    public ModelCheck {
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        census = Collections.unmodifiableMap(new LinkedHashMap<>(census));
        rewrites = List.copyOf(rewrites);
        lowering = Collections.unmodifiableMap(new LinkedHashMap<>(lowering));
        unsupported = List.copyOf(unsupported);
        notes = List.copyOf(notes);
    }

    /** Whether every node runs on the back end. */
    public boolean supported() {
        return unsupported.isEmpty();
    }

    /** Supported, and both host runs made and within their tolerances. */
    public boolean passed() {
        return supported() && fp32 != null && fp32.passed() && fp16 != null && fp16.passed();
    }

    /**
     * One operator's change under the rewrites (constant folding, BatchNormalization folding, fusion): {@code before}
     * nodes as read, {@code after} plan steps.
     */
    public record Rewrite(String operator, int before, int after) {
    }

    /** A node the back end cannot run and why. */
    public record Unsupported(String node, String operator, String reason) {
    }

    /**
     * The fp32 host run against ONNX Runtime: passes when {@code maxDifference <= tolerance * outputRange}.
     *
     * @param output        the output with the largest difference relative to its range
     * @param maxDifference its largest absolute difference
     * @param outputRange   ONNX Runtime's max minus min over that output
     * @param tolerance     the allowed difference as a fraction of the range
     * @param hostMillis    the host run's wall time
     * @param storage       the plan's storage, in words
     */
    public record Fp32Comparison(String output, double maxDifference, double outputRange, double tolerance,
                                 double hostMillis, String storage) {
        /** The difference as a fraction of the output range. */
        public double relative() {
            return maxDifference / outputRange;
        }

        public boolean passed() {
            return maxDifference <= tolerance * outputRange;
        }
    }

    /**
     * The fp16-storage host run: its largest absolute difference to ONNX Runtime against the difference of the same
     * network run in simulated fp16 (every value rounded to fp16 after each step); passes within {@code factor} times
     * that, with each sample's top-1 element unchanged.
     *
     * @param output          the output with the largest plan error relative to its bound
     * @param maxDifference   the plan's largest absolute difference to ONNX Runtime
     * @param simulatedDifference the simulated fp16 run's largest absolute difference to ONNX Runtime
     * @param bound           what {@code maxDifference} may reach
     * @param factor          the factor over the simulated difference
     * @param top1Changed     samples whose top-1 element changed (beyond a near tie)
     * @param samples         samples compared
     * @param outputRange     ONNX Runtime's max minus min over that output
     * @param scaledError     {@code maxDifference / max(1, max |output|)}: what the earlier fixed FP16 tolerance (1e-2)
     *                        judged, for comparison (deep networks exceed it by rounding alone)
     * @param hostMillis      the host run's wall time
     * @param storage         the plan's storage, in words
     */
    public record Fp16Comparison(String output, double maxDifference, double simulatedDifference, double bound,
                                 double factor, int top1Changed, int samples, double outputRange, double scaledError,
                                 double hostMillis, String storage) {
        public boolean passed() {
            return maxDifference <= bound && top1Changed == 0;
        }
    }
}
