package io.occlusion4j.cpu;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.occlusion4j.ModelSignature;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.core.HostLoop;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.cpu.incremental.IncrementalForward;
import io.occlusion4j.cpu.incremental.IncrementalPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The CPU back end: one ONNX Runtime session per model. Variants are written into one direct batch
 * buffer (native memory owned by a confined arena) that ONNX Runtime reads in place; outputs land in
 * pinned direct buffers; both are reused for every batch of a run.
 */
public final class OrtBackendSession implements BackendSession {
    /** Input bytes per batch that the default batch size aims at. */
    static final long BATCH_BUDGET_BYTES = 16L << 20;
    static final int MAX_DEFAULT_BATCH = 64;
    private static final System.Logger LOG = System.getLogger(OrtBackendSession.class.getName());

    private final Path modelPath;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelSignature signature;
    private final int threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final IncrementalChoice.Cache incremental;

    private OrtBackendSession(Path modelPath, OrtEnvironment env, OrtSession session, ModelSignature signature, int threads) {
        this.modelPath = modelPath;
        this.env = env;
        this.session = session;
        this.signature = signature;
        this.threads = threads;
        this.incremental = new IncrementalChoice.Cache(modelPath, env, threads);
    }

    /**
     * Loads {@code model}.
     *
     * @param threads intra-op threads, or 0 for one per available processor
     */
    public static OrtBackendSession open(Path model, int threads) {
        if (!Files.isRegularFile(model)) {
            throw new OcclusionException("model file " + model + " does not exist or is not a file");
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(n);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(model.toString(), options);
            ModelSignature signature = readSignature(model, session);
            return new OrtBackendSession(model, env, session, signature, n);
        } catch (OrtException e) {
            if (session != null) {
                closeQuietly(session);
            }
            throw new OcclusionException("cannot load model " + model + ": ONNX Runtime says " + OrtMessages.firstLine(e.getMessage()), e);
        } catch (RuntimeException e) {
            if (session != null) {
                closeQuietly(session);
            }
            throw e;
        }
    }

