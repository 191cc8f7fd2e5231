// An N-d pooling window.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cudnnPoolingDescriptor_t}; NaNs are not propagated through max pooling. */
public final class CudnnPoolingDescriptor extends NativeResource {

    private final MemorySegment handle;

    private CudnnPoolingDescriptor(MemorySegment handle) {
        super("CudnnPoolingDescriptor");
        this.handle = handle;
    }

    public static CudnnPoolingDescriptor of(Cudnn.Pooling mode, int[] window, int[] padding, int[] strides) {
        if (window.length != padding.length || window.length != strides.length) {
            throw new IllegalArgumentException("window, padding and strides need one entry per spatial dim");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreatePoolingDescriptor(out), "cudnnCreatePoolingDescriptor");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            int status = cudnn_h.cudnnSetPoolingNdDescriptor(handle, mode.value, cudnn_h.CUDNN_NOT_PROPAGATE_NAN,
                    window.length, arena.allocateFrom(ValueLayout.JAVA_INT, window),
                    arena.allocateFrom(ValueLayout.JAVA_INT, padding), arena.allocateFrom(ValueLayout.JAVA_INT, strides));
            if (status != 0) {
                cudnn_h.cudnnDestroyPoolingDescriptor(handle);
                CudnnException.check(status, "cudnnSetPoolingNdDescriptor");
            }
            return new CudnnPoolingDescriptor(handle);
        }
    }

    public MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    @Override
    void free() {
        CudnnException.check(cudnn_h.cudnnDestroyPoolingDescriptor(handle), "cudnnDestroyPoolingDescriptor");
    }
}
