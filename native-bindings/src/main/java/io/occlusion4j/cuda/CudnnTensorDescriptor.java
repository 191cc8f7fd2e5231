// An N-d tensor's shape and data type, as cuDNN describes it.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cudnnTensorDescriptor_t} (N-d, at least 4 dimensions as cuDNN requires). */
public final class CudnnTensorDescriptor extends NativeResource {

    private final MemorySegment handle;
    private final Cudnn.DataType dataType;
    private final int[] dims;

    private CudnnTensorDescriptor(MemorySegment handle, Cudnn.DataType dataType, int[] dims) {
        super("CudnnTensorDescriptor");
        this.handle = handle;
        this.dataType = dataType;
        this.dims = dims;
    }

    /** A fully packed tensor (row-major strides), e.g. dims {N, C, H, W}. */
    public static CudnnTensorDescriptor of(Cudnn.DataType dataType, int... dims) {
        return of(dataType, dims, Cudnn.packedStrides(dims));
    }

    public static CudnnTensorDescriptor of(Cudnn.DataType dataType, int[] dims, int[] strides) {
        if (dims.length < 3 || dims.length != strides.length) {
            throw new IllegalArgumentException("cuDNN tensors need 3..8 dims with one stride each");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreateTensorDescriptor(out), "cudnnCreateTensorDescriptor");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            int status = cudnn_h.cudnnSetTensorNdDescriptor(handle, dataType.value, dims.length,
                    arena.allocateFrom(ValueLayout.JAVA_INT, dims), arena.allocateFrom(ValueLayout.JAVA_INT, strides));
            if (status != 0) {
                cudnn_h.cudnnDestroyTensorDescriptor(handle);
                CudnnException.check(status, "cudnnSetTensorNdDescriptor");
            }
            return new CudnnTensorDescriptor(handle, dataType, dims.clone());
        }
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    public int[] dims() {
        return dims.clone();
    }

    public Cudnn.DataType dataType() {
        return dataType;
    }

    /** Bytes of the packed tensor. */
    public long byteSize() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        int element = switch (dataType) {
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case HALF, BFLOAT16 -> 2;
        };
        return n * element;
    }

    @Override
    void free() {
        CudnnException.check(cudnn_h.cudnnDestroyTensorDescriptor(handle), "cudnnDestroyTensorDescriptor");
    }
}
