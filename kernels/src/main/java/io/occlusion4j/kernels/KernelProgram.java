// The two NVRTC programs the CUDA back end compiles, exactly as it joins and compiles them.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.cuda.NvrtcCompiler;
import java.util.List;
import java.util.Map;

/**
 * The occlusion kernels (variant writer, fills, scores, pixel map) and the inference plan's kernels
 * ({@code plan_ops.cu}): each one NVRTC program of joined sources ({@link KernelSources}) with the launch table its
 * launchers check every launch against. {@link #compile} is the one path from sources to a loadable image, used at
 * run time and by the tests that compile every program without a GPU.
 */
public enum KernelProgram {
    OCCLUSION("occlusion4j_kernels.cu", KernelSources.UNITS),
    PLAN("occlusion4j_plan.cu", KernelSources.PLAN_UNITS);

    /** NVRTC options; part of the cache key. {@code --fmad=false}: every product rounds as in the Java reference. */
    public static final List<String> OPTIONS = List.of("--fmad=false", "-std=c++17");

    private final String fileName;
    private final List<String> units;

    KernelProgram(String fileName, List<String> units) {
        this.fileName = fileName;
        this.units = units;
    }

    /** The kernels of this program with their parameter kinds, as the {@code .cu} files declare them. */
    public Map<String, Kind[]> signatures() {
        return this == OCCLUSION ? OcclusionKernels.SIGNATURES : PlanKernels.SIGNATURES;
    }

    /** The program's source: its units joined, includes resolved. */
    public String source() {
        return KernelSources.program(units);
    }

    /** Compiles (or takes from {@code compiler}'s cache) this program for {@code architecture}. */
    public NvrtcCompiler.Compiled compile(NvrtcCompiler compiler, String architecture, NvrtcCompiler.Output output) {
        return compiler.compile(fileName, source(), architecture, OPTIONS, output);
    }

    /** {@code sm_90} on Hopper (compute capability 9.x), the device's own architecture elsewhere. */
    public static String architectureFor(int major, String deviceArchitecture) {
        return major == 9 ? "sm_90" : deviceArchitecture;
    }
}
