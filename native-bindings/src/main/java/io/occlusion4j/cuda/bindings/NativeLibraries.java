// The process-wide registry of located libraries: each library is looked for once.
package io.occlusion4j.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;

/**
 * Locates each {@link CudaLibrary} once per process with the default {@link LibraryLocator}.
 * cuDNN's sub-libraries need cuBLAS(Lt) and NVRTC, so those are located first when cuDNN is. Where a driver
 * is installed, NVRTC is the first whose code that driver can load ({@link NvrtcCompatibility}).
 */
public final class NativeLibraries {

    private static final Map<CudaLibrary, LoadedLibrary> LOADED = new EnumMap<>(CudaLibrary.class);
    private static final LibraryLocator LOCATOR = LibraryLocator.fromEnvironment();

    private NativeLibraries() { }

    /** The installed driver's {@code cuDriverGetVersion}, or 0 when there is no driver. */
    public static synchronized int driverVersion() {
        if (!load(CudaLibrary.DRIVER).isFound()) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            return cuda_h.cuDriverGetVersion(out) == cuda_h.CUDA_SUCCESS ? out.get(cuda_h.C_INT, 0) : 0;
        } catch (NativeLibraryUnavailableException e) {
            return 0;
        }
    }

    public static synchronized LoadedLibrary load(CudaLibrary library) {
        LoadedLibrary loaded = LOADED.get(library);
        if (loaded == null) {
            if (library == CudaLibrary.CUDNN) {
                load(CudaLibrary.CUBLAS);
                load(CudaLibrary.NVRTC);
            }
            int driver = library == CudaLibrary.NVRTC ? driverVersion() : 0;
            loaded = driver == 0 ? LOCATOR.locate(library)
                    : LOCATOR.locate(library, candidate -> NvrtcCompatibility.refusal(candidate, driver));
            LOADED.put(library, loaded);
        }
        return loaded;
    }
}
