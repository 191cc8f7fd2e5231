package io.occlusion4j;

/**
 * What incremental inference did in one explanation.
 *
 * @param mode             the mode asked for ({@code auto}, {@code on}, {@code off})
 * @param used             whether the variants were computed incrementally
 * @param switchLayer      the activation after which the network ran whole ("" when not used)
 * @param prefixLayers     steps (a layer with its point-wise followers) run on patches
 * @param predictedSpeedup the cost model's prediction over the full sweep (1 when not used)
 * @param flopRatio        multiply-adds per variant, incremental over full (1 when not used)
 * @param measuredSpeedup  the full sweep's time per variant, measured on a probe batch of this run, over the
 *                         incremental one's; NaN when not measured
 * @param tau              the projective-field threshold (1: exact)
 * @param reason           why incremental inference was or was not used, in words
 */
public record IncrementalStats(String mode, boolean used, String switchLayer, int prefixLayers, double predictedSpeedup,
                               double flopRatio, double measuredSpeedup, double tau, String reason) {

    /** Not asked for or not applicable (the CUDA back end, explorations that combine runs). */
    public static final IncrementalStats NONE = new IncrementalStats("off", false, "", 0, 1, 1, Double.NaN, 1,
            "not used");
}
