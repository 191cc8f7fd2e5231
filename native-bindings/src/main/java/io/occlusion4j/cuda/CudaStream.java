// A stream of device work, which also keeps alive the memory its pending work uses.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A non-blocking CUDA stream. Memory handed to an async operation is retained until the stream has
 * passed that operation: an event is recorded after it, and the memory is released once the event
 * has completed (checked on the next async operation, on {@link #synchronize()} and on close). While
 * capturing a graph ({@link CudaGraph#capture}) the memory is handed to the graph instead, which keeps it for as
 * long as the graph can be replayed. Everything that enqueues work takes a stream; a stream knows none of them.
 */
public final class CudaStream extends NativeResource {

    private record Pending(MemorySegment event, List<NativeResource> held) { }

    private final ContextHandle context;
    private final MemorySegment handle;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private List<NativeResource> capturedResources;

    private CudaStream(ContextHandle context, MemorySegment handle) {
        super("CudaStream", context);
        this.context = context;
        this.handle = handle;
    }

    static CudaStream create(ContextHandle context) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            CudaException.check(cuda_h.cuStreamCreate(out, cuda_h.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            return new CudaStream(context, out.get(cuda_h.C_POINTER, 0));
        }
    }

    /** The {@code CUstream}. */
    MemorySegment handle() {
        ensureOpen();
        return handle;
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    /** Waits for all work on this stream; errors of earlier launches surface here. */
    public void synchronize() {
        enter();
        CudaException.check(cuda_h.cuStreamSynchronize(handle), "cuStreamSynchronize");
        reclaim();
    }

    public boolean isCapturing() {
        return capturedResources != null;
    }

    /** The context this stream's work runs in (what a graph captured from it is instantiated in). */
    ContextHandle context() {
        return context;
    }

    /** The work captured between {@link #beginCapture()} and {@link #endCapture()}, and what it used. */
    record Captured(MemorySegment graph, List<NativeResource> held) {
        /**
         * Destroys the graph and drops the references, for a capture that will not be instantiated (on a failure
         * path: the status of the destroy is not checked, the failure that led here is the one to report).
         */
        void discard() {
            cuda_h.cuGraphDestroy(graph);
            held.forEach(NativeResource::release);
        }
    }

    /**
     * Starts capturing the work enqueued on this stream into a graph (thread-local mode: other
     * threads may keep using CUDA meanwhile). {@link CudaGraph#capture} is the public entry.
     */
    void beginCapture() {
        enter();
        if (isCapturing()) {
            throw new IllegalStateException("this stream is already capturing");
        }
        CudaException.check(cuda_h.cuStreamBeginCapture_v2(handle, cuda_h.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture_v2");
        capturedResources = new ArrayList<>();
    }

    /**
     * Ends the capture: the captured {@code CUgraph}, and one reference to each resource the captured work uses,
     * both owned by the caller.
     */
    Captured endCapture() {
        enter();
        if (!isCapturing()) {
            throw new IllegalStateException("this stream is not capturing");
        }
        List<NativeResource> held = capturedResources;
        capturedResources = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            int status = cuda_h.cuStreamEndCapture(handle, out);
            if (status != cuda_h.CUDA_SUCCESS) {
                held.forEach(NativeResource::release);
                CudaException.check(status, "cuStreamEndCapture");
            }
            return new Captured(out.get(cuda_h.C_POINTER, 0), held);
        }
    }

    /**
     * Keeps {@code resources} alive until the stream passes the work just enqueued (or, while
     * capturing, for the life of the graph).
     */
    void keepAlive(NativeResource... resources) {
        List<NativeResource> held = new ArrayList<>(resources.length);
        try {
            for (NativeResource r : resources) {
                r.retain();
                held.add(r);
            }
            if (isCapturing()) {
                capturedResources.addAll(held);
                return;
            }
            reclaim();
            MemorySegment event;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(cuda_h.C_POINTER);
                CudaException.check(cuda_h.cuEventCreate(out, cuda_h.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
                event = out.get(cuda_h.C_POINTER, 0);
            }
            int status = cuda_h.cuEventRecord(event, handle);
            if (status != cuda_h.CUDA_SUCCESS) {
                cuda_h.cuEventDestroy_v2(event);
                CudaException.check(status, "cuEventRecord");
            }
            pending.addLast(new Pending(event, held));
        } catch (RuntimeException e) {
            // Without an event we cannot know when the work is done: wait for it before letting go.
            cuda_h.cuStreamSynchronize(handle);
            held.forEach(NativeResource::release);
            throw e;
        }
    }

    /** Releases what completed work held; pending entries complete in order. */
    private void reclaim() {
        while (!pending.isEmpty()) {
            Pending head = pending.peekFirst();
            int status = cuda_h.cuEventQuery(head.event());
            if (status == cuda_h.CUDA_ERROR_NOT_READY) {
                return;
            }
            pending.removeFirst();
            cuda_h.cuEventDestroy_v2(head.event());
            head.held().forEach(NativeResource::release);
            CudaException.check(status, "cuEventQuery");
        }
    }

    /** Number of async operations whose memory this stream still holds (for tests and diagnostics). */
    int pendingCount() {
        return pending.size();
    }

    @Override
    void free() {
        context.makeCurrent();
        int syncStatus = cuda_h.cuStreamSynchronize(handle);
        for (Pending p : pending) {
            cuda_h.cuEventDestroy_v2(p.event());
            p.held().forEach(NativeResource::release);
        }
        pending.clear();
        if (capturedResources != null) {
            capturedResources.forEach(NativeResource::release);
            capturedResources = null;
        }
        CudaException.check(cuda_h.cuStreamDestroy_v2(handle), "cuStreamDestroy_v2");
        CudaException.check(syncStatus, "cuStreamSynchronize");
    }
}
