// An activation function for cuDNN's activation and fused convolution calls.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A {@code cudnnActivationDescriptor_t} for the fused convolution call; {@code coefficient} is cuDNN's {@code coef}. */
public final class CudnnActivationDescriptor extends NativeResource {

    private final MemorySegment handle;

    private CudnnActivationDescriptor(MemorySegment handle) {
        super("CudnnActivationDescriptor");
        this.handle = handle;
    }

    public static CudnnActivationDescriptor of(Cudnn.Activation mode, double coefficient) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreateActivationDescriptor(out), "cudnnCreateActivationDescriptor");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            int status = cudnn_h.cudnnSetActivationDescriptor(handle, mode.value, cudnn_h.CUDNN_NOT_PROPAGATE_NAN,
                    coefficient);
            if (status != 0) {
                cudnn_h.cudnnDestroyActivationDescriptor(handle);
                CudnnException.check(status, "cudnnSetActivationDescriptor");
            }
            return new CudnnActivationDescriptor(handle);
        }
    }

    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    @Override
    void free() {
        CudnnException.check(cudnn_h.cudnnDestroyActivationDescriptor(handle), "cudnnDestroyActivationDescriptor");
    }
}
