// The CUDA back end behind the engine's BackendSession SPI: the explanation loop over a CudaPlan.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.Reduce;
import io.occlusion4j.RunStats;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.HostLoop;
import io.occlusion4j.core.InputTransform;
import io.occlusion4j.core.ModelSignature;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.cuda.PinnedHostBuffer;
import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ValueInfo;
import io.occlusion4j.kernels.EdgePolicy;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.OcclusionKernels;
import io.occlusion4j.kernels.PlanKernels;
import io.occlusion4j.kernels.ScoreTransform;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One model on the CUDA plan. {@link #open} reads the model and checks that the plan runs every operator
 * (lowering a batch-1 plan: an unsupported node fails here, naming it, so AUTO can fall back to the CPU).
 *
 * <p>{@link #explain} runs the DESIGN loop on the device with no host copies inside it whenever the device
 * kernels cover the request ({@link #zeroCopyUnsupported} says when they do not): a {@link GpuOcclusionSession}
 * with a {@link PlanScorer}, the variant writer writing straight into the plan's input slot. Host-device
 * traffic per run is then the input (with its normalisation) once, the base scores once and the maps once,
 * plus a few bytes (targets, constant fill values, a baseline tensor when that is the fill). Every fill,
 * edge policy, per-channel windows, both layouts, every score transform and {@code reduce(MAX)} over one
 * output run this way, on 2-D and 3-D inputs.
 *
 * <p>The rest (an explicit window subset, several selected outputs, 1-D or 4-D+ inputs, or
 * {@code -Docclusion4j.cuda.zeroCopy=false}) runs the host loop, the same loop as the CPU back end: the host
 * {@link VariantWriter} fills a pinned batch, one upload into the plan's input slot per batch, the forward
 * replayed as a CUDA graph, one download of the selected outputs. The first explanation taking the host loop
 * logs one INFO line naming why.
 *
 * <p>Both paths give the CPU back end's results: targets resolved from the unoccluded scores, grid and pixel
 * maps, NaN/Inf in an output named with its window, the progress listener told after each forward (on the
 * device path: after each batch has finished on the device), the same {@link RunStats} (the device path
 * counts the unoccluded forward as a forward of its own). The batch is the request's, else the largest that
 * fits free memory (at most {@value #MAX_AUTO_BATCH}), halved on out-of-memory. Calls are serialised (one
 * stream, one plan at a time).
 */
public final class CudaBackendSession implements BackendSession {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j");
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
    private OcclusionKernels occlusionKernels;
    private PlanScorer scorer;
    private boolean loggedFallback;
    private static volatile TransferLedger lastLedger;

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
        return open(model, Precision.valueOf(System.getProperty("occlusion4j.cuda.precision", "FP32")));
    }

    /** Reads {@code model} and checks the plan can run it, in {@code precision}. */
    public static CudaBackendSession open(Path model, Precision precision) {
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
        scorer = null;
        plan = CudaPlan.createFitting(context, kernels, graph, batch, RESERVE_BYTES, CudaPlan.Options.defaults(precision));
        return plan;
    }

    @Override
    public synchronized SensitivityMap explain(ExplainRequest r) {
        String unsupported = zeroCopyUnsupported(r);
        if (unsupported == null && precision == Precision.FP16 && r.transform().layout() == Layout.CHANNELS_LAST
                && planFor(batchFor(r)).isHalf(signature.inputName())) {
            unsupported = "a channels-last model input that the FP16 plan stores as fp16 NHWC of its own axes";
        }
        if (unsupported == null) {
            return explainOnDevice(r);
        }
        if (!loggedFallback) {
            loggedFallback = true;
            LOG.log(System.Logger.Level.INFO, "occlusion4j: CUDA back end runs the host variant loop (one upload per batch) for "
                    + "this request: " + unsupported);
        }
        return explainHostLoop(r);
    }

    /** Host<->device bytes of the last explanation that ran on the device path (any session), or null. */
    public static TransferLedger lastDeviceLedger() {
        return lastLedger;
    }

    /**
     * Null when {@link #explain} runs {@code r} on the device path (variants written on the device, zero copy),
     * else why it takes the host loop.
     */
    public static String zeroCopyUnsupported(ExplainRequest r) {
        if (!Boolean.parseBoolean(System.getProperty("occlusion4j.cuda.zeroCopy", "true"))) {
            return "the device path is switched off (-Docclusion4j.cuda.zeroCopy=false)";
        }
        if (r.windows() != null) {
            return "an explicit window subset (the device loop scores every window)";
        }
        if (r.outputs().size() != 1) {
            return r.outputs().size() + " selected outputs (the device loop scores one output)";
        }
        int rank = r.grid().rank();
        if (rank < 2 || rank > 3) {
            return rank + " spatial axes (the device kernels take 2 or 3)";
        }
        if (r.transform().channels() != r.channels()) {
            return "a normalisation of " + r.transform().channels() + " channels for " + r.channels();
        }
        if (r.fill() instanceof Fill.Baseline b && b.tensor().size() != r.data().length) {
            return "a baseline of " + b.tensor().size() + " values for an input of " + r.data().length;
        }
        KernelGeometry g = geometry(r);
        if (g.gridCount() != r.grid().count() || !Arrays.equals(g.gridShape(), r.grid().gridShape())) {
            return "a window grid the device kernels number differently (" + Arrays.toString(r.grid().gridShape())
                    + " vs " + Arrays.toString(g.gridShape()) + ")";
        }
        return null;
    }

    /** The kernels' geometry of {@code r} for an fp32 input slot in the model's layout. */
    static KernelGeometry geometry(ExplainRequest r) {
        return geometry(r, false);
    }

    /**
     * The kernels' geometry of {@code r}: fp32 variants in the model's layout, or, for a plan that stores its
     * input as fp16 NHWC ({@code halfSlot}), fp16 variants channels-last.
     */
    static KernelGeometry geometry(ExplainRequest r, boolean halfSlot) {
        WindowGrid grid = r.grid();
        return new KernelGeometry(r.channels(), grid.spatialShape(), grid.window(), grid.stride(),
                EdgePolicy.valueOf(grid.edge().name()), halfSlot || r.transform().layout() == Layout.CHANNELS_LAST, halfSlot,
                r.perChannel());
    }

    /** The engine's fill in the kernels' terms. */
    static FillSpec fillSpec(Fill fill) {
        return switch (fill) {
            case Fill.Constant c -> new FillSpec.Constant(c.values().clone());
            case Fill.Mean m -> new FillSpec.ChannelMean();
            case Fill.Blur b -> new FillSpec.Blur(b.sigma());
            case Fill.Noise n -> new FillSpec.Noise(n.seed(), n.low(), n.high());
            case Fill.Baseline b -> new FillSpec.Baseline(b.tensor().data());
            case Fill.GaussianWindow w -> new FillSpec.SoftWindow(w.sigma());
        };
    }

    static ScoreTransform scoreTransform(Score score) {
        return ScoreTransform.valueOf(score.name());
    }

    /** The device path: GpuOcclusionSession over the plan (zero copy), results as the CPU back end gives them. */
    private SensitivityMap explainOnDevice(ExplainRequest r) {
        long t0 = System.nanoTime();
        long fixed = signature.fixedBatch();
        CudaPlan p = planFor(batchFor(r));
        KernelGeometry g = geometry(r, p.isHalf(signature.inputName()));
        int windows = Math.toIntExact(g.windowCount());
        if (occlusionKernels == null) {
            occlusionKernels = OcclusionKernels.load(context, NvrtcCompiler.withDefaultCache());
        }
        String outputLabel = String.join("+", r.outputs());
        // Kept with the plan, never closed here (closing a PlanScorer closes its plan).
        if (scorer == null || !scorer.output().equals(r.outputs().get(0))) {
            scorer = new PlanScorer(p, r.outputs().get(0), false);
        }
        // Rows past a short batch still run through the plan: start them from zeros, not stale memory.
        scorer.inputBuffer().fill32(0);
        InputTransform t = r.transform();
        ProgressListener listener = r.progress();
        GpuOcclusionSession.Progress progress = listener == null ? null
                : (done, total) -> listener.progress((int) done, (int) total);
        GpuOcclusionSession.Request request = new GpuOcclusionSession.Request(r.data(), g, fillSpec(r.fill()), t.mean(),
                t.std(), scoreTransform(r.score()), r.reduce() == Reduce.MAX, p.batch(),
                base -> r.targets().resolve(base, outputLabel), false, progress);
        GpuOcclusionSession.Result result;
        try {
            result = new GpuOcclusionSession(context, occlusionKernels).explain(request, scorer);
        } catch (GpuOcclusionSession.NonFiniteOutputException e) {
            throw new OcclusionException(e.window() < 0
                    ? "model output " + outputLabel + " of " + model + " contains NaN or Inf for the unoccluded input (CUDA plan)"
                    : "model output " + outputLabel + " of " + model + " contains NaN or Inf for the variant occluding window "
                      + e.window() + " of " + windows + " (CUDA plan)");
        }
        lastLedger = result.ledger();
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "occlusion4j: CUDA device loop, " + windows + " windows, batch " + result.batch()
                    + ", " + result.ledger());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        RunStats stats = new RunStats(windows, Math.toIntExact(result.forwards()), p.batch(), fixed > 0, seconds,
                windows / seconds, name(), device());
        return new SensitivityMap(r.grid(), r.perChannel(), r.channels(), outputLabel, result.targets(), result.baseScores(),
                result.gridMap(), result.pixelMap(), stats);
    }

    /** The batch the device path asks the plan for: the model's fixed batch, the request's, or up to MAX_AUTO_BATCH. */
    private int batchFor(ExplainRequest r) {
        long fixed = signature.fixedBatch();
        int windows = r.windowCount();
        return Math.max(1, fixed > 0 ? (int) fixed : r.batchSize() > 0 ? r.batchSize()
                : Math.min(MAX_AUTO_BATCH, Math.max(1, windows)));
    }

    /** The host loop, the CPU back end's loop shape with one upload per batch: for what the device path does not run. */
    private SensitivityMap explainHostLoop(ExplainRequest r) {
        long t0 = System.nanoTime();
        VariantWriter writer = VariantWriter.of(r);
        int variants = r.variantCount();
        int sample = writer.sampleSize();
        long fixed = signature.fixedBatch();
        int asked = fixed > 0 ? (int) fixed : r.batchSize() > 0 ? r.batchSize() : Math.min(MAX_AUTO_BATCH, variants + 1);
        CudaPlan p = planFor(Math.max(1, asked));
        int batch = p.batch();
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
        if (inSlot.bytes() < 4L * batch * sample) {
            throw new IllegalStateException("the plan's input slot holds " + inSlot.bytes() + " bytes, less than a batch of "
                    + batch + " samples");
        }
        try (CudaStream stream = context.createStream();
             PinnedHostBuffer host = context.allocatePinned(4L * batch * sample);
             PinnedHostBuffer outHost = context.allocatePinned(4L * outFloats);
             DeviceBuffer outDevice = context.allocate(4L * outFloats);
             DeviceBuffer input = p.isHalf(signature.inputName()) ? context.allocate(4L * batch * sample)
                     : p.slot(signature.inputName())) {
            FloatBuffer buffer = host.segment().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer[] views = new FloatBuffer[sizes.length];
            HostLoop.Forward forward = new HostLoop.Forward() {
                @Override
                public FloatBuffer[] run(int n) {
                    // The plan's batch is fixed: every row runs; rows past n hold earlier variants and are ignored.
                    input.copyFromAsync(host, stream);
                    if (p.isHalf(signature.inputName())) {
                        // The FP16 plan stores its input as fp16 NHWC: convert the fp32 batch into the slot.
                        p.loadInput(stream, input, signature.inputName(), (long) batch * sample);
                    }
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
                    return views;
                }

                @Override
                public int[] outputSizes() {
                    return sizes;
                }

                @Override
                public int[] lastAxis() {
                    return last;
                }
            };
            return HostLoop.run(r, writer, new HostLoop.Batch(buffer, batch, fixed > 0), forward,
                    new HostLoop.Runner(model + " (CUDA plan)", name(), device()), t0);
        }
    }

    private static DeviceBuffer slice(DeviceBuffer b, long offset) {
        return b.slice(offset, b.byteSize() - offset);
    }

    @Override
    public synchronized void close() {
        scorer = null;
        if (plan != null) {
            plan.close();
            plan = null;
        }
        if (occlusionKernels != null) {
            occlusionKernels.close();
            occlusionKernels = null;
        }
        kernels.close();
    }
}
