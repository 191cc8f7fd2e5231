// Whether the installed driver can load what a given NVRTC compiles.
package io.occlusion4j.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * NVRTC makes code for its own CUDA version. A driver loads a cubin from any NVRTC of its own major version
 * (CUDA's minor version compatibility) but JIT-compiles PTX only up to its own version, and loads nothing from
 * a newer major version (a CUDA 13 NVRTC's code on a CUDA 12 driver). {@link NativeLibraries} uses this to
 * pick an NVRTC the driver can follow (e.g. {@code libnvrtc.so.12} over {@code .13} on a 12.x driver), and the
 * compiler to refuse PTX the driver would reject at load time.
 */
public final class NvrtcCompatibility {

    private NvrtcCompatibility() { }

    /**
     * Null when a driver of {@code driverVersion} ({@code cuDriverGetVersion}'s 1000 * major + 10 * minor) loads
     * code NVRTC {@code major.minor} makes (PTX when {@code ptx}, else a cubin), else why not.
     */
    public static String refusal(int major, int minor, int driverVersion, boolean ptx) {
        int driverMajor = driverVersion / 1000;
        int driverMinor = driverVersion % 1000 / 10;
        String both = "NVRTC " + major + "." + minor + " with a CUDA " + driverMajor + "." + driverMinor + " driver";
        if (major > driverMajor) {
            return both + ": the driver loads no code of a newer CUDA major version";
        }
        if (ptx && major == driverMajor && minor > driverMinor) {
            return both + ": the driver cannot JIT-compile PTX of a newer CUDA version (a cubin loads)";
        }
        return null;
    }

    /** {@link #refusal} for the cubins of a candidate NVRTC library, asking it its version; null when it cannot say. */
    static String refusal(LoadedLibrary nvrtc, int driverVersion) {
        MemorySegment address = nvrtc.find("nvrtcVersion");
        if (address.equals(MemorySegment.NULL)) {
            return "it exports no nvrtcVersion";
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            int status = (int) Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS)).invokeExact(major, minor);
            if (status != 0) {
                return "nvrtcVersion failed with status " + status;
            }
            return refusal(major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0), driverVersion, false);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("nvrtcVersion of " + nvrtc.path().orElse(null), e);
        }
    }
}
