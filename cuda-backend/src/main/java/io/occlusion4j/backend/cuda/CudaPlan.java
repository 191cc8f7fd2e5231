// The CUDA inference plan: the engine's Plan on one device arena, cuDNN, cuBLAS and plan_ops.cu, replayed as a graph.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.backend.cuda.PlanLowering.Lowered;
import io.occlusion4j.cuda.CublasHandle;
import io.occlusion4j.cuda.CublasHandle.Transpose;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaGraph;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.Cudnn;
import io.occlusion4j.cuda.CudnnActivationDescriptor;
import io.occlusion4j.cuda.CudnnConvolutionDescriptor;
import io.occlusion4j.cuda.CudnnException;
import io.occlusion4j.cuda.CudnnFilterDescriptor;
import io.occlusion4j.cuda.CudnnHandle;
import io.occlusion4j.cuda.CudnnTensorDescriptor;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.NativeCallException;
import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.TensorValue;
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
 * Runs a {@link Plan} on the GPU. Built once per batch size: one arena of {@link Plan#arenaBytes()} for
 * every activation, the weights uploaded once into one buffer, every launch's shape metadata uploaded once,
 * cuDNN descriptors and the algorithm of each convolution chosen once ({@code cudnnFindConvolutionForwardAlgorithm},
 * or the {@code _v7} heuristics), one workspace of the largest need. Convolutions run as
 * {@code cudnnConvolutionBiasActivationForward}: ReLU when fused, IDENTITY otherwise (which cuDNN accepts only
 * with {@code IMPLICIT_PRECOMP_GEMM}, so that algorithm is used there), the residual as its {@code z}.
 * {@link #forward} runs the steps once eagerly (a warm-up that also surfaces launch errors with a
 * synchronisation), captures them as a CUDA graph and from then on replays the graph; inside a caller's
 * capture it enqueues the steps directly. Graph inputs are written straight into their arena slots
 * ({@link #slot}): the occlusion variant writer writes there, no copy.
 */
public final class CudaPlan implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CudaPlan.class.getName());
    private static final long ALIGN = 256;

    /**
     * @param precision      convolution and GEMM arithmetic
     * @param benchmark      rank convolution algorithms by running them (find) rather than by heuristics
     * @param captureGraph   replay the forward as a CUDA graph
     * @param workspaceLimit the most bytes one convolution's workspace may take
     * @param halfStorage    in FP16, store the tensor-core regions as fp16 NHWC ({@link HalfRegions}); ignored
     *                       in FP32 and TF32
     */
    public record Options(Precision precision, boolean benchmark, boolean captureGraph, long workspaceLimit,
                          boolean halfStorage) {
        public static Options defaults(Precision precision) {
            return new Options(precision, true, true, 1L << 30, precision == Precision.FP16);
        }

        /** These options with fp16 storage off (FP16 then is a math mode over fp32 storage). */
        public Options withoutHalfStorage() {
            return new Options(precision, benchmark, captureGraph, workspaceLimit, false);
        }

        boolean storesHalf() {
            return halfStorage && precision == Precision.FP16;
        }
    }

    private record Conv(Lowered.Convolution lowered, CudnnTensorDescriptor x, CudnnFilterDescriptor w,
                        CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y, CudnnTensorDescriptor bias,
                        CudnnActivationDescriptor activation, int algorithm, long workspaceBytes) {
        void close() {
            x.close();
            w.close();
            conv.close();
            y.close();
            bias.close();
            activation.close();
        }
    }

    private final CudaContext context;
    private final Plan plan;
    private final int batch;
    private final Options options;
    private final PlanKernels kernels;
    private final PlanLowering.Lowering lowering;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Map<String, Long> weightOffsets = new LinkedHashMap<>();
    private final Map<PlanLaunch, Long> metaOffsets = new IdentityHashMap<>();
    private final Map<PlanStep, Conv> convs = new IdentityHashMap<>();
    private final Map<String, PlanLaunch> inputConversions;
    private DeviceBuffer arena;
    private DeviceBuffer weights;
    private DeviceBuffer scratch;
    private DeviceBuffer meta;
    private DeviceBuffer workspace;
    private DeviceBuffer zeroBias;
    private CudnnHandle cudnn;
    private CublasHandle cublas;
    private CudaStream boundStream;
    private CudaGraph graph;

    /** cuDNN refused the fp16 NHWC form of the convolution of plan step {@code step}. */
    private static final class HalfConvolutionRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int step;

        HalfConvolutionRefused(int step, String node, CudnnException cause) {
            super("cuDNN refused the fp16 NHWC convolution '" + node + "': " + cause.getMessage(), cause);
            this.step = step;
        }
    }

    private CudaPlan(CudaContext context, PlanKernels kernels, Plan plan, int batch, Options options,
                     Set<Integer> fp32Steps) {
        this.context = context;
        this.kernels = kernels;
        this.plan = plan;
        this.batch = batch;
        this.options = options;
        this.lowering = PlanLowering.lower(plan, options.storesHalf(), fp32Steps);
        this.inputConversions = inputConversionLaunches();
    }

    /**
     * Builds the device side of {@code plan} (made for {@code batch} samples). In FP16 with fp16 storage the
     * plan runs once eagerly before it is returned. A convolution whose fp16 NHWC form cuDNN refuses (a shape
     * or algorithm its library build does not run, when it is described or when it first runs) is rebuilt in
     * fp32 storage alone, its neighbours staying fp16, and the log names it; any other cuDNN refusal rebuilds
     * the whole plan with fp32 storage, also logged, rather than failing.
     */
    public static CudaPlan create(CudaContext context, PlanKernels kernels, Plan plan, int batch, Options options) {
        Set<Integer> fp32Steps = new HashSet<>();
        while (true) {
            try {
                CudaPlan p = createExactly(context, kernels, plan, batch, options, fp32Steps);
                if (options.storesHalf()) {
                    // One eager forward now, so a convolution cuDNN describes but will not run shows here.
                    try (CudaStream s = context.createStream()) {
                        p.enqueue(s);
                        s.synchronize();
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
                if (!options.storesHalf() || isOutOfMemory(e)) {
                    throw e;
                }
                LOG.warning("occlusion4j: cuDNN refused the FP16 plan's fp16 NHWC storage (" + e.getMessage()
                        + "); building it with fp32 storage and FP16 math instead");
                return createExactly(context, kernels, plan, batch, options.withoutHalfStorage(), Set.of());
            }
        }
    }

    private static CudaPlan createExactly(CudaContext context, PlanKernels kernels, Plan plan, int batch, Options options,
                                          Set<Integer> fp32Steps) {
        CudaPlan p = new CudaPlan(context, kernels, plan, batch, options, fp32Steps);
        try {
            p.allocate();
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * The plan for the largest batch, at most {@code maxBatch}, that fits the device's free memory
     * ({@link PlanBuilder#largestBatch}, with a reserve for workspaces and the occlusion buffers), halving
     * the batch and retrying when an allocation still runs out of memory.
     */
    public static CudaPlan createFitting(CudaContext context, PlanKernels kernels, Graph graph, int maxBatch,
                                         long reserveBytes, Options options) {
        long free = context.memoryInfo().freeBytes();
        int b = PlanBuilder.largestBatch(graph, free, reserveBytes, Math.max(1, maxBatch));
        if (b < 1) {
            throw new IllegalStateException("the plan of '" + graph.name() + "' does not fit one sample in the "
                    + free + " free bytes of the device (reserve " + reserveBytes + ")");
        }
        while (true) {
            try {
                return create(context, kernels, PlanBuilder.build(graph, b, PlanBuilder.Options.all()), b, options);
            } catch (NativeCallException e) {
                if (!isOutOfMemory(e) || b == 1) {
                    throw e;
                }
                int half = b / 2;
                LOG.info("occlusion4j: CUDA plan for batch " + b + " ran out of memory (" + e.codeName()
                        + " in " + e.call() + "); retrying with batch " + half);
                b = half;
            }
        }
    }

    static boolean isOutOfMemory(NativeCallException e) {
        String name = e.codeName() == null ? "" : e.codeName();
        return name.contains("OUT_OF_MEMORY") || name.contains("ALLOC");
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

    /** The arena slot of a graph input or output, as a buffer view. */
    public DeviceBuffer slot(String value) {
        var s = plan.slot(value);
        DeviceBuffer view = arena.slice(s.offset(), s.bytes());
        owned.add(view);
        return view;
    }

    /** Bytes this plan holds on the device (arena, weights, scratch, metadata, workspace). */
    public long deviceBytes() {
        long b = 0;
        for (DeviceBuffer d : new DeviceBuffer[] {arena, weights, scratch, meta, workspace, zeroBias}) {
            b += d == null ? 0 : d.byteSize();
        }
        return b;
    }

    private void allocate() {
        arena = own(context.allocate(Math.max(ALIGN, lowering.arenaBytes())));
        uploadWeights();
        if (lowering.scratchBytes() > 0) {
            scratch = own(context.allocate(lowering.scratchBytes()));
        }
        uploadMeta();
        cudnn = CudnnHandle.create(context);
        owned.add(cudnn);
        cublas = CublasHandle.create(context);
        owned.add(cublas);
        cublas.setMathMode(switch (options.precision()) {
            case FP32 -> CublasHandle.MathMode.PEDANTIC;
            case TF32 -> CublasHandle.MathMode.TF32_TENSOR_OP;
            case FP16 -> CublasHandle.MathMode.DEFAULT;
        });
        long maxChannels = 1;
        for (Lowered l : lowering.steps()) {
            if (l instanceof Lowered.Convolution c) {
                maxChannels = Math.max(maxChannels, c.conv().outChannels());
            }
        }
        zeroBias = own(context.allocate(4 * maxChannels));
        zeroBias.fill((byte) 0);
        long work = 0;
        for (Lowered l : lowering.steps()) {
            if (l instanceof Lowered.Convolution c) {
                Conv conv = describe(c);
                convs.put(c.step(), conv);
                work = Math.max(work, conv.workspaceBytes());
            }
        }
        if (work > 0) {
            workspace = own(context.allocate(work));
        }
    }

    private DeviceBuffer own(DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    private void uploadWeights() {
        Map<String, TensorValue> all = new LinkedHashMap<>(plan.weights());
        all.putAll(lowering.extraWeights());
        long size = 0;
        for (Map.Entry<String, TensorValue> e : all.entrySet()) {
            if (e.getValue().type() == DataType.FLOAT && e.getValue().size() > 0) {
                weightOffsets.put(e.getKey(), size);
                size += align(4L * e.getValue().size());
            }
        }
        Map<String, short[]> halves = new LinkedHashMap<>();
        for (Map.Entry<String, PlanLowering.HalfWeight> e : lowering.halfWeights().entrySet()) {
            short[] h = halfWeight(all.get(e.getValue().source()), e.getValue().channelsLast());
            halves.put(e.getKey(), h);
            weightOffsets.put(e.getKey(), size);
            size += align(2L * Math.max(1, h.length));
        }
        weights = own(context.allocate(Math.max(ALIGN, size)));
        try (Arena host = Arena.ofConfined()) {
            MemorySegment staging = host.allocate(Math.max(ALIGN, size), 64);
            for (Map.Entry<String, Long> e : weightOffsets.entrySet()) {
                short[] h = halves.get(e.getKey());
                if (h != null) {
                    MemorySegment.copy(h, 0, staging, ValueLayout.JAVA_SHORT, e.getValue(), h.length);
                } else {
                    float[] v = all.get(e.getKey()).floats();
                    MemorySegment.copy(v, 0, staging, ValueLayout.JAVA_FLOAT, e.getValue(), v.length);
                }
            }
            weights.copyFrom(staging);
        }
    }

    /**
     * A weight as fp16 bits (round to nearest even); a filter {@code [K, C, spatial...]} reordered to
     * {@code [K, spatial..., C]} when {@code channelsLast}.
     */
    public static short[] halfWeight(TensorValue w, boolean channelsLast) {
        float[] v = w.floats();
        short[] h = new short[v.length];
        long[] s = w.shape();
        if (!channelsLast || s.length < 3) {
            for (int i = 0; i < v.length; i++) {
                h[i] = Float.floatToFloat16(v[i]);
            }
            return h;
        }
        int k = (int) s[0];
        int c = (int) s[1];
        int spatial = v.length / Math.max(1, k * c);
        for (int o = 0; o < k; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < spatial; p++) {
                    h[(o * spatial + p) * c + ch] = Float.floatToFloat16(v[(o * c + ch) * spatial + p]);
                }
            }
        }
        return h;
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
    public void loadInput(CudaStream stream, DeviceBuffer source, String input, long elements) {
        PlanLaunch l = inputConversions.get(input);
        if (l == null) {
            copyIn(stream, source, plan.slot(input).offset(), elements);
            return;
        }
        if (source.byteSize() < 4L * plan.slot(input).elementCount()) {
            throw new IllegalArgumentException("an fp16 input slot converts a whole batch: the source holds "
                    + source.byteSize() + " bytes, the batch " + 4L * plan.slot(input).elementCount());
        }
        kernels.launch(stream, l, a -> a == l.args().get(0) ? source.address() : address(l, a));
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
            m.put(in.name(), PlanLowering.toHalfChannelsLast(Arg.Pointer.arena(0), Arg.Pointer.arena(s.offset()), s.shape()));
        }
        return m;
    }

    private void uploadMeta() {
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
        long words = 0;
        for (PlanLaunch l : launches) {
            metaOffsets.put(l, words);
            words += l.meta().length;
        }
        meta = own(context.allocate(Math.max(8, 8 * words)));
        if (words > 0) {
            try (Arena host = Arena.ofConfined()) {
                MemorySegment staging = host.allocate(8 * words, 8);
                for (PlanLaunch l : launches) {
                    long[] m = l.meta();
                    MemorySegment.copy(m, 0, staging, ValueLayout.JAVA_LONG, 8 * metaOffsets.get(l), m.length);
                }
                meta.copyFrom(staging);
            }
        }
    }

    private static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    private long address(PlanLaunch launch, Arg a) {
        return switch (a) {
            case Arg.Pointer(PlanLaunch.Region region, String weight, long offset) -> switch (region) {
                case ARENA -> arena.address() + offset;
                case SCRATCH -> scratch.address() + offset;
                case WEIGHT -> {
                    Long at = weightOffsets.get(weight);
                    if (at == null) {
                        throw new IllegalStateException("weight '" + weight + "' is not on the device");
                    }
                    yield weights.address() + at + offset;
                }
            };
            case Arg.Meta m -> meta.address() + 8 * metaOffsets.get(launch);
            default -> throw new IllegalArgumentException("not a pointer: " + a);
        };
    }

    /** A buffer view from a pointer to the end of its region (the safe layer checks sizes as lower bounds). */
    private DeviceBuffer view(Arg.Pointer p) {
        DeviceBuffer region = switch (p.region()) {
            case ARENA -> arena;
            case SCRATCH -> scratch;
            case WEIGHT -> weights;
        };
        long offset = address(null, p) - region.address();
        DeviceBuffer v = region.slice(offset, region.byteSize() - offset);
        owned.add(v);
        return v;
    }

    private static int[] ints(long[] v, int extra, int fill) {
        int[] r = new int[v.length + extra];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.toIntExact(v[i]);
        }
        for (int i = v.length; i < r.length; i++) {
            r[i] = fill;
        }
        return r;
    }

    private Conv describe(Lowered.Convolution c) {
        if (c.half()) {
            try {
                return describeHalf(c);
            } catch (CudnnException e) {
                if (isOutOfMemory(e)) {
                    throw e;
                }
                throw new HalfConvolutionRefused(c.step().index(), c.step().node().name(), e);
            }
        }
        ConvDescriptor d = c.conv();
        // cuDNN wants at least 2 spatial axes: a 1-D convolution becomes [N, C, L, 1] with a 1-wide kernel.
        int extra = d.spatialRank() == 1 ? 1 : 0;
        CudnnTensorDescriptor x = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(c.inputShape(), extra, 1));
        long[] w = new long[2 + d.spatialRank()];
        w[0] = d.outChannels();
        w[1] = d.inChannels() / d.groups();
        System.arraycopy(d.kernel(), 0, w, 2, d.spatialRank());
        CudnnFilterDescriptor filter = CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, ints(w, extra, 1));
        CudnnConvolutionDescriptor conv = CudnnConvolutionDescriptor.of(ints(c.padsBegin(), extra, 0),
                ints(d.strides(), extra, 1), ints(d.dilations(), extra, 1), Cudnn.DataType.FLOAT);
        conv.setGroupCount(Math.toIntExact(d.groups()));
        conv.setMathType(switch (options.precision()) {
            case FP32 -> Cudnn.MathType.FMA;
            case TF32 -> Cudnn.MathType.DEFAULT;
            case FP16 -> Cudnn.MathType.TENSOR_OP_ALLOW_CONVERSION;
        });
        CudnnTensorDescriptor y = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(c.outputShape(), extra, 1));
        long[] b = new long[c.outputShape().length];
        java.util.Arrays.fill(b, 1);
        b[1] = d.outChannels();
        CudnnTensorDescriptor bias = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, ints(b, extra, 1));
        CudnnActivationDescriptor act = CudnnActivationDescriptor.of(d.relu() ? Cudnn.Activation.RELU
                : Cudnn.Activation.IDENTITY, 0.0);
        return withAlgorithm(c, x, filter, conv, y, bias, act);
    }

    /**
     * A 2-D convolution on fp16 NHWC tensors: x, y (and z) HALF with channels-last strides, the filter HALF in
     * {@code CUDNN_TENSOR_NHWC} order, the bias HALF, fp32 accumulation ({@code CUDNN_DATA_FLOAT} compute
     * type) with tensor-core math.
     */
    private Conv describeHalf(Lowered.Convolution c) {
        ConvDescriptor d = c.conv();
        CudnnTensorDescriptor x = CudnnTensorDescriptor.of(Cudnn.DataType.HALF, ints(c.inputShape(), 0, 1),
                ints(PlanLowering.channelsLastStrides(c.inputShape()), 0, 1));
        int[] w = {Math.toIntExact(d.outChannels()), Math.toIntExact(d.inChannels() / d.groups()),
                Math.toIntExact(d.kernel()[0]), Math.toIntExact(d.kernel()[1])};
        CudnnFilterDescriptor filter = CudnnFilterDescriptor.of(Cudnn.DataType.HALF, true, w);
        CudnnConvolutionDescriptor conv = CudnnConvolutionDescriptor.of(ints(c.padsBegin(), 0, 0), ints(d.strides(), 0, 1),
                ints(d.dilations(), 0, 1), Cudnn.DataType.FLOAT);
        conv.setGroupCount(Math.toIntExact(d.groups()));
        conv.setMathType(Cudnn.MathType.TENSOR_OP);
        CudnnTensorDescriptor y = CudnnTensorDescriptor.of(Cudnn.DataType.HALF, ints(c.outputShape(), 0, 1),
                ints(PlanLowering.channelsLastStrides(c.outputShape()), 0, 1));
        CudnnTensorDescriptor bias = CudnnTensorDescriptor.of(Cudnn.DataType.HALF, 1, Math.toIntExact(d.outChannels()), 1, 1);
        CudnnActivationDescriptor act = CudnnActivationDescriptor.of(d.relu() ? Cudnn.Activation.RELU
                : Cudnn.Activation.IDENTITY, 0.0);
        return withAlgorithm(c, x, filter, conv, y, bias, act);
    }

    private Conv withAlgorithm(Lowered.Convolution c, CudnnTensorDescriptor x, CudnnFilterDescriptor filter,
                               CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y, CudnnTensorDescriptor bias,
                               CudnnActivationDescriptor act) {
        ConvDescriptor d = c.conv();
        int algorithm;
        long bytes;
        if (!d.relu()) {
            algorithm = 1; // CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: the one IDENTITY is fused with
            bytes = cudnn.convolutionForwardWorkspaceSize(x, filter, conv, y, algorithm);
        } else {
            List<Cudnn.ConvolutionAlgorithm> ranked = options.benchmark()
                    ? cudnn.findConvolutionForwardAlgorithms(x, filter, conv, y)
                    : cudnn.convolutionForwardAlgorithms(x, filter, conv, y);
            Cudnn.ConvolutionAlgorithm best = null;
            for (Cudnn.ConvolutionAlgorithm a : ranked) {
                if (a.status() == 0 && a.workspaceBytes() <= options.workspaceLimit()) {
                    best = a;
                    break;
                }
            }
            algorithm = best == null ? 1 : best.algorithm();
            bytes = best == null ? cudnn.convolutionForwardWorkspaceSize(x, filter, conv, y, 1) : best.workspaceBytes();
        }
        return new Conv(c, x, filter, conv, y, bias, act, algorithm, bytes);
    }

    /** Runs the plan on {@code stream}: graph replay, or direct launches while the stream is being captured. */
    public void forward(CudaStream stream) {
        bind(stream);
        if (!options.captureGraph() || stream.isCapturing()) {
            enqueue(stream);
            return;
        }
        if (graph == null) {
            // Eager warm-up first: library-internal allocations happen outside the capture, errors surface here.
            enqueue(stream);
            stream.synchronize();
            stream.beginCapture();
            CudaGraph g;
            try {
                enqueue(stream);
            } finally {
                g = stream.endCapture();
            }
            graph = g;
        }
        graph.launch(stream);
    }

    private void bind(CudaStream stream) {
        if (boundStream != stream) {
            cudnn.setStream(stream);
            cublas.setStream(stream);
            boundStream = stream;
        }
    }

    /** Enqueues every step, in order. */
    public void enqueue(CudaStream stream) {
        bind(stream);
        for (Lowered l : lowering.steps()) {
            switch (l) {
                case Lowered.Launches ls -> {
                    for (PlanLaunch launch : ls.launches()) {
                        kernels.launch(stream, launch, a -> address(launch, a));
                    }
                }
                case Lowered.Convolution c -> convolve(stream, c);
                case Lowered.MatrixProduct m -> multiply(stream, m);
                case Lowered.Nothing n -> {
                }
            }
        }
    }

    private final Map<Arg.Pointer, DeviceBuffer> views = new LinkedHashMap<>();

    private DeviceBuffer cachedView(Arg.Pointer p) {
        return views.computeIfAbsent(p, this::view);
    }

    private void convolve(CudaStream stream, Lowered.Convolution c) {
        if (c.prePad() != null) {
            kernels.launch(stream, c.prePad(), a -> address(c.prePad(), a));
        }
        Conv conv = convs.get(c.step());
        DeviceBuffer y = cachedView(c.output());
        DeviceBuffer z = c.residual() == null ? y : cachedView(c.residual());
        DeviceBuffer bias = c.bias() == null ? zeroBias : cachedView(c.bias());
        try {
            cudnn.convolutionBiasActivationForward(1f, conv.x(), cachedView(c.input()), conv.w(), cachedView(c.weight()),
                    conv.conv(), conv.algorithm(), workspace, c.residual() == null ? 0f : 1f, conv.y(), z, conv.bias(), bias,
                    conv.activation(), conv.y(), y);
        } catch (CudnnException e) {
            if (!c.half() || isOutOfMemory(e)) {
                throw e;
            }
            throw new HalfConvolutionRefused(c.step().index(), c.step().node().name(), e);
        }
    }

    private void multiply(CudaStream stream, Lowered.MatrixProduct m) {
        if (m.fillY() != null) {
            kernels.launch(stream, m.fillY(), a -> address(m.fillY(), a));
        }
        // Row-major Y = op(A) op(B) is column-major Y^T = op(B)^T op(A)^T: swap the operands, keep the flags.
        Transpose opA = m.transA() ? Transpose.TRANSPOSE : Transpose.NONE;
        Transpose opB = m.transB() ? Transpose.TRANSPOSE : Transpose.NONE;
        int lda = m.transA() ? m.m() : m.k();
        int ldb = m.transB() ? m.k() : m.n();
        DeviceBuffer a = cachedView(m.a());
        DeviceBuffer b = cachedView(m.b());
        DeviceBuffer y = cachedView(m.y());
        if (m.batch() > 1 && options.precision() == Precision.FP16) {
            cublas.gemmStridedBatchedEx(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, CublasHandle.DataType.F32, ldb,
                    m.strideB(), a, CublasHandle.DataType.F32, lda, m.strideA(), m.beta(), y, CublasHandle.DataType.F32,
                    m.n(), m.strideY(), m.batch(), CublasHandle.ComputeType.F32_FAST_F16);
        } else if (m.batch() > 1) {
            cublas.sgemmStridedBatched(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, ldb, m.strideB(), a, lda, m.strideA(),
                    m.beta(), y, m.n(), m.strideY(), m.batch());
        } else if (options.precision() == Precision.FP16) {
            cublas.gemmEx(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, CublasHandle.DataType.F32, ldb, a,
                    CublasHandle.DataType.F32, lda, m.beta(), y, CublasHandle.DataType.F32, m.n(),
                    CublasHandle.ComputeType.F32_FAST_F16);
        } else {
            cublas.sgemm(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, ldb, a, lda, m.beta(), y, m.n());
        }
    }

    /** Widens an fp16 batch into the fp32 input slot (the FP16 path's cast). */
    public void widenInto(CudaStream stream, DeviceBuffer half, String input, long elements) {
        var s = plan.slot(input);
        PlanLaunch l = new PlanLaunch("occ_plan_to_float", elements, List.of(Arg.Pointer.arena(0), Arg.Pointer.arena(
                s.offset()), new Arg.I64(elements)), new long[0]);
        kernels.launch(stream, l, a -> a == l.args().get(0) ? half.address() : address(l, a));
    }

    /** Copies {@code words} 32-bit words from arena offset {@code from} into {@code target} (outputs to the caller). */
    public void copyOut(CudaStream stream, long from, DeviceBuffer target, long words) {
        PlanLaunch l = new PlanLaunch("occ_plan_unary", words, List.of(Arg.Pointer.arena(from), Arg.Pointer.arena(0),
                new Arg.I64(words), new Arg.I32(7), new Arg.F32(0f), new Arg.F32(0f)), new long[0]);
        kernels.launch(stream, l, a -> a == l.args().get(1) ? target.address() : address(l, a));
    }

    /** Copies {@code words} words from {@code source} into the arena at offset {@code to}. */
    public void copyIn(CudaStream stream, DeviceBuffer source, long to, long words) {
        PlanLaunch l = new PlanLaunch("occ_plan_unary", words, List.of(Arg.Pointer.arena(0), Arg.Pointer.arena(to),
                new Arg.I64(words), new Arg.I32(7), new Arg.F32(0f), new Arg.F32(0f)), new long[0]);
        kernels.launch(stream, l, a -> a == l.args().get(0) ? source.address() : address(l, a));
    }

    /** The storage the plan runs with, in words, for logs and reports. */
    public String storage() {
        long convs = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution).count();
        long half = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution c && c.half()).count();
        if (lowering.halfValues().isEmpty()) {
            return "fp32 storage (" + convs + " convolutions)";
        }
        return "fp16 NHWC storage: " + half + " of " + convs + " convolutions, " + lowering.halfValues().size()
                + " fp16 values, " + lowering.conversions() + " conversions"
                + (plan.graph().inputs().stream().anyMatch(i -> lowering.isHalf(i.name())) ? ", fp16 NHWC input" : "");
    }

    /** Which algorithm each convolution uses, for the log and the benchmark report. */
    public Map<String, Integer> algorithms() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Conv c : convs.values()) {
            m.put(c.lowered().step().node().name(), c.algorithm());
        }
        return m;
    }

    @Override
    public void close() {
        if (graph != null) {
            graph.close();
            graph = null;
        }
        for (Conv c : convs.values()) {
            c.close();
        }
        convs.clear();
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                LOG.fine(() -> "closing " + e);
            }
        }
        owned.clear();
    }
}
