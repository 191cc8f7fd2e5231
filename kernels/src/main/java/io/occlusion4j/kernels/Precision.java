// The arithmetic a CUDA plan runs in.
package io.occlusion4j.kernels;

/**
 * What the plan's convolutions and matrix products may round to. Activations and weights are stored in
 * fp32 in every mode, and the element-wise kernels always compute in fp32 (double where the reference
 * does); only cuDNN's and cuBLAS's inner products change:
 * <ul>
 *   <li>{@link #FP32}: cuDNN {@code CUDNN_FMA_MATH} (no tensor cores), cuBLAS {@code CUBLAS_PEDANTIC_MATH}.</li>
 *   <li>{@link #TF32}: cuDNN {@code CUDNN_DEFAULT_MATH} (TF32 tensor cores permitted on Ampere and later),
 *       cuBLAS {@code CUBLAS_TF32_TENSOR_OP_MATH}.</li>
 *   <li>{@link #FP16}: cuDNN {@code CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION} (inputs may be down-converted to
 *       fp16 for tensor cores, fp32 accumulation), cuBLAS {@code cublasGemmEx} with
 *       {@code CUBLAS_COMPUTE_32F_FAST_16F}. An fp16 variant batch (the writer's half output) is widened
 *       into the plan's fp32 input slot by {@code occ_plan_to_float}.</li>
 * </ul>
 */
public enum Precision {
    FP32, TF32, FP16;

    /** The relative tolerance the GPU tests hold each mode to against the fp32 reference. */
    public double tolerance() {
        return switch (this) {
            case FP32 -> 1e-5;
            case TF32 -> 1e-3;
            case FP16 -> 1e-2;
        };
    }
}
