// The device's primary context, made current on entry to every operation.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The primary context of one device (the one the CUDA runtime, PyTorch and cuDNN share).
 *
 * <p>Threading: <b>make-current on entry</b>. A CUDA context is current per OS thread, so every
 * operation of this layer first calls {@code cuCtxSetCurrent} with this context (cheap: a
 * thread-local store in the driver). Any thread may therefore use the objects of this layer, and no
 * thread is pinned to a context. Objects are not otherwise synchronised: one thread at a time per
 * stream. Retaining the primary context twice (two {@code CudaContext}s for one device) is allowed;
 * the driver counts references.
 *
 * <p>Ownership: this is the factory of streams, events, modules and buffers (and the context cuBLAS and cuDNN
 * handles are created in). Each of them holds the context's {@link ContextHandle}, which is the reference-counted
 * resource: closing this object drops the owner's reference, and the primary context is released once nothing made
 * from it is left.
 */
public final class CudaContext implements AutoCloseable {

    private final ContextHandle handle;

    private CudaContext(ContextHandle handle) {
        this.handle = handle;
    }

    /** Retains the device's primary context. */
    public static CudaContext primary(CudaDevice device) {
        CudaDevice.initialise();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            CudaException.check(cuda_h.cuDevicePrimaryCtxRetain(out, device.handle()), "cuDevicePrimaryCtxRetain");
            CudaContext context = new CudaContext(new ContextHandle(device, out.get(cuda_h.C_POINTER, 0)));
            context.makeCurrent();
            return context;
        }
    }

    /** The first device's primary context. */
    public static CudaContext primary() {
        return primary(CudaDevice.get(0));
    }

    public CudaDevice device() {
        return handle.device();
    }

    /**
     * The retained {@code CUcontext} with its make-current call: what the objects this context makes hold (their
     * parent), so that none of them depends on this class.
     */
    ContextHandle handle() {
        return handle;
    }

    /** Makes this context current on the calling thread; every operation of this layer calls it. */
    public void makeCurrent() {
        handle.makeCurrent();
    }

    /** Raises if closed, then makes current: the entry to every method here. */
    private void enter() {
        handle.enter();
    }

    /** Waits for all work in this context; launch errors surface here. */
    public void synchronize() {
        enter();
        CudaException.check(cuda_h.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    public record MemoryInfo(long freeBytes, long totalBytes) { }

    public MemoryInfo memoryInfo() {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(cuda_h.C_LONG);
            MemorySegment total = arena.allocate(cuda_h.C_LONG);
            CudaException.check(cuda_h.cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2");
            return new MemoryInfo(free.get(cuda_h.C_LONG, 0), total.get(cuda_h.C_LONG, 0));
        }
    }

    public DeviceBuffer allocate(long bytes) {
        enter();
        return DeviceBuffer.allocate(handle, bytes);
    }

    public PinnedHostBuffer allocatePinned(long bytes) {
        enter();
        return PinnedHostBuffer.allocate(handle, bytes);
    }

    /** A stream that does not synchronise with the legacy default stream. */
    public CudaStream createStream() {
        enter();
        return CudaStream.create(handle);
    }

    public CudaEvent createEvent(boolean timing) {
        enter();
        return CudaEvent.create(handle, timing);
    }

    /** Loads PTX (text) or a cubin/fatbin (binary); a JIT error comes back with the JIT's log. */
    public CudaModule loadModule(byte[] image) {
        enter();
        return CudaModule.load(handle, image);
    }

    /**
     * Closes the owner's reference (closing twice is harmless). The primary context is released once every object
     * made from it is released too.
     */
    @Override
    public void close() {
        handle.close();
    }

    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Whether the primary context is released (closed and no object made from it still holds it). */
    public boolean isReleased() {
        return handle.isReleased();
    }

    @Override
    public String toString() {
        return handle.toString();
    }
}
