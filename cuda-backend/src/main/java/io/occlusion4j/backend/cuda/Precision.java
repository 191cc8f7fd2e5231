// The arithmetic a CUDA plan runs in.
package io.occlusion4j.backend.cuda;

/**
 * What the plan computes in. The element-wise kernels always compute in fp32 (double where the reference
 * does); the modes differ in cuDNN's and cuBLAS's inner products and, for FP16, in storage:
 * <ul>
 *   <li>{@link #FP32}: fp32 storage; cuDNN {@code CUDNN_FMA_MATH} (no tensor cores), cuBLAS
 *       {@code CUBLAS_PEDANTIC_MATH}.</li>
 *   <li>{@link #TF32}: fp32 storage; cuDNN {@code CUDNN_DEFAULT_MATH} (TF32 tensor cores permitted on Ampere
 *       and later), cuBLAS {@code CUBLAS_TF32_TENSOR_OP_MATH}.</li>
 *   <li>{@link #FP16}: the convolution regions where tensor cores pay ({@link HalfRegions}) store their
 *       activations as fp16 in NHWC order, with fp16 filters in [K, R, S, C] order, cuDNN in HALF with fp32
 *       accumulation and {@code CUDNN_TENSOR_OP_MATH}; the variant writer writes such a region's input as
 *       fp16 NHWC directly. The rest of the plan keeps fp32 storage with cuDNN
 *       {@code CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION} and cuBLAS {@code cublasGemmEx} with
 *       {@code CUBLAS_COMPUTE_32F_FAST_16F}.</li>
 * </ul>
 */
public enum Precision {
    FP32, TF32, FP16;

    /** The tolerance the plan tests hold each mode to against the fp32 reference (see {@link #error}). */
    public double tolerance() {
        return switch (this) {
            case FP32 -> 1e-5;
            case TF32 -> 1e-3;
            case FP16 -> 1e-2;
        };
    }

    /**
     * The error of {@code got} against reference {@code want}, an element of an output whose largest
     * magnitude is {@code outputScale}: relative to {@code max(1, |want|)} for FP32 and TF32; for FP16
     * relative to {@code max(1, outputScale)}, because fp16 storage rounds every activation to 11 significant
     * bits of its own magnitude, so an output's error scales with the activations that made it, not with the
     * element (a box offset of 0.6 next to offsets of 140 carries the error of the 140s).
     */
    public double error(double got, double want, double outputScale) {
        double d = Math.abs(got - want);
        return this == FP16 ? d / Math.max(1.0, outputScale) : d / Math.max(1.0, Math.abs(want));
    }

    /** The largest magnitude of {@code values} (the {@code outputScale} of {@link #error}). */
    public static double scale(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
