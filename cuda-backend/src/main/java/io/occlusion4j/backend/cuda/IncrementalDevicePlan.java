// Krypton's incremental inference on a Device: the CPU back end's plan, its steps lowered like any CudaPlan.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cpu.incremental.PlanGeometry;
import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.PlanKernels;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One incremental plan on a {@link Device} for batches of {@code batch} variants, made from the CPU back end's
 * analysis ({@link PlanGeometry}: the same steps, patches and switch point) and run with the CUDA plan's own
 * machinery: three kinds of {@link CudaPlan} ({@link IncrementalGraphs}) and the two kernels of
 * {@code incremental_ops.cu}.
 * <ol>
 * <li>{@link #unoccluded}: the whole model once on the unoccluded sample (row 0 of the batch buffer), keeping every
 * activation the variants read as an output of that plan (its arena slots hold them until the next call).</li>
 * <li>{@link #variants}: for each prefix step, {@code occ_inc_gather} writes each variant's read-in context of each
 * activation the step reads into the step plan's input slot {@code [B, C, context]}: from the batch buffer itself
 * for the model's input (every fill, edge policy and per-channel window is the variant writer's), else from the
 * unoccluded activation with the variant's patch from the step that made it laid over it, padded where the context
 * leaves the map (zero; minus infinity for a max pool); the step plan then convolves (cuDNN, pads 0), pools, adds
 * (the plan's kernels) over the stacked contexts, its output slot holding the patches {@code [B, C, patch]}. At the
 * switch point {@code occ_inc_stitch} writes each cut activation (unoccluded map, the variant's patch over it) into
 * the suffix plan's input slots, and the suffix runs once over the batch.</li>
 * </ol>
 * Variant {@code v} of a batch starting at window {@code first} is window {@code first + v}; its patches are those of
 * grid position {@code (first + v) % gridCount} (per-channel windows are numbered channel-major). All of it is
 * enqueued on the device's stream: no host round trip. FP32 storage only.
 */
final class IncrementalDevicePlan implements AutoCloseable {
    private final Device device;
    private final PlanGeometry geo;
    private final int batch;
    private final int gridCount;
    private final long sampleElements;
    private final PlanKernels kernels;
    private final List<CudaPlan> plans = new ArrayList<>();
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, Long> tableOffsets = new HashMap<>();
    private final String output;
    private CudaPlan base;
    private CudaPlan[] steps;
    private CudaPlan suffix;
    private Device.Buffer tables;

    private IncrementalDevicePlan(Device device, PlanGeometry geo, int batch, int gridCount, String output) {
        this.device = device;
        this.geo = geo;
        this.batch = batch;
        this.gridCount = gridCount;
        this.output = output;
        this.sampleElements = LoweringOperands.count(geo.sampleShape());
        this.kernels = new PlanKernels(device.launcher(KernelProgram.PLAN));
    }

    /**
     * Lowers the plan of {@code geo} for batches of {@code batch} variants scoring {@code output}, over a grid of
     * {@code gridCount} positions, and uploads its patch tables.
     */
    static IncrementalDevicePlan create(Device device, PlanGeometry geo, int batch, int gridCount, String output,
                                        PlanOptions options) {
        if (options.storesHalf()) {
            throw new IllegalArgumentException("the incremental plan runs with fp32 storage only");
        }
        IncrementalDevicePlan p = new IncrementalDevicePlan(device, geo, batch, gridCount, output);
        try {
            p.build(options);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void build(PlanOptions options) {
        base = lower(IncrementalGraphs.base(geo, List.of(output)), 1, options);
        steps = new CudaPlan[geo.steps().size()];
        for (int j = 0; j < steps.length; j++) {
            steps[j] = lower(IncrementalGraphs.step(geo, j, batch), batch, options);
            producer.put(geo.steps().get(j).output(), j);
        }
        suffix = lower(IncrementalGraphs.suffix(geo, batch, List.of(output)), batch, options);
        uploadTables();
    }

    private CudaPlan lower(io.occlusion4j.graph.Graph g, int b, PlanOptions options) {
        CudaPlan p = CudaPlan.create(device, PlanBuilder.build(g, b, PlanBuilder.Options.all()), b, options);
        plans.add(p);
        return p;
    }

    /** Every start table (context boxes per step and read, patch boxes per activation) in one int buffer. */
    private void uploadTables() {
        List<int[]> all = new ArrayList<>();
        long at = 0;
        for (int j = 0; j < steps.length; j++) {
            for (PlanGeometry.Read r : geo.steps().get(j).reads()) {
                tableOffsets.put(j + "/" + r.value(), at);
                all.add(r.starts());
                at += 4L * r.starts().length;
            }
        }
        for (String v : producer.keySet()) {
            int[] starts = geo.patches(v).starts();
            tableOffsets.put(v, at);
            all.add(starts);
            at += 4L * starts.length;
        }
        tables = device.allocate(Math.max(4, at));
        try (Arena arena = Arena.ofConfined()) {
            var staging = arena.allocate(Math.max(4, at), 8);
            long o = 0;
            for (int[] t : all) {
                staging.asSlice(o, 4L * t.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(t));
                o += 4L * t.length;
            }
            device.upload(staging, tables, 0);
        }
    }

    /** Elements of one sample (the model's input without its batch axis). */
    long sampleElements() {
        return sampleElements;
    }

    /** Variants per batch. */
    int batch() {
        return batch;
    }

    /** The plan that scores the variants (its output slot holds {@code [batch, K]}). */
    CudaPlan suffix() {
        return suffix;
    }

    /** The whole model for one sample, whose output slot holds the unoccluded scores after {@link #unoccluded}. */
    CudaPlan base() {
        return base;
    }

    /** The scored output. */
    String output() {
        return output;
    }

    /** The whole model on sample 0 of {@code batchBuffer} (fp32, the model's layout), keeping its activations. */
    void unoccluded(Device.Buffer batchBuffer) {
        base.copyIn(batchBuffer, base.plan().slot(geo.input()).offset(), sampleElements);
        base.forward();
    }

    /** The variants in {@code batchBuffer} ({@code [batch, sample]}, windows {@code first ...}) up to the suffix's output. */
    void variants(Device.Buffer batchBuffer, long first) {
        for (int j = 0; j < steps.length; j++) {
            for (PlanGeometry.Read r : geo.steps().get(j).reads()) {
                gather(j, r, batchBuffer, first);
            }
            steps[j].forward();
        }
        for (String v : geo.cut()) {
            if (v.equals(geo.input())) {
                suffix.copyIn(batchBuffer, suffix.plan().slot(v).offset(), batch * sampleElements);
            } else {
                stitch(v, first);
            }
        }
        suffix.forward();
    }

    private void gather(int j, PlanGeometry.Read r, Device.Buffer batchBuffer, long first) {
        PlanGeometry.Patches f = geo.patches(r.value());
        boolean fromInput = r.value().equals(geo.alias());
        Integer made = producer.get(r.value());
        if (!fromInput && made == null) {
            throw new IllegalStateException("step " + j + " reads " + r.value() + ", which no earlier step makes");
        }
        int[] k = r.size();
        int[] d = f.dims();
        int[] s = f.size();
        long work = (long) batch * f.channels() * k[0] * k[1] * k[2];
        long[] addresses = {
            steps[j].slot(r.value()).address(),
            fromInput ? batchBuffer.address() : base.slot(r.value()).address(),
            fromInput ? 0 : steps[made].slot(r.value()).address(),
            tables.address() + tableOffsets.get(j + "/" + r.value()),
            fromInput ? tables.address() : tables.address() + tableOffsets.get(r.value())};
        List<Arg> args = List.of(ptr(0), ptr(1), new Arg.I64(fromInput ? sampleElements : 0), ptr(2), ptr(3), ptr(4),
                new Arg.I64(work), new Arg.I32(f.channels()), new Arg.I32(d[0]), new Arg.I32(d[1]), new Arg.I32(d[2]),
                new Arg.I32(k[0]), new Arg.I32(k[1]), new Arg.I32(k[2]), new Arg.I32(s[0]), new Arg.I32(s[1]),
                new Arg.I32(s[2]), new Arg.F32(r.pad()), new Arg.I64(first), new Arg.I32(gridCount));
        launch("occ_inc_gather", work, args, addresses);
    }

    private void stitch(String v, long first) {
        PlanGeometry.Patches f = geo.patches(v);
        Integer made = producer.get(v);
        if (made == null) {
            throw new IllegalStateException("the suffix reads " + v + ", which no step makes");
        }
        int[] d = f.dims();
        int[] s = f.size();
        BufferSlot slot = suffix.plan().slot(v);
        long work = (long) batch * f.channels() * f.mapVolume();
        if (slot.elementCount() != work) {
            throw new IllegalStateException("the suffix's slot of " + v + " holds " + slot.elementCount()
                    + " values, the stitched batch " + work);
        }
        long[] addresses = {suffix.slot(v).address(), base.slot(v).address(), steps[made].slot(v).address(),
            tables.address() + tableOffsets.get(v)};
        List<Arg> args = List.of(ptr(0), ptr(1), ptr(2), ptr(3), new Arg.I64(work), new Arg.I32(f.channels()),
                new Arg.I32(d[0]), new Arg.I32(d[1]), new Arg.I32(d[2]), new Arg.I32(s[0]), new Arg.I32(s[1]),
                new Arg.I32(s[2]), new Arg.I64(first), new Arg.I32(gridCount));
        launch("occ_inc_stitch", work, args, addresses);
    }

    /** Pointer argument {@code i}: its address is {@code addresses[i]} at launch. */
    private static Arg.Pointer ptr(int i) {
        return Arg.Pointer.arena(i);
    }

    private void launch(String kernel, long work, List<Arg> args, long[] addresses) {
        PlanLaunch l = new PlanLaunch(kernel, work, args, new long[0]);
        kernels.launch(l, a -> addresses[(int) ((Arg.Pointer) a).offset()]);
    }

    @Override
    public void close() {
        for (int i = plans.size() - 1; i >= 0; i--) {
            plans.get(i).close();
        }
        plans.clear();
        if (tables != null) {
            tables.close();
            tables = null;
        }
    }
}
