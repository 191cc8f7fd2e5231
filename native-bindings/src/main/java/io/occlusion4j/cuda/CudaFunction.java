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

    private final CudaContext context;
    private final String name;
    private final MemorySegment handle;
    private final List<KernelArgs.Kind> signature;

    CudaFunction(CudaModule module, CudaContext context, String name, MemorySegment handle,
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

    /** A {@code CU_FUNC_ATTRIBUTE_*} value. */
    public int attribute(int attribute) {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuFuncGetAttribute(out, attribute, handle), "cuFuncGetAttribute");
            return out.get(cuda_h.C_INT, 0);
        }
    }

    public int maxActiveBlocksPerMultiprocessor(int blockSize, long dynamicSharedBytes) {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuOccupancyMaxActiveBlocksPerMultiprocessor(out, handle, blockSize,
                    dynamicSharedBytes), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
            return out.get(cuda_h.C_INT, 0);
        }
    }

    /** The driver's suggestion: the block size reaching maximum occupancy, and the grid that fills the GPU. */
    public record LaunchSuggestion(int minGridSize, int blockSize) { }

    public LaunchSuggestion suggestLaunch(long dynamicSharedBytes, int blockSizeLimit) {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment grid = arena.allocate(cuda_h.C_INT);
            MemorySegment block = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuOccupancyMaxPotentialBlockSize(grid, block, handle, MemorySegment.NULL,
                    dynamicSharedBytes, blockSizeLimit), "cuOccupancyMaxPotentialBlockSize");
            return new LaunchSuggestion(grid.get(cuda_h.C_INT, 0), block.get(cuda_h.C_INT, 0));
        }
    }

    @Override
    void free() {
        // A CUfunction is owned by its module; releasing the module reference is all there is.
    }
}
