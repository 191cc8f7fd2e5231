// The CUDA inference plan: the engine's Plan on one device arena, cuDNN, cuBLAS and plan_ops.cu, replayed as a graph.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.CudnnException;
import io.occlusion4j.cuda.NativeCallException;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.PlanKernels;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Runs a {@link Plan} on a {@link Device}. Built once per batch size: one arena of the lowering's bytes for every
 * activation, the weights uploaded once into one buffer ({@link PlanWeights}), every launch's shape metadata
 * uploaded once, each convolution described to the library once (algorithm, math type, whether its epilogue is
 * fused: {@link GpuConvolution}), one workspace of the largest need. {@link #forward} runs the steps once eagerly
 * (a warm-up that also surfaces launch errors with a synchronisation), captures them and from then on replays the
 * capture; inside a caller's capture it enqueues the steps directly. Graph inputs are written straight into their
 * arena slots ({@link #slot}), which the buffer plan keeps whole to the end of the plan because a replay reads them
 * again.
 */
public final class CudaPlan implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CudaPlan.class.getName());


    private final Device device;
    private final Plan plan;
    private final int batch;
    private final PlanOptions options;
    private final PlanLowering.Lowering lowering;
    private final PlanKernels kernels;
    private final List<Device.Buffer> owned = new ArrayList<>();
    private final Map<PlanStep, Device.Convolution> convs = new IdentityHashMap<>();
    private final Map<String, PlanLaunch> inputConversions;
    private final Map<Arg.Pointer, Device.Buffer> views = new LinkedHashMap<>();
    private final Map<String, Device.Buffer> slots = new LinkedHashMap<>();
    private Device.Buffer arena;
    private PlanWeights weights;
    private Device.Buffer scratch;
    private PlanWeights.Meta meta;
    private Device.Buffer workspace;
    private Device.Replay replay;

    /** The library refused the fp16 NHWC form of the convolution of plan step {@code step}. */
    private static final class HalfConvolutionRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int step;

        HalfConvolutionRefused(int step, String node, CudnnException cause) {
            super("cuDNN refused the fp16 NHWC convolution '" + node + "': " + cause.getMessage(), cause);
            this.step = step;
        }
    }

    private CudaPlan(Device device, Plan plan, int batch, PlanOptions options, PlanLowering.Lowering lowering) {
        this.device = device;
        this.plan = plan;
        this.batch = batch;
        this.options = options;
        this.lowering = lowering;
        this.kernels = new PlanKernels(device.launcher(KernelProgram.PLAN));
        this.inputConversions = inputConversionLaunches();
    }

    /**
     * Builds the device side of {@code plan} (made for {@code batch} samples). In FP16 with fp16 storage the
     * plan runs once eagerly before it is returned. A convolution whose fp16 NHWC form cuDNN refuses (a shape
     * or algorithm its library build does not run, when it is described or when it first runs) is rebuilt in
     * fp32 storage alone, its neighbours staying fp16, and the log names it; any other cuDNN refusal rebuilds
     * the whole plan with fp32 storage, also logged, rather than failing.
     */
    public static CudaPlan create(Device device, Plan plan, int batch, PlanOptions options) {
        Set<Integer> fp32Steps = new HashSet<>();
        while (true) {
            try {
                CudaPlan p = withLowering(device, plan, batch, options,
                        PlanLowering.lower(plan, options.storesHalf(), fp32Steps));
                if (options.storesHalf()) {
                    // One eager forward now, so a convolution cuDNN describes but will not run shows here.
                    try {
                        p.enqueue();
                        device.synchronize();
                    } catch (RuntimeException e) {
                        p.close();
                        throw e;
                    }
                }
                return p;
            } catch (HalfConvolutionRefused e) {
                if (!fp32Steps.add(e.step)) {
                    throw new IllegalStateException("convolution step " + e.step + " was refused in fp16 twice", e);
                }
                LOG.warning("occlusion4j: " + e.getMessage() + "; that convolution runs in fp32 storage");
            } catch (CudnnException e) {
                if (!options.storesHalf() || isOutOfMemory(e) || isTooLarge(e)) {
                    throw e;
                }
                LOG.warning("occlusion4j: cuDNN refused the FP16 plan's fp16 NHWC storage (" + e.getMessage()
                        + "); building it with fp32 storage and FP16 math instead");
                return withLowering(device, plan, batch, options.withoutHalfStorage(), PlanLowering.lower(plan, false));
            }
        }
    }

    /** The device side of {@code plan} with a lowering given by the caller (the host tests pick the fp32 steps). */
    static CudaPlan withLowering(Device device, Plan plan, int batch, PlanOptions options, PlanLowering.Lowering lowering) {
        CudaPlan p = new CudaPlan(device, plan, batch, options, lowering);
        try {
            p.allocate();
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * The plan for the largest batch, at most {@code maxBatch}, that fits the device's free memory and keeps every
     * tensor below 2^31 elements ({@link PlanBuilder#largestBatch}, with a reserve for workspaces and the occlusion
     * buffers), halving the batch and retrying when an allocation still runs out of memory or cuDNN refuses a
     * descriptor as too large.
     */
    public static CudaPlan createFitting(Device device, Graph graph, int maxBatch, long reserveBytes, PlanOptions options) {
        long free = device.freeBytes();
        int b = PlanBuilder.largestBatch(graph, free, reserveBytes, Math.max(1, maxBatch));
        if (b < 1) {
            throw new IllegalStateException("the plan of '" + graph.name() + "' does not fit one sample in the "
                    + free + " free bytes of the device (reserve " + reserveBytes + ")");
        }
        while (true) {
            try {
                return create(device, PlanBuilder.build(graph, b, PlanBuilder.Options.all()), b, options);
            } catch (NativeCallException e) {
                if (!(isOutOfMemory(e) || isTooLarge(e)) || b == 1) {
                    throw e;
                }
                int half = b / 2;
                LOG.info("occlusion4j: CUDA plan for batch " + b + " failed (" + e.codeName() + " in " + e.call()
                        + "); retrying with batch " + half);
                b = half;
            }
        }
    }

    static boolean isOutOfMemory(NativeCallException e) {
        String name = e.codeName() == null ? "" : e.codeName();
        return name.contains("OUT_OF_MEMORY") || name.contains("ALLOC");
    }

    /** cuDNN's NOT_SUPPORTED when a descriptor is set: a tensor of 2^31 elements or more. */
    static boolean isTooLarge(NativeCallException e) {
        return e instanceof CudnnException && "CUDNN_STATUS_NOT_SUPPORTED".equals(e.codeName())
                && e.call().startsWith("cudnnSet");
    }

    public Plan plan() {
        return plan;
    }

    public int batch() {
        return batch;
    }

    public Precision precision() {
        return options.precision();
    }

    public Device device() {
        return device;
    }

    /** The arena slot of a graph input or output, a view the plan owns. */
    public Device.Buffer slot(String value) {
        return slots.computeIfAbsent(value, v -> {
            var s = plan.slot(v);
            return arena.slice(s.offset(), s.bytes());
        });
    }

    private void allocate() {
        arena = own(device.allocate(Math.max(PlanWeights.ALIGN, lowering.arenaBytes())));
        weights = PlanWeights.upload(device, plan, lowering);
        if (lowering.scratchBytes() > 0) {
            scratch = own(device.allocate(lowering.scratchBytes()));
        }
        meta = PlanWeights.uploadMeta(device, launchesWithMeta());
        long work = 0;
        for (Lowered l : lowering.steps()) {
            if (l instanceof Lowered.Convolution c) {
                Device.Convolution conv = describe(c);
                convs.put(c.step(), conv);
                work = Math.max(work, conv.workspaceBytes());
            }
        }
        if (work > 0) {
            workspace = own(device.allocate(work));
        }
    }

    private Device.Convolution describe(Lowered.Convolution c) {
        try {
            return device.prepare(c, options);
        } catch (CudnnException e) {
            if (!c.half() || isOutOfMemory(e) || isTooLarge(e)) {
                throw e;
            }
            throw new HalfConvolutionRefused(c.step().index(), c.step().node().name(), e);
        }
    }

    private Device.Buffer own(Device.Buffer b) {
        owned.add(b);
        return b;
    }

    /** True when graph input (or any activation) {@code value} is stored as fp16 NHWC (FP16 mode only). */
    public boolean isHalf(String value) {
        return lowering.isHalf(value);
    }

    /**
     * Puts an fp32 NCHW batch ({@code source}, on the device) into input slot {@code input}: a copy of the
     * first {@code elements} values, or, where the plan stores the input as fp16 NHWC, the conversion of the
     * whole batch ({@code source} then holds {@link #batch()} samples).
     */
    public void loadInput(Device.Buffer source, String input, long elements) {
        PlanLaunch l = inputConversions.get(input);
        if (l == null) {
            copyIn(source, plan.slot(input).offset(), elements);
            return;
        }
        if (source.byteSize() < 4L * plan.slot(input).elementCount()) {
            throw new IllegalArgumentException("an fp16 input slot converts a whole batch: the source holds "
                    + source.byteSize() + " bytes, the batch " + 4L * plan.slot(input).elementCount());
        }
        kernels.launch(l, a -> a == l.args().get(0) ? source.address() : address(l, a));
    }

    /** For each graph input stored as fp16 NHWC, its conversion from an fp32 NCHW batch (source set at launch). */
    private Map<String, PlanLaunch> inputConversionLaunches() {
        Map<String, PlanLaunch> m = new LinkedHashMap<>();
        for (var in : plan.graph().inputs()) {
            if (!lowering.isHalf(in.name())) {
                continue;
            }
            var s = plan.slot(in.name());
            // Arena offset 0 stands for the source; loadInput points it at the caller's fp32 batch.
            m.put(in.name(), HalfLowering.toHalfChannelsLast(Arg.Pointer.arena(0), Arg.Pointer.arena(s.offset()), s.shape()));
        }
        return m;
    }

    private List<PlanLaunch> launchesWithMeta() {
        List<PlanLaunch> launches = new ArrayList<>(inputConversions.values());
        for (Lowered l : lowering.steps()) {
            switch (l) {
                case Lowered.Launches ls -> launches.addAll(ls.launches());
                case Lowered.Convolution c -> {
                    if (c.prePad() != null) {
                        launches.add(c.prePad());
                    }
                }
                case Lowered.MatrixProduct m -> {
                    if (m.fillY() != null) {
                        launches.add(m.fillY());
                    }
                }
                case Lowered.Nothing n -> {
                }
            }
        }
        return launches;
    }

    private long address(PlanLaunch launch, Arg a) {
        return switch (a) {
            case Arg.Pointer(PlanLaunch.Region region, String weight, long offset) -> switch (region) {
                case ARENA -> arena.address() + offset;
                case SCRATCH -> scratch.address() + offset;
                case WEIGHT -> weights.address(weight) + offset;
            };
            case Arg.Meta m -> meta.address(launch);
            default -> throw new IllegalArgumentException("not a pointer: " + a);
        };
    }

    /** A buffer view from a pointer to the end of its region (the library calls check sizes as lower bounds). */
    private Device.Buffer view(Arg.Pointer p) {
        return views.computeIfAbsent(p, k -> {
            Device.Buffer region = switch (k.region()) {
                case ARENA -> arena;
                case SCRATCH -> scratch;
                case WEIGHT -> weights.buffer();
            };
            long offset = address(null, k) - region.address();
            return region.slice(offset, region.byteSize() - offset);
        });
    }

    /** Runs the plan: the captured replay, or the steps themselves while the caller captures (or capture is off). */
    public void forward() {
        if (!options.captureGraph() || device.isCapturing()) {
            enqueue();
            return;
        }
        if (replay == null) {
            // Eager warm-up first: library-internal allocations happen outside the capture, errors surface here.
            enqueue();
            device.synchronize();
            replay = device.capture(this::enqueue);
        }
        replay.launch();
    }

    /** Enqueues every step, in order. */
    void enqueue() {
        for (Lowered l : lowering.steps()) {
            switch (l) {
                case Lowered.Launches ls -> {
                    for (PlanLaunch launch : ls.launches()) {
                        kernels.launch(launch, a -> address(launch, a));
                    }
                }
                case Lowered.Convolution c -> convolve(c);
                case Lowered.MatrixProduct m -> {
                    if (m.fillY() != null) {
                        kernels.launch(m.fillY(), a -> address(m.fillY(), a));
                    }
                    device.multiply(m, view(m.a()), view(m.b()), view(m.y()), options.precision());
                }
                case Lowered.Nothing n -> {
                }
            }
        }
    }

    private void convolve(Lowered.Convolution c) {
        if (c.prePad() != null) {
            kernels.launch(c.prePad(), a -> address(c.prePad(), a));
        }
        try {
            device.convolve(convs.get(c.step()), view(c.input()), view(c.weight()), c.bias() == null ? null : view(c.bias()),
                    c.residual() == null ? null : view(c.residual()), view(c.output()), workspace);
        } catch (CudnnException e) {
            if (!c.half() || isOutOfMemory(e)) {
                throw e;
            }
            throw new HalfConvolutionRefused(c.step().index(), c.step().node().name(), e);
        }
    }

    /** Widens an fp16 batch into the fp32 input slot (the FP16 path's cast). */
    public void widenInto(Device.Buffer half, String input, long elements) {
        var s = plan.slot(input);
        PlanLaunch l = new PlanLaunch("occ_plan_to_float", elements, List.of(Arg.Pointer.arena(0), Arg.Pointer.arena(
                s.offset()), new Arg.I64(elements)), new long[0]);
        kernels.launch(l, a -> a == l.args().get(0) ? half.address() : address(l, a));
    }

    /** Copies {@code words} 32-bit words from arena offset {@code from} into {@code target} (outputs to the caller). */
    public void copyOut(long from, Device.Buffer target, long words) {
        PlanLaunch l = new PlanLaunch("occ_plan_unary", words, List.of(Arg.Pointer.arena(from), Arg.Pointer.arena(0),
                new Arg.I64(words), new Arg.I32(7), new Arg.F32(0f), new Arg.F32(0f)), new long[0]);
        kernels.launch(l, a -> a == l.args().get(1) ? target.address() : address(l, a));
    }

    /** Copies {@code words} words from {@code source} into the arena at offset {@code to}. */
    public void copyIn(Device.Buffer source, long to, long words) {
        PlanLaunch l = new PlanLaunch("occ_plan_unary", words, List.of(Arg.Pointer.arena(0), Arg.Pointer.arena(to),
                new Arg.I64(words), new Arg.I32(7), new Arg.F32(0f), new Arg.F32(0f)), new long[0]);
        kernels.launch(l, a -> a == l.args().get(0) ? source.address() : address(l, a));
    }

    /**
     * Runs the plan once on {@code inputs} (fp32 NCHW values, one array per graph input, the plan's whole batch)
     * and returns every graph output as fp32: the inputs and outputs cross in the slots' storage (fp16 NHWC where
     * the plan keeps them so). For checking a plan against a reference, on the host device or a GPU.
     */
    public Map<String, float[]> run(Map<String, float[]> inputs) {
        try (Arena host = Arena.ofConfined()) {
            for (Map.Entry<String, float[]> in : inputs.entrySet()) {
                var slot = plan.slot(in.getKey());
                MemorySegment staging = host.allocate(slot.bytes(), 8);
                HostLibraryCalls.write(staging, in.getValue(), slot.shape(), isHalf(in.getKey()));
                device.upload(staging, arena, slot.offset());
            }
            forward();
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : plan.graph().outputs()) {
                var slot = plan.slot(name);
                MemorySegment staging = host.allocate(slot.bytes(), 8);
                device.download(arena, slot.offset(), staging);
                out.put(name, HostLibraryCalls.read(staging, slot.shape(), isHalf(name)));
            }
            return out;
        }
    }

    /** The storage the plan runs with, in words, for logs and reports. */
    public String storage() {
        long all = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution).count();
        long half = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution c && c.half()).count();
        if (lowering.halfValues().isEmpty()) {
            return "fp32 storage (" + all + " convolutions)";
        }
        return "fp16 NHWC storage: " + half + " of " + all + " convolutions, " + lowering.halfValues().size()
                + " fp16 values, " + lowering.conversions() + " conversions"
                + (plan.graph().inputs().stream().anyMatch(i -> lowering.isHalf(i.name())) ? ", fp16 NHWC input" : "");
    }

    /** How each convolution runs (algorithm, math type, fused or not), for the log and the benchmark report. */
    public Map<String, String> convolutions() {
        Map<String, String> m = new LinkedHashMap<>();
        convs.forEach((step, c) -> m.put(step.node().name(), c.describe()));
        return m;
    }

    @Override
    public void close() {
        if (replay != null) {
            replay.close();
            replay = null;
        }
        convs.values().forEach(Device.Convolution::close);
        convs.clear();
        views.values().forEach(Device.Buffer::close);
        views.clear();
        slots.values().forEach(Device.Buffer::close);
        slots.clear();
        if (weights != null) {
            weights.close();
        }
        if (meta != null) {
            meta.close();
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
