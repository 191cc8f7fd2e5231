package io.occlusion4j.cpu.incremental;

import java.util.List;

/**
 * Krypton's per-layer cost ratio turned into a choice of switch point: the work per variant of the incremental run
 * with the first {@code j} steps run on patches (each step's multiply-adds times the share of its map the patch
 * covers, plus the copying of read-in contexts, plus a fixed cost per small-model call) and everything after run whole
 * on stitched activations (its multiply-adds, plus copying the stitched activations), against the full network's
 * multiply-adds. The weights are in multiply-add units per element copied and per call; they were set from
 * measurements on the CPU back end (bench/results/incremental-2026-12-02.md).
 */
final class CostModel {
    /** Cost of copying one float of a read-in context, in multiply-adds. */
    static final double GATHER = 6;
    /** Cost of copying one float of a stitched activation, in multiply-adds. */
    static final double STITCH = 3;
    /** Fixed cost of one small-model call (ONNX Runtime's per-run overhead), in multiply-adds. */
    static final double CALL = 2e6;
    /** Patches run less efficiently than whole maps (smaller GEMMs): their multiply-adds count this much more. */
    static final double PATCH_PENALTY = 2.0;

    /** The chosen switch point and what it predicts. */
    record Choice(int steps, double predictedSpeedup, double flopRatio, double incrementalCost, double fullCost) {
    }

    private CostModel() {
    }

    /** The best number of prefix steps (at least 1) for batches of {@code batch} variants. */
    static Choice choose(ProjectiveField.Analysis a, int batch, List<List<String>> cuts) {
        Choice best = null;
        for (Choice c : evaluate(a, batch, cuts)) {
            if (best == null || c.incrementalCost() < best.incrementalCost()) {
                best = c;
            }
        }
        return best;
    }

    /** The prediction for every switch point: element {@code j - 1} for {@code j} prefix steps. */
    static List<Choice> evaluate(ProjectiveField.Analysis a, int batch, List<List<String>> cuts) {
        List<Choice> all = new java.util.ArrayList<>();
        double prefixFlops = 0;
        double prefixPatch = 0;
        double prefixCopy = 0;
        for (int j = 1; j <= a.steps().size(); j++) {
            Step s = a.steps().get(j - 1);
            Field out = a.fields().get(s.output());
            prefixFlops += s.flops();
            prefixPatch += s.flops() * out.fraction();
            double ctx = 1;
            for (int d = 0; d < out.rank(); d++) {
                ctx *= s.context(d, out.size()[d]);
            }
            for (String in : s.inputs()) {
                prefixCopy += ctx * a.fields().get(in).channels();
            }
            for (String side : s.sideInputs()) {
                prefixCopy += out.patchVolume() * a.fields().get(side).channels();
            }
            prefixCopy += out.patchVolume() * out.channels(); // the step's output, copied out of ONNX Runtime
            double stitch = 0;
            for (String v : cuts.get(j - 1)) {
                Field f = a.fields().get(v);
                stitch += f.mapVolume() * f.channels();
            }
            double suffix = a.totalFlops() - prefixFlops;
            double inc = PATCH_PENALTY * prefixPatch + GATHER * prefixCopy + suffix + STITCH * stitch
                    + CALL * (j + 1) / Math.max(1, batch);
            double ratio = (prefixPatch + suffix) / a.totalFlops();
            all.add(new Choice(j, a.totalFlops() / inc, ratio, inc, a.totalFlops()));
        }
        return all;
    }
}
