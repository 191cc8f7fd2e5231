// The two devices a CUDA plan runs on.
package io.occlusion4j.backend.cuda;

/** Opens a {@link Device}: the GPU, or the host stand-in that runs the same operations on the CPU. */
public final class Devices {
    private Devices() {
    }

    /** The first GPU (its primary context, kernels compiled into NVRTC's disk cache); raises the driver's error without one. */
    public static Device gpu() {
        return GpuDevice.open(io.occlusion4j.cuda.NvrtcCompiler.withDefaultCache());
    }

    /** The host stand-in: the same operations on the CPU ({@link HostDevice}). */
    public static Device host() {
        return new HostDevice();
    }
}
