// How a CUDA plan runs: precision, algorithm search, graph capture, workspace, fp16 storage.
package io.occlusion4j.backend.cuda;

/**
 * How a {@link CudaPlan} runs.
 * @param precision      convolution and GEMM arithmetic
 * @param benchmark      rank convolution algorithms by running them (find) rather than by heuristics
 * @param captureGraph   replay the forward as a captured graph
 * @param workspaceLimit the most bytes one convolution's workspace may take
 * @param halfStorage    in FP16, store the tensor-core regions as fp16 NHWC ({@link HalfRegions}); ignored
 *                       in FP32 and TF32
 */
public record PlanOptions(Precision precision, boolean benchmark, boolean captureGraph, long workspaceLimit,
                      boolean halfStorage) {
    public static PlanOptions defaults(Precision precision) {
        return new PlanOptions(precision, true, true, 1L << 30, precision == Precision.FP16);
    }

    /** These options with fp16 storage off (FP16 then is a math mode over fp32 storage). */
    public PlanOptions withoutHalfStorage() {
        return new PlanOptions(precision, benchmark, captureGraph, workspaceLimit, false);
    }

    boolean storesHalf() {
        return halfStorage && precision == Precision.FP16;
    }
}