    private static ModelSignature readSignature(Path model, OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new OcclusionException("model " + model + " has " + inputs.size() + " inputs " + inputs.keySet()
                    + "; occlusion4j explains models with exactly one input");
        }
        Map.Entry<String, NodeInfo> in = inputs.entrySet().iterator().next();
        if (!(in.getValue().getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.FLOAT) {
            throw new OcclusionException("model " + model + " input '" + in.getKey() + "' is not a float tensor ("
                    + in.getValue().getInfo() + ")");
        }
        List<ModelSignature.Output> outputs = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo oi) {
                outputs.add(new ModelSignature.Output(e.getKey(), oi.getShape(), oi.type == OnnxJavaType.FLOAT));
            }
        }
        ModelSignature signature = new ModelSignature(in.getKey(), ti.getShape(), outputs);
        signature.checkInputSize(model.toString());
        return signature;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String device() {
        return "ONNX Runtime CPU, " + threads + " thread" + (threads == 1 ? "" : "s");
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    /** The batch size used when none is asked for: a memory budget, within [1, 64]. */
    public static int defaultBatch(long sampleBytes) {
        return (int) Math.max(1, Math.min(MAX_DEFAULT_BATCH, BATCH_BUDGET_BYTES / Math.max(1, sampleBytes)));
    }

    @Override
    public SensitivityMap explain(ExplainRequest r) {
        long t0 = System.nanoTime();
        IncrementalChoice inc = incremental.choose(r, signature);
        if (inc.plan() != null) {
            return explainIncremental(r, inc, t0);
        }
        SensitivityMap full = explainFull(r, t0);
        return full.withStats(full.stats().withIncremental(inc.stats()));
    }

    /** The variants computed incrementally: the host loop writes them, {@link IncrementalForward} scores them. */
    private SensitivityMap explainIncremental(ExplainRequest r, IncrementalChoice inc, long t0) {
        VariantWriter writer = VariantWriter.of(r);
        int sample = writer.sampleSize();
        int batch = inc.batch();
        // A shared arena: the incremental forward gathers the variants' read-in contexts on several threads.
        try (Arena arena = Arena.ofShared(); IncrementalPlan owned = inc.owned() ? inc.plan() : null) {
            MemorySegment segment = arena.allocate(4L * batch * sample, 64);
            FloatBuffer buffer = segment.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            IncrementalForward forward = new IncrementalForward(inc.plan(), env, buffer, sample, writer.normalizedBase(),
                    r.grid().count(), r.perChannel());
            SensitivityMap map = HostLoop.run(r, writer, new HostLoop.Batch(buffer, batch, false), forward,
                    new HostLoop.Runner(modelPath.toString(), name(), device()), t0);
            LOG.log(System.Logger.Level.DEBUG, () -> "incremental run of " + modelPath + ": " + forward.profile());
            double fullPerVariant = probeFullForward(r, buffer, Math.min(PROBE_VARIANTS, batch), sample);
            double measured = fullPerVariant * map.stats().windows() / map.stats().seconds();
            IncrementalStats s = inc.stats();
            return map.withStats(map.stats().withIncremental(new IncrementalStats(s.mode(), true, s.switchLayer(),
                    s.prefixLayers(), s.predictedSpeedup(), s.flopRatio(), measured, s.tau(), s.reason())));
        }
    }

    /** Variants in the probe that measures the full sweep's cost per variant next to an incremental run. */
    static final int PROBE_VARIANTS = 2;

    /**
     * Seconds per variant of a whole forward on this machine now: the best of two runs of the model over the first
     * {@code n} samples left in the batch buffer (what the speed-up of an incremental run is measured against).
     */
    private double probeFullForward(ExplainRequest r, FloatBuffer buffer, int n, int sample) {
        long fixed = signature.fixedBatch();
        int rows = fixed > 0 ? (int) fixed : n;
        if (rows * (long) sample > buffer.capacity()) {
            return Double.NaN;
        }
        long[] sampleShape = r.modelShape();
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = rows;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        double best = Double.MAX_VALUE;
        try (OnnxTensor in = OnnxTensor.createTensor(env, buffer.duplicate().position(0).limit(rows * sample).slice(), shape)) {
            for (int i = 0; i < 2; i++) {
                long t = System.nanoTime();
                try (OrtSession.Result ignored = session.run(Map.of(signature.inputName(), in), new LinkedHashSet<>(r.outputs()))) {
                    best = Math.min(best, (System.nanoTime() - t) / 1e9);
                }
            }
        } catch (OrtException e) {
            return Double.NaN;
        }
        return best / rows;
    }

    private SensitivityMap explainFull(ExplainRequest r, long t0) {
        VariantWriter writer = VariantWriter.of(r);
        int variants = r.variantCount();
        int sample = writer.sampleSize();
        long fixed = signature.fixedBatch();
        boolean batchFixed = fixed > 0;
        int batch;
        if (batchFixed) {
            batch = (int) fixed;
        } else {
            batch = r.batchSize() > 0 ? r.batchSize() : defaultBatch(4L * sample);
            batch = Math.max(1, Math.min(batch, variants + 1));
        }
        try (Arena arena = Arena.ofConfined(); Buffers io = new Buffers(r, batch, sample)) {
            MemorySegment segment = arena.allocate(4L * batch * sample, 64);
            FloatBuffer buffer = segment.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
            int rows = batch;
            HostLoop.Forward forward = new HostLoop.Forward() {
                @Override
                public FloatBuffer[] run(int n) {
                    try {
                        return io.run(buffer, batchFixed ? rows : n, arena);
                    } catch (OrtException e) {
                        throw new OcclusionException("ONNX Runtime failed to run model " + modelPath + ": " + OrtMessages.firstLine(e.getMessage()), e);
                    }
                }

                @Override
                public int[] outputSizes() {
                    return io.sizes;
                }

                @Override
                public int[] lastAxis() {
                    return io.lastAxis;
                }
            };
            return HostLoop.run(r, writer, new HostLoop.Batch(buffer, batch, batchFixed), forward,
                    new HostLoop.Runner(modelPath.toString(), name(), device()), t0);
        }
    }

    /**
     * Input tensors over the batch buffer and pinned output buffers, one set per batch size used (the
     * unoccluded forward, full batches, the last partial batch).
     */
    private final class Buffers implements AutoCloseable {
        private final ExplainRequest request;
        private final int sample;
        private final Map<Integer, OnnxTensor> inputs = new HashMap<>();
        private final Map<Integer, Map<String, OnnxTensor>> pinned = new HashMap<>();
        private final Map<Integer, FloatBuffer[]> pinnedViews = new HashMap<>();
        private final List<OnnxValue> owned = new ArrayList<>();
        int[] sizes;
        int[] lastAxis;

        Buffers(ExplainRequest request, int batch, int sample) {
            this.request = request;
            this.sample = sample;
        }

        FloatBuffer[] run(FloatBuffer buffer, int n, Arena arena) throws OrtException {
            OnnxTensor input = inputs.get(n);
            if (input == null) {
                long[] sampleShape = request.modelShape();
                long[] shape = new long[sampleShape.length + 1];
                shape[0] = n;
                System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
                input = OnnxTensor.createTensor(env, buffer.duplicate().position(0).limit(n * sample).slice(), shape);
                inputs.put(n, input);
                owned.add(input);
            }
            Map<String, OnnxTensor> in = Map.of(signature.inputName(), input);
            FloatBuffer[] views = pinnedViews.get(n);
            if (views != null) {
                try (OrtSession.Result ignored = session.run(in, pinned.get(n))) {
                    return views;
                }
            }
            // First run at this batch size: let ONNX Runtime allocate, learn the output shapes, then pin.
            try (OrtSession.Result result = session.run(in, new LinkedHashSet<>(request.outputs()))) {
                List<String> names = request.outputs();
                FloatBuffer[] copies = new FloatBuffer[names.size()];
                int[] s = new int[names.size()];
                int[] last = new int[names.size()];
                Map<String, OnnxTensor> pins = new HashMap<>();
                FloatBuffer[] pinViews = new FloatBuffer[names.size()];
                for (int o = 0; o < names.size(); o++) {
                    OnnxValue v = result.get(names.get(o)).orElseThrow();
                    if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
                        throw new OcclusionException("model output '" + names.get(o) + "' of " + modelPath + " is not a float tensor");
                    }
                    long[] shape = t.getInfo().getShape();
                    if (shape.length == 0 || shape[0] != n) {
                        throw new OcclusionException("model output '" + names.get(o) + "' of " + modelPath + " has shape "
                                + java.util.Arrays.toString(shape) + ", which does not start with the batch size " + n);
                    }
                    long per = 1;
                    for (int d = 1; d < shape.length; d++) {
                        per *= shape[d];
                    }
                    s[o] = (int) per;
                    last[o] = shape.length > 1 ? (int) shape[shape.length - 1] : 1;
                    copies[o] = t.getFloatBuffer();
                    MemorySegment seg = arena.allocate(4L * n * per, 64);
                    pinViews[o] = seg.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
                    OnnxTensor pin = OnnxTensor.createTensor(env, pinViews[o], shape);
                    owned.add(pin);
                    pins.put(names.get(o), pin);
                }
                if (sizes == null) {
                    sizes = s;
                    lastAxis = last;
                }
                pinned.put(n, pins);
                pinnedViews.put(n, pinViews);
                return copies;
            }
        }

        @Override
        public void close() {
            for (OnnxValue v : owned) {
                v.close();
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            incremental.close();
            closeQuietly(session);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // closing a session that failed half-way: nothing left to report
        }
    }
}
