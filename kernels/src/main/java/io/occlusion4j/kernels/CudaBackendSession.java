// The CUDA back end behind the engine's BackendSession SPI: the explanation loop over a CudaPlan.
package io.occlusion4j.kernels;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.ModelSignature;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.Scoring;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.core.WindowSubsets;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.cuda.PinnedHostBuffer;
import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ValueInfo;
import io.occlusion4j.onnx.Dim;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One model on the CUDA plan. {@link #open} reads the model and checks that the plan runs every operator
 * (lowering a batch-1 plan: an unsupported node fails here, naming it, so AUTO can fall back to the CPU).
 * {@link #explain} runs the same loop as the CPU back end (the host {@link VariantWriter} fills a pinned
 * batch, one upload into the plan's input slot per batch, the forward replayed as a CUDA graph, one download
 * of the selected outputs), so every fill, subset, reduction and output selection behaves identically. The
 * batch is the request's, else the largest that fits free memory, halved on out-of-memory. The device-side
 * variant writer with no host copies is {@link GpuOcclusionSession} with a {@link PlanScorer}.
 * Calls are serialised (one stream, one plan at a time).
 */
public final class CudaBackendSession implements BackendSession {
    /** Most variants per forward when the request names no batch size. */
    static final int MAX_AUTO_BATCH = 256;
    /** Device memory kept free beside the plan (workspaces, cuDNN/cuBLAS internals, the occlusion buffers). */
    static final long RESERVE_BYTES = 1L << 30;

    private final Path model;
    private final Graph graph;
    private final CudaContext context;
    private final PlanKernels kernels;
    private final ModelSignature signature;
    private final Precision precision;
    private CudaPlan plan;

    private CudaBackendSession(Path model, Graph graph, CudaContext context, PlanKernels kernels, Precision precision) {
        this.model = model;
        this.graph = graph;
        this.context = context;
        this.kernels = kernels;
        this.precision = precision;
        this.signature = signature(graph);
    }

    /** Reads {@code model} and checks the plan can run it; the precision from {@code -Docclusion4j.cuda.precision}. */
    public static CudaBackendSession open(Path model) {
        Precision precision = Precision.valueOf(System.getProperty("occlusion4j.cuda.precision", "FP32"));
        Graph graph = OnnxModelReader.read(model);
        if (graph.inputs().size() != 1) {
            throw new OcclusionException("model " + model + " has " + graph.inputs().size()
                    + " inputs; occlusion4j explains models with exactly one input");
        }
        // Every operator lowered for one sample: an unsupported node fails now, before the device is touched.
        PlanLowering.lower(PlanBuilder.build(graph, 1, PlanBuilder.Options.all()));
        CudaContext context = CudaContext.primary();
        PlanKernels kernels = PlanKernels.load(context, NvrtcCompiler.withDefaultCache());
        return new CudaBackendSession(model, graph, context, kernels, precision);
    }

    private static ModelSignature signature(Graph graph) {
        ValueInfo in = graph.inputs().get(0);
        long[] shape = new long[in.shape().rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.shape().dim(i) instanceof Dim.Fixed(long size) ? size : -1;
        }
        Graph bound = PlanBuilder.build(graph, 1, PlanBuilder.Options.none()).graph();
        List<ModelSignature.Output> outputs = new ArrayList<>();
        for (String o : graph.outputs()) {
            long[] s = bound.isConstant(o) ? new long[0] : PlanBuilder.build(graph, 1, PlanBuilder.Options.all()).slot(o).shape();
            if (s.length > 0 && shape.length > 0 && shape[0] < 0) {
                s[0] = -1;
            }
            outputs.add(new ModelSignature.Output(o, s, true));
        }
        return new ModelSignature(in.name(), shape, outputs);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String device() {
        return context.device().name() + " (" + context.device().architecture() + "), CUDA plan " + precision;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    private CudaPlan planFor(int batch) {
        if (plan != null && plan.batch() == batch) {
            return plan;
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
        plan = CudaPlan.createFitting(context, kernels, graph, batch, RESERVE_BYTES, CudaPlan.Options.defaults(precision));
        return plan;
    }

    @Override
    public synchronized SensitivityMap explain(ExplainRequest r) {
        long t0 = System.nanoTime();
        VariantWriter writer = new VariantWriter(r.input(), r.channels(), r.grid(), r.perChannel(), r.fill(), r.transform());
        int windows = writer.count();
        int variants = r.variantCount();
        int sample = writer.sampleSize();
        long fixed = signature.fixedBatch();
        int asked = fixed > 0 ? (int) fixed : r.batchSize() > 0 ? r.batchSize() : Math.min(MAX_AUTO_BATCH, variants + 1);
        CudaPlan p = planFor(Math.max(1, asked));
        int batch = p.batch();
        String outputLabel = String.join("+", r.outputs());
        List<BufferSlot> outSlots = new ArrayList<>();
        int[] sizes = new int[r.outputs().size()];
        int[] last = new int[r.outputs().size()];
        long outFloats = 0;
        for (int o = 0; o < sizes.length; o++) {
            BufferSlot s = p.plan().slot(r.outputs().get(o));
            long[] shape = s.shape();
            outSlots.add(s);
            sizes[o] = Math.toIntExact(s.elementCount() / shape[0]);
            last[o] = shape.length > 1 ? (int) shape[shape.length - 1] : 1;
            outFloats += s.elementCount();
        }
        BufferSlot inSlot = p.plan().slot(signature.inputName());
        try (CudaStream stream = context.createStream();
             PinnedHostBuffer host = context.allocatePinned(4L * batch * sample);
             PinnedHostBuffer outHost = context.allocatePinned(4L * outFloats);
             DeviceBuffer outDevice = context.allocate(4L * outFloats);
             DeviceBuffer input = p.slot(signature.inputName())) {
            FloatBuffer buffer = host.segment().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int s = 0; s < batch; s++) {
                writer.writeBase(buffer, s);
            }
            int jobs = variants + 1;
            int[] slotWindow = new int[batch];
            Arrays.fill(slotWindow, -1);
            Scoring scoring = new Scoring(r.score(), r.reduce(), sizes, last);
            float[] base = new float[scoring.count()];
            float[] row = new float[scoring.count()];
            int[] targets = null;
            float[] baseAtTarget = null;
            float[][] grid = null;
            int forwards = 0;
            FloatBuffer[] views = new FloatBuffer[sizes.length];
            for (int first = 0; first < jobs; first += batch) {
                int n = Math.min(batch, jobs - first);
                for (int s = 0; s < n; s++) {
                    int window = first + s == 0 ? -1 : r.window(first + s - 1);
                    if (slotWindow[s] >= 0) {
                        writer.restore(buffer, s, slotWindow[s]);
                    }
                    if (window >= 0) {
                        writer.occlude(buffer, s, window);
                    }
                    slotWindow[s] = window;
                }
                input.copyFromAsync(host, stream);
                p.forward(stream);
                long at = 0;
                for (int o = 0; o < sizes.length; o++) {
                    p.copyOut(stream, outSlots.get(o).offset(), slice(outDevice, at), outSlots.get(o).elementCount());
                    at += 4 * outSlots.get(o).elementCount();
                }
                outDevice.copyToAsync(outHost, stream);
                stream.synchronize();
                at = 0;
                for (int o = 0; o < sizes.length; o++) {
                    views[o] = outHost.segment().asSlice(at, 4 * outSlots.get(o).elementCount()).asByteBuffer()
                            .order(ByteOrder.nativeOrder()).asFloatBuffer();
                    at += 4 * outSlots.get(o).elementCount();
                }
                forwards++;
                int s0 = 0;
                if (first == 0) {
                    if (!scoring.scores(views, 0, base)) {
                        throw new OcclusionException("model output " + outputLabel + " of " + model
                                + " contains NaN or Inf for the unoccluded input (CUDA plan)");
                    }
                    targets = r.targets().resolve(base, outputLabel);
                    baseAtTarget = new float[targets.length];
                    for (int t = 0; t < targets.length; t++) {
                        baseAtTarget[t] = base[targets[t]];
                    }
                    grid = new float[targets.length][windows];
                    if (r.windows() != null) {
                        for (float[] g : grid) {
                            Arrays.fill(g, Float.NaN);
                        }
                    }
                    s0 = 1;
                }
                for (int s = s0; s < n; s++) {
                    int window = r.window(first + s - 1);
                    if (!scoring.scores(views, s, row)) {
                        throw new OcclusionException("model output " + outputLabel + " of " + model
                                + " contains NaN or Inf for the variant occluding window " + window + " of " + windows
                                + " (CUDA plan)");
                    }
                    for (int t = 0; t < targets.length; t++) {
                        grid[t][window] = baseAtTarget[t] - row[targets[t]];
                    }
                }
                if (r.progress() != null) {
                    r.progress().progress(first + n - 1, variants);
                }
            }
            float[][] pixel = new float[targets.length][];
            int mapChannels = r.perChannel() ? r.channels() : 1;
            for (int t = 0; t < targets.length; t++) {
                pixel[t] = r.windows() == null ? Reductions.pixelMap(grid[t], r.grid(), mapChannels)
                        : WindowSubsets.pixelMap(grid[t], r.grid(), mapChannels);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            RunStats stats = new RunStats(variants, forwards, batch, fixed > 0, seconds, variants / seconds, name(), device());
            if (inSlot.bytes() < 4L * batch * sample) {
                throw new IllegalStateException("input slot smaller than the batch");
            }
            return new SensitivityMap(r.grid(), r.perChannel(), r.channels(), outputLabel, targets, base, grid, pixel, stats);
        }
    }

    private static DeviceBuffer slice(DeviceBuffer b, long offset) {
        return b.slice(offset, b.byteSize() - offset);
    }

    @Override
    public synchronized void close() {
        if (plan != null) {
            plan.close();
            plan = null;
        }
        kernels.close();
    }
}
