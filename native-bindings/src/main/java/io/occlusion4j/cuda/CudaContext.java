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
 */
public final class CudaContext extends NativeResource {

    private final CudaDevice device;
    private final MemorySegment handle;

    private CudaContext(CudaDevice device, MemorySegment handle) {
        super("CudaContext(device " + device.ordinal() + ")");
        this.device = device;
        this.handle = handle;
    }

    /** Retains the device's primary context. */
    public static CudaContext primary(CudaDevice device) {
        CudaDevice.initialise();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            CudaException.check(cuda_h.cuDevicePrimaryCtxRetain(out, device.handle()), "cuDevicePrimaryCtxRetain");
            CudaContext context = new CudaContext(device, out.get(cuda_h.C_POINTER, 0));
            context.makeCurrent();
            return context;
        }
    }

    /** The first device's primary context. */
    public static CudaContext primary() {
        return primary(CudaDevice.get(0));
    }

    public CudaDevice device() {
        return device;
    }

    /** The {@code CUcontext}. */
    MemorySegment handle() {
        return handle;
    }

    /** Makes this context current on the calling thread; every operation of this layer calls it. */
    public void makeCurrent() {
        if (isReleased()) {
            throw new IllegalStateException("CudaContext(device " + device.ordinal() + ") is released");
        }
        CudaException.check(cuda_h.cuCtxSetCurrent(handle), "cuCtxSetCurrent");
    }

    /** Raises if closed, then makes current: the entry to every factory method. */
    private void enter() {
        ensureOpen();
        makeCurrent();
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
        return DeviceBuffer.allocate(this, bytes);
    }

    public PinnedHostBuffer allocatePinned(long bytes) {
        enter();
        return PinnedHostBuffer.allocate(this, bytes);
    }

    /** A stream that does not synchronise with the legacy default stream. */
    public CudaStream createStream() {
        enter();
        return CudaStream.create(this);
    }

    public CudaEvent createEvent(boolean timing) {
        enter();
        return CudaEvent.create(this, timing);
    }

    /** Loads PTX (text) or a cubin/fatbin (binary); a JIT error comes back with the JIT's log. */
    public CudaModule loadModule(byte[] image) {
        enter();
        return CudaModule.load(this, image);
    }

    @Override
    void free() {
        CudaException.check(cuda_h.cuDevicePrimaryCtxRelease_v2(device.handle()), "cuDevicePrimaryCtxRelease_v2");
    }
}
