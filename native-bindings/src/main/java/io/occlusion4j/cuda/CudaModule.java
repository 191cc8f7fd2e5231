// A loaded PTX or cubin image; the source of kernel functions.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** A module loaded with {@code cuModuleLoadDataEx}. Its functions keep it loaded while they live. */
public final class CudaModule extends NativeResource {

    private static final int JIT_LOG_BYTES = 16 * 1024;

    private final ContextHandle context;
    private final MemorySegment handle;

    private CudaModule(ContextHandle context, MemorySegment handle) {
        super("CudaModule", context);
        this.context = context;
        this.handle = handle;
    }

    static CudaModule load(ContextHandle context, byte[] image) {
        if (image.length == 0) {
            throw new IllegalArgumentException("empty module image");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, nulTerminatedIfText(image));
            MemorySegment errorLog = arena.allocate(JIT_LOG_BYTES);
            MemorySegment options = arena.allocateFrom(ValueLayout.JAVA_INT,
                    cuda_h.CU_JIT_ERROR_LOG_BUFFER, cuda_h.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = arena.allocate(ValueLayout.ADDRESS, 2);
            values.setAtIndex(ValueLayout.ADDRESS, 0, errorLog);
            // The size option is passed by value in the pointer slot, as cuda.h specifies.
            values.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES));
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            int status = cuda_h.cuModuleLoadDataEx(out, data, 2, options, values);
            if (status != cuda_h.CUDA_SUCCESS) {
                String log = errorLog.getString(0);
                CudaException.check(status, "cuModuleLoadDataEx", log.isBlank() ? "no JIT log" : "JIT log:\n" + log);
            }
            return new CudaModule(context, out.get(cuda_h.C_POINTER, 0));
        }
    }

    /** PTX is text and must end with NUL; ELF (cubin) and fatbin images are passed as they are. */
    static byte[] nulTerminatedIfText(byte[] image) {
        boolean elf = image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
        boolean fatbin = image.length >= 4 && (image[0] & 0xff) == 0x50 && (image[1] & 0xff) == 0xed
                && (image[2] & 0xff) == 0x55 && (image[3] & 0xff) == 0xba;
        if (elf || fatbin || image[image.length - 1] == 0) {
            return image;
        }
        return Arrays.copyOf(image, image.length + 1);
    }

    /** A kernel of this module, unchecked: any argument list is accepted. */
    public CudaFunction function(String name) {
        return function(name, (KernelArgs.Kind[]) null);
    }

    /** A kernel whose launches are checked against {@code signature} (count and kind of each argument). */
    public CudaFunction function(String name, KernelArgs.Kind... signature) {
        ensureOpen();
        context.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            CudaException.check(cuda_h.cuModuleGetFunction(out, handle, arena.allocateFrom(name)),
                    "cuModuleGetFunction", "kernel '" + name + "' (extern \"C\"?)");
            return new CudaFunction(this, context, name, out.get(cuda_h.C_POINTER, 0), signature);
        }
    }

    @Override
    void free() {
        context.makeCurrent();
        CudaException.check(cuda_h.cuModuleUnload(handle), "cuModuleUnload");
    }
}
