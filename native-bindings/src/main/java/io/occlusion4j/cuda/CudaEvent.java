// A point in a stream's work, for ordering and for timing.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A CUDA event. Timing events measure GPU time between two records ({@link #elapsedMillisSince}). */
public final class CudaEvent extends NativeResource {

    private final ContextHandle context;
    private final MemorySegment handle;
    private final boolean timing;

    private CudaEvent(ContextHandle context, MemorySegment handle, boolean timing) {
        super("CudaEvent", context);
        this.context = context;
        this.handle = handle;
        this.timing = timing;
    }

    static CudaEvent create(ContextHandle context, boolean timing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            int flags = timing ? cuda_h.CU_EVENT_DEFAULT : cuda_h.CU_EVENT_DISABLE_TIMING;
            CudaException.check(cuda_h.cuEventCreate(out, flags), "cuEventCreate");
            return new CudaEvent(context, out.get(cuda_h.C_POINTER, 0), timing);
        }
    }

    /** The {@code CUevent}. */
    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    public void record(CudaStream stream) {
        enter();
        CudaException.check(cuda_h.cuEventRecord(handle, stream.handle()), "cuEventRecord");
    }

    public void synchronize() {
        enter();
        CudaException.check(cuda_h.cuEventSynchronize(handle), "cuEventSynchronize");
    }

    public boolean isComplete() {
        enter();
        int status = cuda_h.cuEventQuery(handle);
        if (status == cuda_h.CUDA_ERROR_NOT_READY) {
            return false;
        }
        CudaException.check(status, "cuEventQuery");
        return true;
    }

    /** Milliseconds of GPU time from {@code start}'s record to this event's record (both completed). */
    public float elapsedMillisSince(CudaEvent start) {
        enter();
        if (!timing || !start.timing) {
            throw new IllegalStateException("both events must be created with timing enabled");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_FLOAT);
            String call = elapsedTimeSymbol(cuda_h.library());
            int status = call.equals("cuEventElapsedTime_v2") ? cuda_h.cuEventElapsedTime_v2(out, start.handle(), handle)
                    : cuda_h.cuEventElapsedTime(out, start.handle(), handle);
            CudaException.check(status, call);
            return out.get(cuda_h.C_FLOAT, 0);
        }
    }

    /**
     * The entry point that times events on this driver: {@code cuEventElapsedTime_v2} where the driver exports it
     * (the 12.8 generation on), else the unversioned {@code cuEventElapsedTime} of older drivers.
     */
    static String elapsedTimeSymbol(LoadedLibrary driver) {
        return driver.hasSymbol("cuEventElapsedTime_v2") ? "cuEventElapsedTime_v2" : "cuEventElapsedTime";
    }

    @Override
    void free() {
        context.makeCurrent();
        CudaException.check(cuda_h.cuEventDestroy_v2(handle), "cuEventDestroy_v2");
    }
}
