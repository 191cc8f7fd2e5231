// A GPU as the driver numbers it, with the properties the project asks about.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.CUuuid;
import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** One CUDA device. Holds no native resource: a {@link CudaContext} is what owns GPU state. */
public final class CudaDevice {

    private static volatile boolean initialised;

    private final int ordinal;
    private final int handle;

    private CudaDevice(int ordinal, int handle) {
        this.ordinal = ordinal;
        this.handle = handle;
    }

    /** Initialises the driver once; raises {@link CudaException} (e.g. CUDA_ERROR_NO_DEVICE) when it cannot. */
    static void initialise() {
        if (!initialised) {
            synchronized (CudaDevice.class) {
                if (!initialised) {
                    CudaException.check(cuda_h.cuInit(0), "cuInit");
                    initialised = true;
                }
            }
        }
    }

    /** The driver's version as {@code 1000 * major + 10 * minor}, e.g. 13000. Needs no device. */
    public static int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuDriverGetVersion(out), "cuDriverGetVersion");
            return out.get(cuda_h.C_INT, 0);
        }
    }

    public static int count() {
        initialise();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuDeviceGetCount(out), "cuDeviceGetCount");
            return out.get(cuda_h.C_INT, 0);
        }
    }

    public static CudaDevice get(int ordinal) {
        initialise();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuDeviceGet(out, ordinal), "cuDeviceGet", "ordinal " + ordinal);
            return new CudaDevice(ordinal, out.get(cuda_h.C_INT, 0));
        }
    }

    public static List<CudaDevice> all() {
        int n = count();
        List<CudaDevice> devices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            devices.add(get(i));
        }
        return List.copyOf(devices);
    }

    public int ordinal() {
        return ordinal;
    }

    /** The driver's {@code CUdevice} value. */
    int handle() {
        return handle;
    }

    public String name() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            CudaException.check(cuda_h.cuDeviceGetName(name, 256, handle), "cuDeviceGetName");
            return name.getString(0);
        }
    }

    /** A {@code CU_DEVICE_ATTRIBUTE_*} value. */
    public int attribute(int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_INT);
            CudaException.check(cuda_h.cuDeviceGetAttribute(out, attribute, handle), "cuDeviceGetAttribute",
                    "attribute " + attribute);
            return out.get(cuda_h.C_INT, 0);
        }
    }

    public long totalMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_LONG);
            CudaException.check(cuda_h.cuDeviceTotalMem_v2(out, handle), "cuDeviceTotalMem_v2");
            return out.get(cuda_h.C_LONG, 0);
        }
    }

    /** The device's UUID in the usual 8-4-4-4-12 form (as nvidia-smi prints it, without "GPU-"). */
    public String uuid() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uuid = CUuuid.allocate(arena);
            CudaException.check(cuda_h.cuDeviceGetUuid_v2(uuid, handle), "cuDeviceGetUuid_v2");
            byte[] bytes = new byte[16];
            for (int i = 0; i < 16; i++) {
                bytes[i] = CUuuid.bytes(uuid, i);
            }
            String hex = HexFormat.of().formatHex(bytes);
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20);
        }
    }

    public int computeCapabilityMajor() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    }

    public int computeCapabilityMinor() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    /** The real architecture NVRTC compiles for, e.g. {@code sm_90}. */
    public String architecture() {
        return "sm_" + computeCapabilityMajor() + computeCapabilityMinor();
    }

    public int multiprocessorCount() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    }

    @Override
    public String toString() {
        return "CudaDevice[" + ordinal + "]";
    }
}
