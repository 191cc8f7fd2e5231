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

    private final CudaContext context;
    private final MemorySegment graph;
    private final MemorySegment executable;
    private final List<NativeResource> held;

    private CudaGraph(CudaContext context, MemorySegment graph, MemorySegment executable, List<NativeResource> held) {
        super("CudaGraph", context);
        this.context = context;
        this.graph = graph;
        this.executable = executable;
        this.held = held;
    }

    /** Takes ownership of {@code graph} and of one reference to each of {@code held}. */
    static CudaGraph instantiate(CudaContext context, MemorySegment graph, List<NativeResource> held) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            int status = cuda_h.cuGraphInstantiateWithFlags(out, graph, 0L);
            if (status != cuda_h.CUDA_SUCCESS) {
                cuda_h.cuGraphDestroy(graph);
                held.forEach(NativeResource::release);
                CudaException.check(status, "cuGraphInstantiateWithFlags");
            }
            return new CudaGraph(context, graph, out.get(cuda_h.C_POINTER, 0), List.copyOf(held));
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
