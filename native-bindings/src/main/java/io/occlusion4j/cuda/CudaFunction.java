// A kernel of a loaded module: launches it and answers occupancy questions.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A kernel. It holds its module loaded. Launches are asynchronous: an error inside the kernel
 * surfaces at the next synchronising call on its stream, not here.
 */
public final class CudaFunction extends NativeResource {

    private final ContextHandle context;
    private final String name;
    private final MemorySegment handle;
    private final List<KernelArgs.Kind> signature;

    /** {@code module} is the module the kernel belongs to, held loaded while this function lives. */
    CudaFunction(NativeResource module, ContextHandle context, String name, MemorySegment handle,
                 KernelArgs.Kind[] signature) {
        super("CudaFunction(" + name + ")", module);
        this.context = context;
        this.name = name;
        this.handle = handle;
        this.signature = signature == null ? null : List.of(signature);
    }

    public String name() {
        return name;
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    /** Enqueues the kernel on {@code stream}. */
    public void launch(Dim3 grid, Dim3 block, int sharedMemBytes, CudaStream stream, KernelArgs args) {
        if (signature != null) {
            args.checkAgainst(name, signature);
        }
        enter();
        try (Arena arena = Arena.ofConfined()) {
            KernelArgs.Packed packed = args.pack(arena);
            CudaException.check(cuda_h.cuLaunchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(),
                    block.z(), sharedMemBytes, stream.handle(), packed.pointers(), MemorySegment.NULL),
                    "cuLaunchKernel", "kernel " + name);
        }
        if (stream.isCapturing()) {
            stream.keepAlive(args.buffers().toArray(NativeResource[]::new));
        }
    }

    @Override
    void free() {
        // A CUfunction is owned by its module; releasing the module reference is all there is.
    }
}
