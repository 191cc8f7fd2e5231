// The plan's kernels (plan_ops.cu): their launch table, and PlanLaunches turned into launches.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.KernelArgs.Kind;
import java.util.Map;
import java.util.function.Function;

/**
 * The kernels of {@link KernelProgram#PLAN}: {@link #launch} turns a {@link PlanLaunch} into arguments, resolving
 * its pointers through the caller (arena, weights, scratch, metadata), and hands it to a {@link KernelLauncher}
 * (a CUDA stream, where launches are asynchronous and may be captured into a graph, or the host build).
 */
public final class PlanKernels {
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
            Map.entry("occ_plan_layer_norm", new Kind[] {P, P, P, P, L, L, F, I}),
            Map.entry("occ_plan_where", new Kind[] {P, P, P, P, L, I, P}),
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
            Map.entry("occ_plan_strided_copy_h", new Kind[] {P, P, L, I, P}),
            // Incremental inference (incremental_ops.cu): read-in contexts gathered, patches stitched.
            Map.entry("occ_inc_gather", new Kind[] {P, P, L, P, P, P, L, I, I, I, I, I, I, I, I, I, I, F, L, I}),
            Map.entry("occ_inc_stitch", new Kind[] {P, P, P, P, L, I, I, I, I, I, I, I, L, I}));

    /** The parameter kinds of plan kernel {@code kernel} (a copy), or {@code null} when there is none. */
    public static Kind[] signature(String kernel) {
        Kind[] kinds = SIGNATURES.get(kernel);
        return kinds == null ? null : kinds.clone();
    }

    private final KernelLauncher launcher;

    /** Launches over {@code launcher}, which must run {@link KernelProgram#PLAN}. */
    public PlanKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** Enqueues one launch; {@code address} gives the device address of each pointer and of the metadata. */
    public void launch(PlanLaunch launch, Function<PlanLaunch.Arg, Long> address) {
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
        launcher.launch(launch.kernel(), launch.work(), args);
    }
}
