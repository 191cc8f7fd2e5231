// Page-locked host memory: the only host memory async copies accept.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory ({@code cuMemAllocHost_v2}). {@link #segment()} is bounded to the buffer and
 * becomes inaccessible once the memory is freed, so a stale access raises instead of reading freed memory.
 */
public final class PinnedHostBuffer extends NativeResource {

    private final ContextHandle context;
    private final MemorySegment raw;
    private final Arena scope;
    private final MemorySegment segment;

    private PinnedHostBuffer(ContextHandle context, MemorySegment raw, long byteSize) {
        super("PinnedHostBuffer(" + byteSize + " bytes)", context);
        this.context = context;
        this.raw = raw;
        this.scope = Arena.ofShared();
        this.segment = raw.reinterpret(byteSize, scope, null);
    }

    static PinnedHostBuffer allocate(ContextHandle context, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("pinned allocation of " + bytes + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            CudaException.check(cuda_h.cuMemAllocHost_v2(out, bytes), "cuMemAllocHost_v2", bytes + " bytes");
            return new PinnedHostBuffer(context, out.get(cuda_h.C_POINTER, 0), bytes);
        }
    }

    /** The memory, for reading and writing from Java. */
    public MemorySegment segment() {
        ensureOpen();
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    void free() {
        scope.close();
        context.makeCurrent();
        CudaException.check(cuda_h.cuMemFreeHost(raw), "cuMemFreeHost");
    }
}
