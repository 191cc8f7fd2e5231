// What every handle of the safe layer needs of its context: the retained CUcontext and the make-current call.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.MemorySegment;

/**
 * One retain of a device's primary context: the {@code CUcontext}, the make-current call every operation of the
 * safe layer begins with, and the release once the last reference is dropped. {@link CudaContext} owns one and is
 * the factory of everything else; streams, events, modules, buffers, graphs and library handles hold this and not
 * the context itself (it is their {@link NativeResource} parent), so they never depend on the factory that made
 * them.
 */
final class ContextHandle extends NativeResource {

    private final CudaDevice device;
    /** The {@code CUcontext}. */
    private final MemorySegment context;

    /** Takes ownership of one retain of {@code device}'s primary context, {@code context}. */
    ContextHandle(CudaDevice device, MemorySegment context) {
        super("CudaContext(device " + device.ordinal() + ")");
        this.device = device;
        this.context = context;
    }

    CudaDevice device() {
        return device;
    }

    /** Makes the context current on the calling thread; raises once it is released. */
    void makeCurrent() {
        if (isReleased()) {
            throw new IllegalStateException("CudaContext(device " + device.ordinal() + ") is released");
        }
        CudaException.check(cuda_h.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Raises if the owner has closed the context, then makes it current: the entry to every factory. */
    void enter() {
        ensureOpen();
        makeCurrent();
    }

    @Override
    void free() {
        CudaException.check(cuda_h.cuDevicePrimaryCtxRelease_v2(device.handle()), "cuDevicePrimaryCtxRelease_v2");
    }
}
