// An N-d convolution: padding, stride, dilation, groups, math type.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cudnnConvolutionDescriptor_t} for cross-correlation (what deep-learning frameworks call convolution). */
public final class CudnnConvolutionDescriptor extends NativeResource {

    private final MemorySegment handle;
    private final int spatialDims;

    private CudnnConvolutionDescriptor(MemorySegment handle, int spatialDims) {
        super("CudnnConvolutionDescriptor");
        this.handle = handle;
        this.spatialDims = spatialDims;
    }

    /** One entry per spatial dimension in each array; accumulation in {@code computeType}. */
    public static CudnnConvolutionDescriptor of(int[] padding, int[] strides, int[] dilations,
                                                Cudnn.DataType computeType) {
        if (padding.length != strides.length || padding.length != dilations.length) {
            throw new IllegalArgumentException("padding, strides and dilations need one entry per spatial dim");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreateConvolutionDescriptor(out), "cudnnCreateConvolutionDescriptor");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            int status = cudnn_h.cudnnSetConvolutionNdDescriptor(handle, padding.length,
                    arena.allocateFrom(ValueLayout.JAVA_INT, padding), arena.allocateFrom(ValueLayout.JAVA_INT, strides),
                    arena.allocateFrom(ValueLayout.JAVA_INT, dilations), cudnn_h.CUDNN_CROSS_CORRELATION,
                    computeType.value);
            if (status != 0) {
                cudnn_h.cudnnDestroyConvolutionDescriptor(handle);
                CudnnException.check(status, "cudnnSetConvolutionNdDescriptor");
            }
            return new CudnnConvolutionDescriptor(handle, padding.length);
        }
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    public void setMathType(Cudnn.MathType mathType) {
        CudnnException.check(cudnn_h.cudnnSetConvolutionMathType(handle(), mathType.value), "cudnnSetConvolutionMathType");
    }

    public void setGroupCount(int groups) {
        CudnnException.check(cudnn_h.cudnnSetConvolutionGroupCount(handle(), groups), "cudnnSetConvolutionGroupCount");
    }

    /** The output dims {N, K, spatial...} this convolution produces for {@code input} and {@code filter}. */
    public int[] outputDims(CudnnTensorDescriptor input, CudnnFilterDescriptor filter) {
        int nbDims = spatialDims + 2;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, nbDims);
            CudnnException.check(cudnn_h.cudnnGetConvolutionNdForwardOutputDim(handle(), input.handle(),
                    filter.handle(), nbDims, out), "cudnnGetConvolutionNdForwardOutputDim");
            return out.toArray(ValueLayout.JAVA_INT);
        }
    }

    @Override
    void free() {
        CudnnException.check(cudnn_h.cudnnDestroyConvolutionDescriptor(handle), "cudnnDestroyConvolutionDescriptor");
    }
}
