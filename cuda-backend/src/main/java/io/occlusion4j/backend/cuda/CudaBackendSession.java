// The CUDA back end behind the engine's BackendSession SPI: the explanation loop over a CudaPlan on a Device.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.BackendException;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.ModelSignature;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.UnsupportedModelException;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.HostLoop;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.Shape;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.graph.ValueInfo;
import io.occlusion4j.kernels.KernelGeometry;
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
 * plus a few bytes (targets, constant fill values, a baseline tensor when that is the fill): the run's
 * {@link TransferLedger} counts them ({@link #explain(ExplainRequest, TransferLedger)}). Every fill, edge policy,
 * per-channel windows, both layouts, every score transform and {@code reduce(MAX)} over one output run this way,
 * on 2-D and 3-D inputs.
 *
 * <p>The rest (an explicit window subset, several selected outputs, 1-D or 4-D+ inputs, or
 * {@code -Docclusion4j.cuda.zeroCopy=false}) runs the host loop, the same loop as the CPU back end: the host
 * {@link VariantWriter} fills a pinned batch, one upload into the plan's input slot per batch, the forward
 * replayed, one download of the selected outputs. The first explanation taking the host loop logs one INFO line.
 *
 * <p>{@code --incremental} ({@link DeviceIncremental}) applies to the device path: where the CPU back end's analysis
 * and cost model choose it (fp32 storage, channels-first input, a dynamic batch), the loop scores with an
 * {@link IncrementalScorer} over an {@link IncrementalDevicePlan} instead of the plan; the stats say which and why.
 * The host loop always runs the full sweep.
 *
 * <p>Both paths give the CPU back end's results: targets resolved from the unoccluded scores, grid and pixel
 * maps, NaN/Inf in an output named with its window, the progress listener told after each forward, the same
 * {@code RunStats} (the device path counts the unoccluded forward as a forward of its own). The batch is the
 * request's, else the largest that fits free memory (at most {@value #MAX_AUTO_BATCH}). A native failure
 * becomes a {@link io.occlusion4j.BackendException} ({@link NativeFailures}). Calls are serialised (one stream,
 * one plan at a time). The session owns its {@link Device}: a GPU, or the host stand-in that runs the same
 * operations on the CPU (the tests, and checking a model without a GPU).
 */
public final class CudaBackendSession implements BackendSession {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j");
    /** Most variants per forward when the request names no batch size. */
    static final int MAX_AUTO_BATCH = 256;
    /** Device memory kept free beside the plan (workspaces, cuDNN/cuBLAS internals, the occlusion buffers). */
    static final long RESERVE_BYTES = 1L << 30;

    private final Path model;
    private final Graph graph;
    private final boolean sampleShapeFixed;
    private final Device device;
    private final ModelSignature signature;
    private final Precision precision;
    private final BackendProvider.OpenOptions options;
    private CudaPlan plan;
    private long[] planSample;
    private boolean planChecked;
    private String verification;
    private OrtBackendSession cpuFallback;
    private PlanScorer scorer;
    private boolean loggedFallback;
    private final DeviceIncremental incremental;

    private CudaBackendSession(Path model, Graph graph, Device device, Precision precision,
                               BackendProvider.OpenOptions options) {
        this.model = model;
        this.options = options;
        this.verification = options.verify() ? "not verified yet" : "not verified: the self-check is off (--no-verify)";
        this.graph = graph;
        this.sampleShapeFixed = sampleShapeFixed(graph);
        this.device = device;
        this.precision = precision;
        this.signature = signature(graph, sampleShapeFixed);
        this.incremental = new DeviceIncremental(model, device);
    }

    /**
     * Reads {@code model} and checks the plan can run it, in {@code precision}, on {@code device}, without the
     * self-check: the tests of the device loop, the benchmarks and {@code check-model} (which compare for themselves).
     */
    public static CudaBackendSession open(Path model, Precision precision, Device device) {
        return open(model, precision, device, new BackendProvider.OpenOptions(0, false, false));
    }

    /**
     * Reads {@code model} and checks the plan can run it, in {@code precision}, on {@code device}, which the session
     * then owns (and closes, also when opening fails). With {@code options.verify()} each new plan is first checked
     * against ONNX Runtime on the request's own samples ({@link SelfCheck}); a mismatch hands the session's work to
     * the CPU back end when {@code options.cpuFallback()}, else fails.
     */
    public static CudaBackendSession open(Path model, Precision precision, Device device,
                                          BackendProvider.OpenOptions options) {
        try {
            Graph graph = OnnxModelReader.read(model);
            if (graph.inputs().size() != 1) {
                throw new OcclusionException("model " + model + " has " + graph.inputs().size()
                        + " inputs; occlusion4j explains models with exactly one input");
            }
            // Every operator lowered for one sample: an unsupported node fails now, before the device is used. A
            // model whose sample shape is only known from its input (dynamic height or width) is lowered then.
            if (sampleShapeFixed(graph)) {
                PlanLowering.lower(PlanBuilder.build(graph, 1, PlanBuilder.Options.all()));
            }
            return new CudaBackendSession(model, graph, device, precision, options);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** The precision from {@code -Docclusion4j.cuda.precision} (FP32 when unset). */
    public static Precision configuredPrecision() {
        return Precision.valueOf(System.getProperty("occlusion4j.cuda.precision", "FP32"));
    }

    /** Whether every input dimension but the batch is declared as a size. */
    private static boolean sampleShapeFixed(Graph graph) {
        List<Dim> dims = graph.inputs().get(0).shape().dims();
        return dims.stream().skip(1).allMatch(d -> d instanceof Dim.Fixed);
    }

    /** The input and outputs (shapes from a one-sample plan; unknown, {@code []}, while the sample shape is open). */
    private static ModelSignature signature(Graph graph, boolean sampleShapeFixed) {
        ValueInfo in = graph.inputs().get(0);
        long[] shape = new long[in.shape().rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.shape().dim(i) instanceof Dim.Fixed(long size) ? size : -1;
        }
        Graph bound = sampleShapeFixed ? PlanBuilder.build(graph, 1, PlanBuilder.Options.none()).graph() : null;
        Plan one = sampleShapeFixed ? PlanBuilder.build(graph, 1, PlanBuilder.Options.all()) : null;
        List<ModelSignature.Output> outputs = new ArrayList<>();
        for (String o : graph.outputs()) {
            long[] s = one == null || bound.isConstant(o) ? new long[0] : one.slot(o).shape();
            if (s.length > 0 && shape.length > 0 && shape[0] < 0) {
                s[0] = -1;
            }
            outputs.add(new ModelSignature.Output(o, s, true));
        }
        return new ModelSignature(in.name(), shape, outputs);
    }

    /** The graph with its input's sample dimensions set to {@code sample} (the model's layout; the batch left open). */
    static Graph bindSample(Graph graph, long[] sample) {
        ValueInfo in = graph.inputs().get(0);
        List<Dim> dims = new ArrayList<>(in.shape().dims());
        if (dims.size() != sample.length + 1) {
            throw new OcclusionException("model input " + in.name() + " " + in.shape() + " does not take samples of shape "
                    + Arrays.toString(sample));
        }
        for (int i = 1; i < dims.size(); i++) {
            if (dims.get(i) instanceof Dim.Fixed(long size) && size != sample[i - 1]) {
                throw new OcclusionException("model input " + in.name() + " " + in.shape() + " needs " + size + " on axis "
                        + i + ", the sample has " + sample[i - 1]);
            }
            dims.set(i, Dim.of(sample[i - 1]));
        }
        return graph.withInputs(List.of(new ValueInfo(in.name(), in.type(), new Shape(dims))));
    }

    @Override
    public String name() {
        return cpuFallback != null ? cpuFallback.name() : "cuda";
    }

    @Override
    public String device() {
        return cpuFallback != null ? cpuFallback.device() : device.description() + ", CUDA plan " + precision;
    }

    /** The self-check's verdict on the current plan: "verified ...", or "not verified: why". */
    public synchronized String verification() {
        return verification;
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    /**
     * The plan for {@code batch} samples of {@code r}'s sample shape (made once per batch size and shape), or the
     * largest batch that fits.
     */
    private CudaPlan planFor(int batch, ExplainRequest r) {
        long[] sample = r.modelShape();
        if (plan != null && plan.batch() == batch && (sampleShapeFixed || Arrays.equals(planSample, sample))) {
            return plan;
        }
        if (plan != null) {
            plan.close();
            plan = null;
        }
        scorer = null;
        Graph g = sampleShapeFixed ? graph : bindSample(graph, sample);
        plan = CudaPlan.createFitting(device, g, batch, device.isHost() ? 0 : RESERVE_BYTES,
                PlanOptions.defaults(precision));
        planSample = sample;
        planChecked = false;
        return plan;
    }

    /**
     * The self-check of a new plan, on the request's unoccluded input and first variants. A mismatch under AUTO
     * logs one line naming the first diverging output and opens the CPU back end, which takes this session's work
     * from then on (true is returned); asked for by name it is an error.
     */
    private boolean checkFailed(CudaPlan p, ExplainRequest r) {
        if (!options.verify() || planChecked) {
            return false;
        }
        planChecked = true;
        SelfCheck.Verdict v;
        try {
            Graph bound = sampleShapeFixed ? graph : bindSample(graph, r.modelShape());
            v = SelfCheck.run(model, p, bound, r, precision, options.threads());
        } catch (NoClassDefFoundError e) {
            // SelfCheck links against ONNX Runtime: without it on the class path the class itself does not load.
            v = SelfCheck.Verdict.skipped("ONNX Runtime is not on the class path");
        }
        verification = v.detail();
        if (!v.diverged()) {
            return false;
        }
        if (!options.cpuFallback()) {
            throw new BackendException(name(), "the CUDA back end's self-check failed for " + model + ": " + v.detail()
                    + "; use --backend cpu, or --no-verify to skip the check");
        }
        LOG.log(System.Logger.Level.WARNING, "occlusion4j: back end cpu (the CUDA back end's self-check failed: "
                + v.detail() + ")");
        cpuFallback = OrtBackendSession.open(model, options.threads());
        return true;
    }

    @Override
    public SensitivityMap explain(ExplainRequest r) {
        return explain(r, new TransferLedger());
    }

    /** {@link #explain(ExplainRequest)}, counting the run's host-device bytes in {@code ledger} (device path). */
    public synchronized SensitivityMap explain(ExplainRequest r, TransferLedger ledger) {
        if (cpuFallback != null) {
            return cpuFallback.explain(r);
        }
        try {
            String unsupported = zeroCopyUnsupported(r);
            if (unsupported == null && precision == Precision.FP16 && r.transform().layout() == Layout.CHANNELS_LAST
                    && planFor(batchFor(r), r).isHalf(signature.inputName())) {
                unsupported = "a channels-last model input that the FP16 plan stores as fp16 NHWC of its own axes";
            }
            if (unsupported == null) {
                return explainOnDevice(r, ledger);
            }
            if (!loggedFallback) {
                loggedFallback = true;
                LOG.log(System.Logger.Level.INFO, "occlusion4j: CUDA back end runs the host variant loop (one upload per "
                        + "batch) for this request: " + unsupported);
            }
            SensitivityMap map = explainHostLoop(r);
            if (cpuFallback != null || r.settings().incremental() == io.occlusion4j.Incremental.OFF
                    && r.settings().approximate() >= 1) {
                return map;
            }
            return map.withStats(map.stats().withIncremental(DeviceIncremental.full(r, "not incremental on the CUDA back "
                    + "end: it runs incremental inference on its device loop only, and this request takes the host loop ("
                    + unsupported + ")")));
        } catch (UnsupportedOperatorException e) {
            // Met here when the sample shape (dynamic height or width) was only known from the input.
            throw new UnsupportedModelException(name(), e.getMessage(), e);
        } catch (RuntimeException | LinkageError e) {
            if (NativeFailures.isNative(e)) {
                throw NativeFailures.translate(e, "explain " + model);
            }
            throw e;
        }
    }

    /** How the current plan stores its tensors (fp32, or which fp16 NHWC regions), for logs; empty before a plan. */
    public synchronized String storage() {
        return plan == null ? "" : plan.storage();
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
        KernelGeometry g = KernelTerms.geometry(r, false);
        if (g.gridCount() != r.grid().count() || !Arrays.equals(g.gridShape(), r.grid().gridShape())) {
            return "a window grid the device kernels number differently (" + Arrays.toString(r.grid().gridShape())
                    + " vs " + Arrays.toString(g.gridShape()) + ")";
        }
        return null;
    }

    /** The device path: GpuOcclusionSession over the plan (zero copy), results as the CPU back end gives them. */
    private SensitivityMap explainOnDevice(ExplainRequest r, TransferLedger ledger) {
        CudaPlan p = planFor(batchFor(r), r);
        if (checkFailed(p, r)) {
            return cpuFallback.explain(r);
        }
        DeviceIncremental.Choice inc = incremental.choose(r, precision, signature.fixedBatch(), p.batch());
        KernelGeometry g = KernelTerms.geometry(r, inc.scorer() == null && p.isHalf(signature.inputName()));
        // Kept with the plan, never closed here.
        if (scorer == null || !scorer.output().equals(r.outputs().get(0))) {
            scorer = new PlanScorer(p, r.outputs().get(0), false);
        }
        Scorer s = inc.scorer() != null ? inc.scorer() : scorer;
        SensitivityMap map = new GpuOcclusionSession(device).explain(r, g, s, p.batch(), false, ledger,
                new GpuOcclusionSession.Runner(model.toString(), name(), device(), signature.fixedBatch() > 0, verification));
        IncrementalStats incStats = inc.scorer() == null ? inc.stats()
                : incremental.measured(inc.stats(), p, map.stats());
        map = map.withStats(map.stats().withIncremental(incStats));
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "occlusion4j: CUDA device loop, " + g.windowCount() + " windows, batch "
                    + p.batch() + ", " + ledger);
        }
        return map;
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
        int sample = writer.sampleSize();
        long fixed = signature.fixedBatch();
        int asked = fixed > 0 ? (int) fixed : r.batchSize() > 0 ? r.batchSize() : Math.min(MAX_AUTO_BATCH, r.variantCount() + 1);
        CudaPlan p = planFor(Math.max(1, asked), r);
        if (checkFailed(p, r)) {
            return cpuFallback.explain(r);
        }
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
        String input = signature.inputName();
        boolean halfSlot = p.isHalf(input);
        try (Device.HostBuffer host = device.allocateHost(4L * batch * sample);
             Device.HostBuffer outHost = device.allocateHost(4L * outFloats);
             Device.Buffer outDevice = device.allocate(4L * outFloats);
             Device.Buffer staged = halfSlot ? device.allocate(4L * batch * sample) : null) {
            Device.Buffer target = halfSlot ? staged : p.slot(input);
            List<Device.Buffer> outViews = new ArrayList<>();
            long offset = 0;
            for (BufferSlot s : outSlots) {
                outViews.add(outDevice.slice(offset, 4 * s.elementCount()));
                offset += 4 * s.elementCount();
            }
            FloatBuffer buffer = host.segment().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer[] views = new FloatBuffer[sizes.length];
            HostLoop.Forward forward = new HostLoop.Forward() {
                @Override
                public FloatBuffer[] run(int n) {
                    // The plan's batch is fixed: every row runs; rows past n hold earlier variants and are ignored.
                    device.uploadAsync(host, target);
                    if (halfSlot) {
                        // The FP16 plan stores its input as fp16 NHWC: convert the fp32 batch into the slot.
                        p.loadInput(staged, input, (long) batch * sample);
                    }
                    p.forward();
                    for (int o = 0; o < outSlots.size(); o++) {
                        p.copyOut(outSlots.get(o).offset(), outViews.get(o), outSlots.get(o).elementCount());
                    }
                    device.downloadAsync(outDevice, 0, outHost);
                    device.synchronize();
                    long at = 0;
                    for (int o = 0; o < sizes.length; o++) {
                        long bytes = 4 * outSlots.get(o).elementCount();
                        views[o] = outHost.segment().asSlice(at, bytes).asByteBuffer().order(ByteOrder.nativeOrder())
                                .asFloatBuffer();
                        at += bytes;
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
            try {
                return HostLoop.run(r, writer, new HostLoop.Batch(buffer, batch, fixed > 0), forward,
                        new HostLoop.Runner(model + " (CUDA plan)", name(), device(), verification), t0);
            } finally {
                outViews.forEach(Device.Buffer::close);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (cpuFallback != null) {
            cpuFallback.close();
        }
        scorer = null;
        incremental.close();
        if (plan != null) {
            plan.close();
            plan = null;
        }
        device.close();
    }
}
