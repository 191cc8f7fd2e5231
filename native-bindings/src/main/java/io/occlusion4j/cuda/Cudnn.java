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

    public enum Activation {
        SIGMOID(cudnn_h.CUDNN_ACTIVATION_SIGMOID), RELU(cudnn_h.CUDNN_ACTIVATION_RELU),
        TANH(cudnn_h.CUDNN_ACTIVATION_TANH), CLIPPED_RELU(cudnn_h.CUDNN_ACTIVATION_CLIPPED_RELU),
        ELU(cudnn_h.CUDNN_ACTIVATION_ELU), IDENTITY(cudnn_h.CUDNN_ACTIVATION_IDENTITY);

        final int value;

        Activation(int value) {
            this.value = value;
        }
    }

    public enum Pooling {
        MAX(cudnn_h.CUDNN_POOLING_MAX), AVERAGE_INCLUDE_PADDING(cudnn_h.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING),
        AVERAGE_EXCLUDE_PADDING(cudnn_h.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING),
        MAX_DETERMINISTIC(cudnn_h.CUDNN_POOLING_MAX_DETERMINISTIC);

        final int value;

        Pooling(int value) {
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
    }

    public enum SoftmaxAlgorithm {
        FAST(cudnn_h.CUDNN_SOFTMAX_FAST), ACCURATE(cudnn_h.CUDNN_SOFTMAX_ACCURATE), LOG(cudnn_h.CUDNN_SOFTMAX_LOG);

        final int value;

        SoftmaxAlgorithm(int value) {
            this.value = value;
        }
    }

    public enum SoftmaxMode {
        INSTANCE(cudnn_h.CUDNN_SOFTMAX_MODE_INSTANCE), CHANNEL(cudnn_h.CUDNN_SOFTMAX_MODE_CHANNEL);

        final int value;

        SoftmaxMode(int value) {
            this.value = value;
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
