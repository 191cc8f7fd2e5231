// Whether the GPU tests can run here, and if not, why (named in every skip).
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaDevice;
import io.occlusion4j.cuda.NvrtcCompiler;
import java.nio.file.Path;

/** One probe per JVM: a device, the driver, NVRTC (and cuBLAS for the session tests). */
public final class GpuSupport {
    private static final String REASON = probe();

    private GpuSupport() {}

    /** Null when a GPU is usable, else the reason. */
    public static String unavailableReason() {
        return REASON;
    }

    private static String probe() {
        try {
            if (CudaDevice.count() == 0) {
                return "the CUDA driver reports no device";
            }
            NvrtcCompiler.version();
            return null;
        } catch (Throwable e) {
            return "no usable GPU: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public static CudaContext context() {
        return CudaContext.primary();
    }

    public static NvrtcCompiler compiler() {
        String dir = System.getProperty("occlusion4j.nvrtcCache");
        return dir == null ? NvrtcCompiler.withDefaultCache() : NvrtcCompiler.cachingIn(Path.of(dir));
    }
}
