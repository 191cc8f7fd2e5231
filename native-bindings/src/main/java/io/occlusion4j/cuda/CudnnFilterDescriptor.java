// A convolution filter's shape and data type.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cudnnFilterDescriptor_t}: dims {K, C/groups, spatial...} in NCHW order. */
public final class CudnnFilterDescriptor extends NativeResource {

    private final MemorySegment handle;

    private CudnnFilterDescriptor(MemorySegment handle) {
        super("CudnnFilterDescriptor");
        this.handle = handle;
    }

    public static CudnnFilterDescriptor of(Cudnn.DataType dataType, int... dims) {
        return of(dataType, false, dims);
    }

    /**
     * A filter with dims {K, C/groups, spatial...} (always given in that order) stored channels-last
     * ({@code CUDNN_TENSOR_NHWC}: K, spatial..., C) when {@code channelsLast}, else K, C, spatial....
     */
    public static CudnnFilterDescriptor of(Cudnn.DataType dataType, boolean channelsLast, int... dims) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreateFilterDescriptor(out), "cudnnCreateFilterDescriptor");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            int status = cudnn_h.cudnnSetFilterNdDescriptor(handle, dataType.value,
                    channelsLast ? cudnn_h.CUDNN_TENSOR_NHWC : cudnn_h.CUDNN_TENSOR_NCHW,
                    dims.length, arena.allocateFrom(ValueLayout.JAVA_INT, dims));
            if (status != 0) {
                cudnn_h.cudnnDestroyFilterDescriptor(handle);
                CudnnException.check(status, "cudnnSetFilterNdDescriptor");
            }
            return new CudnnFilterDescriptor(handle);
        }
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    @Override
    void free() {
        CudnnException.check(cudnn_h.cudnnDestroyFilterDescriptor(handle), "cudnnDestroyFilterDescriptor");
    }
}
