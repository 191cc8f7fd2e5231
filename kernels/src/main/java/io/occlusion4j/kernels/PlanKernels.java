// The plan's kernels (plan_ops.cu) compiled by NVRTC into a module of their own, and their launcher.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaFunction;
import io.occlusion4j.cuda.CudaModule;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.Dim3;
import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.cuda.NvrtcCompiler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Loads {@code plan_ops.cu} for the context's device (same options and architecture rule as
 * {@link OcclusionKernels}) and launches {@link PlanLaunch}es, resolving their pointers through the caller
 * (arena, weights, scratch, metadata). Launches are asynchronous and may be captured into a CUDA graph.
 */
public final class PlanKernels implements AutoCloseable {
    private static final int BLOCK = 256;
    private static final Kind P = Kind.POINTER;
    private static final Kind I = Kind.I32;
    private static final Kind L = Kind.I64;
    private static final Kind F = Kind.F32;
    /** Every kernel's parameter kinds, as declared in plan_ops.cu. */
    static final Map<String, Kind[]> SIGNATURES = Map.ofEntries(
            Map.entry("occ_plan_unary", new Kind[] {P, P, L, I, F, F}),
            Map.entry("occ_plan_binary", new Kind[] {P, P, P, L, I, I, P}),
            Map.entry("occ_plan_strided_copy", new Kind[] {P, P, L, I, P}),
            Map.entry("occ_plan_pad", new Kind[] {P, P, L, I, I, F, P}),
            Map.entry("occ_plan_softmax", new Kind[] {P, P, L, L, L}),
            Map.entry("occ_plan_reduce", new Kind[] {P, P, L, L, L, I}),
            Map.entry("occ_plan_pool", new Kind[] {P, P, L, I, I, I, P}),
            Map.entry("occ_plan_to_half", new Kind[] {P, P, L}),
            Map.entry("occ_plan_to_float", new Kind[] {P, P, L}),
            Map.entry("occ_plan_reduce_axes", new Kind[] {P, P, L, L, I, I, P}),
            // FP16 storage (channels-last regions of the FP16 mode).
            Map.entry("occ_plan_unary_h", new Kind[] {P, P, L, I, F, F}),
            Map.entry("occ_plan_binary_hh", new Kind[] {P, P, P, L, I, I, P}),
            Map.entry("occ_plan_binary_hf", new Kind[] {P, P, P, L, I, I, P}),
            Map.entry("occ_plan_binary_fh", new Kind[] {P, P, P, L, I, I, P}),
            Map.entry("occ_plan_copy_to_half", new Kind[] {P, P, L, I, P}),
            Map.entry("occ_plan_copy_to_float", new Kind[] {P, P, L, I, P}),
            Map.entry("occ_plan_pad_h", new Kind[] {P, P, L, I, I, F, P}),
            Map.entry("occ_plan_reduce_h", new Kind[] {P, P, L, L, L, I}),
            Map.entry("occ_plan_pool_nhwc_h", new Kind[] {P, P, L, I, I, I, L, P}),
            Map.entry("occ_plan_strided_copy_h", new Kind[] {P, P, L, I, P}));

    /** The parameter kinds of plan kernel {@code kernel} (a copy), or {@code null} when there is none. */
    public static Kind[] signature(String kernel) {
        Kind[] kinds = SIGNATURES.get(kernel);
        return kinds == null ? null : kinds.clone();
    }

    private final CudaModule module;
    private final Map<String, CudaFunction> functions = new HashMap<>();
    private final int maxBlocks;

    private PlanKernels(CudaModule module, int multiprocessors) {
        this.module = module;
        this.maxBlocks = Math.max(1, multiprocessors) * 16;
        for (Map.Entry<String, Kind[]> e : SIGNATURES.entrySet()) {
            functions.put(e.getKey(), module.function(e.getKey(), e.getValue()));
        }
    }

    public static PlanKernels load(CudaContext context, NvrtcCompiler compiler) {
        String arch = OcclusionKernels.architectureFor(context.device().computeCapabilityMajor(),
                context.device().architecture());
        NvrtcCompiler.Compiled compiled = compiler.compile("occlusion4j_plan.cu",
                KernelSources.program(KernelSources.PLAN_UNITS), arch, OcclusionKernels.OPTIONS, NvrtcCompiler.Output.CUBIN);
        CudaModule module = context.loadModule(compiled.image());
        try {
            return new PlanKernels(module, context.device().multiprocessorCount());
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /** Enqueues one launch; {@code address} gives the device address of each pointer and of the metadata. */
    public void launch(CudaStream stream, PlanLaunch launch, Function<PlanLaunch.Arg, Long> address) {
        if (launch.work() <= 0) {
            return;
        }
        KernelArgs args = KernelArgs.create();
        for (PlanLaunch.Arg a : launch.args()) {
            switch (a) {
                case PlanLaunch.Arg.Pointer p -> args.address(address.apply(p));
                case PlanLaunch.Arg.Meta m -> args.address(address.apply(m));
                case PlanLaunch.Arg.I32(int v) -> args.i32(v);
                case PlanLaunch.Arg.I64(long v) -> args.i64(v);
                case PlanLaunch.Arg.F32(float v) -> args.f32(v);
            }
        }
        CudaFunction f = functions.get(launch.kernel());
        if (f == null) {
            throw new IllegalArgumentException("no plan kernel " + launch.kernel());
        }
        int blocks = (int) Math.max(1, Math.min(maxBlocks, (launch.work() + BLOCK - 1) / BLOCK));
        f.launch(new Dim3(blocks, 1, 1), new Dim3(BLOCK, 1, 1), 0, stream, args);
    }

    /** The kernel names, for checks. */
    public static List<String> kernelNames() {
        return List.copyOf(SIGNATURES.keySet());
    }

    @Override
    public void close() {
        module.close();
    }
}
