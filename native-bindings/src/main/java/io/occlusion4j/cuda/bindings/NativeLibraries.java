// The process-wide registry of located libraries: each library is looked for once.
package io.occlusion4j.cuda.bindings;

import java.util.EnumMap;
import java.util.Map;

/**
 * Locates each {@link CudaLibrary} once per process with the default {@link LibraryLocator}.
 * cuDNN's sub-libraries need cuBLAS(Lt) and NVRTC, so those are located first when cuDNN is.
 */
public final class NativeLibraries {

    private static final Map<CudaLibrary, LoadedLibrary> LOADED = new EnumMap<>(CudaLibrary.class);
    private static final LibraryLocator LOCATOR = LibraryLocator.fromEnvironment();

    private NativeLibraries() { }

    public static synchronized LoadedLibrary load(CudaLibrary library) {
        LoadedLibrary loaded = LOADED.get(library);
        if (loaded == null) {
            if (library == CudaLibrary.CUDNN) {
                load(CudaLibrary.CUBLAS);
                load(CudaLibrary.NVRTC);
            }
            loaded = LOCATOR.locate(library);
            LOADED.put(library, loaded);
        }
        return loaded;
    }
}
