// The cuDNN enumerations the safe layer speaks in.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

/** cuDNN's enumerations as Java enums, each with its C value. */
public final class Cudnn {

    private Cudnn() { }

    public enum DataType {
        FLOAT(cudnn_h.CUDNN_DATA_FLOAT), DOUBLE(cudnn_h.CUDNN_DATA_DOUBLE), HALF(cudnn_h.CUDNN_DATA_HALF),
        BFLOAT16(cudnn_h.CUDNN_DATA_BFLOAT16);

        final int value;

        DataType(int value) {
            this.value = value;
        }
    }

    /** The activations the fused convolution call accepts. */
    public enum Activation {
        RELU(cudnn_h.CUDNN_ACTIVATION_RELU), IDENTITY(cudnn_h.CUDNN_ACTIVATION_IDENTITY);

        final int value;

        Activation(int value) {
            this.value = value;
        }
    }

    /**
     * Tensor-core use. For FP32 data, DEFAULT permits TF32 tensor cores on Ampere and later (cuDNN's
     * documented behaviour); FMA keeps the arithmetic in FP32; TENSOR_OP_ALLOW_CONVERSION may down-convert to FP16.
     */
    public enum MathType {
        DEFAULT(cudnn_h.CUDNN_DEFAULT_MATH), TENSOR_OP(cudnn_h.CUDNN_TENSOR_OP_MATH),
        TENSOR_OP_ALLOW_CONVERSION(cudnn_h.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION), FMA(cudnn_h.CUDNN_FMA_MATH);

        final int value;

        MathType(int value) {
            this.value = value;
        }

        /** The math type of a {@code cudnnMathType_t} value (as an algorithm search reports it). */
        public static MathType of(int value) {
            for (MathType m : values()) {
                if (m.value == value) {
                    return m;
                }
            }
            throw new IllegalArgumentException("no cudnnMathType_t " + value);
        }
    }

    /** One entry of cuDNN's forward-algorithm ranking ({@code cudnnConvolutionFwdAlgoPerf_t}). */
    public record ConvolutionAlgorithm(int algorithm, int status, float timeMillis, long workspaceBytes,
                                       boolean deterministic, int mathType) { }

    /** cuDNN's version as major.minor.patch (cuDNN 9 encodes it as major*10000 + minor*100 + patch). */
    public static String version() {
        long v = cudnn_h.cudnnGetVersion();
        return v >= 90000 ? (v / 10000) + "." + (v % 10000 / 100) + "." + (v % 100)
                : (v / 1000) + "." + (v % 1000 / 100) + "." + (v % 100);
    }

    static int[] packedStrides(int[] dims) {
        int[] strides = new int[dims.length];
        long stride = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = Math.toIntExact(stride);
            stride *= dims[i];
        }
        return strides;
    }
}
