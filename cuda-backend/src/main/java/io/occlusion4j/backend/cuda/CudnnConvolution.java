// The cuDNN descriptors of one lowered convolution, exactly as the GPU device hands them to cuDNN.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.Cudnn;
import io.occlusion4j.cuda.CudnnActivationDescriptor;
import io.occlusion4j.cuda.CudnnConvolutionDescriptor;
import io.occlusion4j.cuda.CudnnFilterDescriptor;
import io.occlusion4j.cuda.CudnnTensorDescriptor;
import io.occlusion4j.graph.ConvDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * x, filter, convolution, y, bias and activation descriptors of a {@link Lowered.Convolution}: FP32 NCHW (a 1-D
 * convolution as {@code [N, C, L, 1]}, cuDNN wanting two spatial axes), or, for a convolution the lowering stores
 * as fp16, HALF tensors with channels-last strides, the filter in {@code CUDNN_TENSOR_NHWC} order and fp32
 * accumulation. Creating them needs no GPU, so the tests build every convolution of the test and demo models'
 * plans with the real cuDNN and hold {@code cudnnGetConvolutionNdForwardOutputDim} to the plan's shapes.
 */
final class CudnnConvolution implements AutoCloseable {
    final CudnnTensorDescriptor x;
    final CudnnFilterDescriptor w;
    final CudnnConvolutionDescriptor conv;
    final CudnnTensorDescriptor y;
    final CudnnTensorDescriptor bias;
    final CudnnActivationDescriptor activation;

    private CudnnConvolution(CudnnTensorDescriptor x, CudnnFilterDescriptor w, CudnnConvolutionDescriptor conv,
                             CudnnTensorDescriptor y, CudnnTensorDescriptor bias, CudnnActivationDescriptor activation) {
        this.x = x;
        this.w = w;
        this.conv = conv;
        this.y = y;
        this.bias = bias;
        this.activation = activation;
    }

    /** The descriptors of {@code c} in {@code precision}; whatever was made is closed when one is refused. */
    static CudnnConvolution describe(Lowered.Convolution c, Precision precision) {
        List<AutoCloseable> made = new ArrayList<>();
        try {
            return c.half() ? half(c, made) : single(c, precision, made);
        } catch (RuntimeException e) {
            for (AutoCloseable a : made) {
                try {
                    a.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T keep(List<AutoCloseable> made, T t) {
        made.add(t);
        return t;
    }

    private static CudnnConvolution single(Lowered.Convolution c, Precision precision, List<AutoCloseable> made) {
        ConvDescriptor d = c.conv();
        int extra = d.spatialRank() == 1 ? 1 : 0;
        CudnnTensorDescriptor x = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(c.inputShape(), extra, 1)));
        long[] w = new long[2 + d.spatialRank()];
        w[0] = d.outChannels();
        w[1] = d.inChannels() / d.groups();
        System.arraycopy(d.kernel(), 0, w, 2, d.spatialRank());
        CudnnFilterDescriptor filter = keep(made, CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, ints(w, extra, 1)));
        CudnnConvolutionDescriptor conv = keep(made, CudnnConvolutionDescriptor.of(ints(c.padsBegin(), extra, 0),
                ints(d.strides(), extra, 1), ints(d.dilations(), extra, 1), Cudnn.DataType.FLOAT));
        conv.setGroupCount(Math.toIntExact(d.groups()));
        conv.setMathType(switch (precision) {
            case FP32 -> Cudnn.MathType.FMA;
            case TF32 -> Cudnn.MathType.DEFAULT;
            case FP16 -> Cudnn.MathType.TENSOR_OP_ALLOW_CONVERSION;
        });
        CudnnTensorDescriptor y = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(c.outputShape(), extra, 1)));
        long[] b = new long[c.outputShape().length];
        java.util.Arrays.fill(b, 1);
        b[1] = d.outChannels();
        CudnnTensorDescriptor bias = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(b, extra, 1)));
        return new CudnnConvolution(x, filter, conv, y, bias, keep(made, activation(d)));
    }

    private static CudnnConvolution half(Lowered.Convolution c, List<AutoCloseable> made) {
        ConvDescriptor d = c.conv();
        CudnnTensorDescriptor x = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.HALF, ints(c.inputShape(), 0, 1),
                ints(LoweringOperands.channelsLastStrides(c.inputShape()), 0, 1)));
        int[] w = {Math.toIntExact(d.outChannels()), Math.toIntExact(d.inChannels() / d.groups()),
                Math.toIntExact(d.kernel()[0]), Math.toIntExact(d.kernel()[1])};
        CudnnFilterDescriptor filter = keep(made, CudnnFilterDescriptor.of(Cudnn.DataType.HALF, true, w));
        CudnnConvolutionDescriptor conv = keep(made, CudnnConvolutionDescriptor.of(ints(c.padsBegin(), 0, 0),
                ints(d.strides(), 0, 1), ints(d.dilations(), 0, 1), Cudnn.DataType.FLOAT));
        conv.setGroupCount(Math.toIntExact(d.groups()));
        conv.setMathType(Cudnn.MathType.TENSOR_OP);
        CudnnTensorDescriptor y = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.HALF, ints(c.outputShape(), 0, 1),
                ints(LoweringOperands.channelsLastStrides(c.outputShape()), 0, 1)));
        CudnnTensorDescriptor bias = keep(made, CudnnTensorDescriptor.of(Cudnn.DataType.HALF, 1,
                Math.toIntExact(d.outChannels()), 1, 1));
        return new CudnnConvolution(x, filter, conv, y, bias, keep(made, activation(d)));
    }

    private static CudnnActivationDescriptor activation(ConvDescriptor d) {
        return CudnnActivationDescriptor.of(d.relu() ? Cudnn.Activation.RELU : Cudnn.Activation.IDENTITY, 0.0);
    }

    /** The output dims cuDNN computes for x and the filter (the plan's output shape, padded to 2 spatial axes). */
    int[] outputDims() {
        return conv.outputDims(x, w);
    }

    /** {@code v} as ints, with {@code extra} trailing entries of {@code fill}. */
    static int[] ints(long[] v, int extra, int fill) {
        int[] r = new int[v.length + extra];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.toIntExact(v[i]);
        }
        for (int i = v.length; i < r.length; i++) {
            r[i] = fill;
        }
        return r;
    }

    @Override
    public void close() {
        x.close();
        w.close();
        conv.close();
        y.close();
        bias.close();
        activation.close();
    }
}
