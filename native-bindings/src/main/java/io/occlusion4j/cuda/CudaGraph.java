// Work captured from a stream, instantiated once and replayed many times.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A captured and instantiated CUDA graph ({@code CUgraph} + {@code CUgraphExec}). It holds the
 * memory the captured operations used, since every replay touches it again.
 */
public final class CudaGraph extends NativeResource {

    private final ContextHandle context;
    private final MemorySegment graph;
    private final MemorySegment executable;
    private final List<NativeResource> held;

    private CudaGraph(ContextHandle context, MemorySegment graph, MemorySegment executable, List<NativeResource> held) {
        super("CudaGraph", context);
        this.context = context;
        this.graph = graph;
        this.executable = executable;
        this.held = held;
    }

    /**
     * Captures the work {@code work} enqueues on {@code stream} (thread-local capture mode: other threads may keep
     * using CUDA meanwhile; nothing captured runs now) and instantiates it as a replayable graph. If {@code work}
     * fails, the capture is ended and dropped and the failure propagates.
     */
    public static CudaGraph capture(CudaStream stream, Runnable work) {
        stream.beginCapture();
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            try {
                stream.endCapture().discard();
            } catch (RuntimeException ended) {
                e.addSuppressed(ended);
            }
            throw e;
        }
        return instantiate(stream.context(), stream.endCapture());
    }

    /** Takes ownership of the captured graph and of its one reference to each resource the captured work uses. */
    private static CudaGraph instantiate(ContextHandle context, CudaStream.Captured captured) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            int status = cuda_h.cuGraphInstantiateWithFlags(out, captured.graph(), 0L);
            if (status != cuda_h.CUDA_SUCCESS) {
                captured.discard();
                CudaException.check(status, "cuGraphInstantiateWithFlags");
            }
            return new CudaGraph(context, captured.graph(), out.get(cuda_h.C_POINTER, 0), List.copyOf(captured.held()));
        }
    }

    /** Enqueues one replay of the captured work on {@code stream}. */
    public void launch(CudaStream stream) {
        ensureOpen();
        context.makeCurrent();
        CudaException.check(cuda_h.cuGraphLaunch(executable, stream.handle()), "cuGraphLaunch");
        stream.keepAlive(this);
    }

    @Override
    void free() {
        context.makeCurrent();
        try {
            CudaException.check(cuda_h.cuGraphExecDestroy(executable), "cuGraphExecDestroy");
            CudaException.check(cuda_h.cuGraphDestroy(graph), "cuGraphDestroy");
        } finally {
            held.forEach(NativeResource::release);
        }
    }
}
