package io.occlusion4j.cpu.incremental;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.HostLoop;
import io.occlusion4j.graph.Dim;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward of the host loop run incrementally: for the variants in the batch buffer, each prefix step convolves
 * (or pools, adds, ...) only the stacked read-in contexts around the variants' patches, gathered from the unoccluded
 * activations with the previous step's patches laid over them (the first step reads the occluded samples themselves,
 * written by the loop's {@code VariantWriter}, so every fill, edge policy and per-channel window is the loop's own);
 * the activations at the switch point are stitched (the unoccluded ones with each variant's patch) and the rest of the
 * network runs once over them. One per explanation: the unoccluded activations belong to its input.
 */
public final class IncrementalForward implements HostLoop.Forward {
    private final IncrementalPlan plan;
    private final OrtEnvironment env;
    private final FloatBuffer batchBuffer;
    private final int sampleSize;
    private final int gridCount;
    private final boolean perChannel;
    private final Map<String, float[]> base = new HashMap<>();
    private final Map<String, float[]> patches = new HashMap<>();
    private final Map<String, FloatBuffer> direct = new HashMap<>();
    private final int suffixBatch;
    private int[] sizes;
    private int[] lastAxis;
    /** Nanoseconds spent per phase: stitching, the suffix (the prefix's phases are its workers'). */
    private final long[] phaseNanos = new long[4];
    private final Worker[] workers;
    private long prefixNanos;
    /** Fewer slots than this per worker are not worth a thread of their own. */
    private static final int MIN_SLOTS_PER_WORKER = 4;

    /**
     * Runs the whole model once on the unoccluded sample to keep the activations the variants read.
     *
     * @param batchBuffer the loop's batch buffer (model layout, channels first)
     * @param unoccluded  the normalised unoccluded sample
     * @param gridCount   window positions of the grid (per-channel windows are numbered channel-major over them)
     */
    public IncrementalForward(IncrementalPlan plan, OrtEnvironment env, FloatBuffer batchBuffer, int sampleSize,
                              float[] unoccluded, int gridCount, boolean perChannel) {
        this.plan = plan;
        this.env = env;
        this.batchBuffer = batchBuffer;
        this.sampleSize = sampleSize;
        this.gridCount = gridCount;
        this.perChannel = perChannel;
        this.workers = new Worker[Math.max(1, plan.stepWorkers)];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(plan.prefix);
        }
        this.suffixBatch = plan.batchDim instanceof Dim.Fixed(long f) ? (int) f : Integer.MAX_VALUE;
        long[] shape = sampleShape(1);
        List<String> values = plan.baseValues();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(unoccluded), shape);
             OrtSession.Result r = plan.base.run(Map.of(plan.input, in))) {
            for (String v : values) {
                base.put(v, floats(r.get(v).orElseThrow(), v));
            }
        } catch (OrtException e) {
            throw new OcclusionException("ONNX Runtime failed on the unoccluded activations: " + e.getMessage(), e);
        }
    }

    /** The model's input shape for {@code n} samples (its own layout). */
    private long[] sampleShape(int n) {
        long[] shape = new long[1 + plan.sampleShape.length];
        shape[0] = n;
        System.arraycopy(plan.sampleShape, 0, shape, 1, plan.sampleShape.length);
        return shape;
    }

    private static float[] floats(OnnxValue v, String name) {
        if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
            throw new OcclusionException("activation " + name + " is not a float tensor");
        }
        FloatBuffer b = t.getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    @Override
    public FloatBuffer[] run(int n) {
        throw new IllegalStateException("incremental forward needs the windows of the slots");
    }

    @Override
    public FloatBuffer[] run(int n, int[] slotWindows) {
        int[] positions = new int[n];
        for (int s = 0; s < n; s++) {
            int w = slotWindows[s];
            positions[s] = w < 0 ? 0 : perChannel ? w % gridCount : w;
        }
        try {
            runPrefix(n, positions);
            return runSuffix(n, positions);
        } catch (OrtException e) {
            throw new OcclusionException("ONNX Runtime failed in incremental inference: " + e.getMessage(), e);
        }
    }

    /**
     * The prefix steps for slots {@code [0, n)}: the slots split into contiguous chunks, each chunk run through every
     * step by one of the worker threads (a variant's patches depend on its own earlier patches only), so no step waits
     * for the others' and the step sessions run single-threaded, without intra-op synchronisation.
     */
    private void runPrefix(int n, int[] positions) throws OrtException {
        long t0 = System.nanoTime();
        for (int j = 0; j < plan.prefix; j++) {
            Step step = plan.analysis.steps().get(j);
            Field out = plan.analysis.fields().get(step.output());
            int length = (int) (n * out.channels() * out.patchVolume());
            float[] patch = patches.get(step.output());
            if (patch == null || patch.length < length) {
                patches.put(step.output(), new float[length]);
            }
        }
        int count = Math.max(1, Math.min(workers.length, n / MIN_SLOTS_PER_WORKER));
        // Two chunks of slots per thread, handed out in turn: a thread the machine's load slows takes fewer.
        int chunk = count == 1 ? n : Math.max(MIN_SLOTS_PER_WORKER, Math.ceilDiv(n, 2 * count));
        int chunks = Math.ceilDiv(n, chunk);
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] threads = new Thread[count];
        Throwable[] failures = new Throwable[count];
        for (int w = 0; w < count; w++) {
            Worker worker = workers[w];
            int index = w;
            Runnable body = () -> {
                try {
                    for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                        int first = c * chunk;
                        int end = Math.min(n, first + chunk);
                        for (int j = 0; j < plan.prefix; j++) {
                            runStep(j, first, end, positions, worker);
                        }
                    }
                } catch (OrtException | RuntimeException | Error e) {
                    failures[index] = e;
                }
            };
            if (w == count - 1) {
                body.run();
            } else {
                threads[w] = Thread.ofPlatform().name("occlusion4j-incremental-" + w).start(body);
            }
        }
        for (int w = 0; w < count - 1; w++) {
            try {
                threads[w].join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OcclusionException("interrupted while waiting for the incremental prefix", e);
            }
        }
        for (Throwable f : failures) {
            if (f instanceof OrtException e) {
                throw e;
            } else if (f instanceof RuntimeException e) {
                throw e;
            } else if (f instanceof Error e) {
                throw e;
            }
        }
        prefixNanos += System.nanoTime() - t0;
    }

    /** Runs step {@code j} for slots {@code [first, end)} with {@code w}'s buffers. */
    private void runStep(int j, int first, int end, int[] positions, Worker w) throws OrtException {
        Step step = plan.analysis.steps().get(j);
        Map<String, Field> fields = plan.analysis.fields();
        Field out = fields.get(step.output());
        int k = out.rank();
        int m = end - first;
        int[] ctxSize = new int[k];
        long ctxVolume = 1;
        for (int d = 0; d < k; d++) {
            ctxSize[d] = step.context(d, out.size()[d]);
            ctxVolume *= ctxSize[d];
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        long t0 = System.nanoTime();
        try {
            List<String> reads = new ArrayList<>(new java.util.LinkedHashSet<>(step.inputs()));
            int heads = reads.size();
            reads.addAll(step.sideInputs());
            for (int i = 0; i < reads.size(); i++) {
                String in = reads.get(i);
                boolean side = i >= heads;
                Field f = fields.get(in);
                long volume = side ? out.patchVolume() : ctxVolume;
                int[] size = side ? out.size() : ctxSize;
                int per = (int) (f.channels() * volume);
                FloatBuffer ctx = w.direct("step" + j + ":" + in, m * per);
                float[] row = w.scratch(per);
                int[] dims3 = Gather.to3(f.dims(), 1);
                boolean isInput = in.equals(plan.alias);
                float[] patch = isInput ? null : patches.get(in);
                float[] from = isInput ? null : base.get(in);
                int[] at = new int[k];
                for (int s = first; s < end; s++) {
                    int p = positions[s];
                    for (int d = 0; d < k; d++) {
                        at[d] = side ? out.start(p, d) : step.contextStart(d, out.start(p, d));
                    }
                    Gather.Box ctxBox = Gather.Box.of(at, size);
                    Gather.Box patchBox = patch == null ? null : Gather.Box.of(starts(f, p), f.size());
                    int patchOff = patch == null ? 0 : (int) (s * f.channels() * f.patchVolume());
                    Gather.context(row, 0, f.channels(), dims3, ctxBox, step.padValue(), from, batchBuffer,
                            s * sampleSize, plan.channelsLast, patch, patchOff, patchBox);
                    ctx.put((s - first) * per, row, 0, per);
                }
                long[] shape = new long[2 + k];
                shape[0] = m;
                shape[1] = f.channels();
                for (int d = 0; d < k; d++) {
                    shape[2 + d] = size[d];
                }
                feeds.put(in, OnnxTensor.createTensor(env, ctx, shape));
            }
            long t1 = System.nanoTime();
            w.gatherNanos += t1 - t0;
            try (OrtSession.Result r = plan.steps[j].run(feeds)) {
                if (!(r.get(0) instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
                    throw new OcclusionException("step output " + step.output() + " is not a float tensor");
                }
                FloatBuffer b = t.getFloatBuffer();
                float[] patch = patches.get(step.output());
                b.get(patch, (int) (first * out.channels() * out.patchVolume()), b.remaining());
            }
            long t2 = System.nanoTime();
            w.runNanos += t2 - t1;
            w.stepNanos[j] += t2 - t0;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The buffers and timings of one thread of the prefix. */
    private static final class Worker {
        private final Map<String, FloatBuffer> direct = new HashMap<>();
        private final long[] stepNanos;
        private float[] row = new float[0];
        private long gatherNanos;
        private long runNanos;

        Worker(int steps) {
            this.stepNanos = new long[steps];
        }

        /** One variant's context, before it goes into the direct buffer. */
        float[] scratch(int length) {
            if (row.length < length) {
                row = new float[length];
            }
            return row;
        }

        FloatBuffer direct(String key, int length) {
            return IncrementalForward.direct(direct, key, length);
        }
    }

    private static int[] starts(Field f, int p) {
        int[] s = new int[f.rank()];
        for (int d = 0; d < s.length; d++) {
            s[d] = f.start(p, d);
        }
        return s;
    }

    /** A direct buffer of {@code map} kept for {@code key} (grown as needed), positioned over {@code length} floats. */
    private static FloatBuffer direct(Map<String, FloatBuffer> map, String key, int length) {
        FloatBuffer b = map.get(key);
        if (b == null || b.capacity() < length) {
            b = ByteBuffer.allocateDirect(4 * length).order(ByteOrder.nativeOrder()).asFloatBuffer();
            map.put(key, b);
        }
        return b.duplicate().position(0).limit(length).slice();
    }

    private FloatBuffer[] runSuffix(int n, int[] positions) throws OrtException {
        long t0 = System.nanoTime();
        Map<String, Field> fields = plan.analysis.fields();
        List<FloatBuffer> stitched = new ArrayList<>();
        for (String v : plan.cut) {
            if (v.equals(plan.input)) {
                stitched.add(batchBuffer);
                continue;
            }
            Field f = fields.get(v);
            int per = (int) (f.channels() * f.mapVolume());
            FloatBuffer dst = direct(direct, "cut:" + v, n * per);
            int[] dims3 = Gather.to3(f.dims(), 1);
            float[] patch = patches.get(v);
            float[] from = base.get(v);
            java.util.stream.IntStream.range(0, n).parallel().forEach(s -> Gather.stitch(dst, s * per, f.channels(),
                    dims3, from, patch, (int) (s * f.channels() * f.patchVolume()),
                    Gather.Box.of(starts(f, positions[s]), f.size())));
            stitched.add(dst);
        }
        List<String> outputs = plan.outputs;
        List<float[]> results = new ArrayList<>();
        for (int o = 0; o < outputs.size(); o++) {
            results.add(null);
        }
        long t1 = System.nanoTime();
        phaseNanos[2] += t1 - t0;
        int chunk = Math.min(n, suffixBatch);
        for (int first = 0; first < n; first += chunk) {
            int m = Math.min(chunk, n - first);
            Map<String, OnnxTensor> feeds = new HashMap<>();
            try {
                for (int c = 0; c < plan.cut.size(); c++) {
                    String v = plan.cut.get(c);
                    long[] shape = v.equals(plan.input) ? sampleShape(m) : cutShape(fields.get(v), m);
                    long per = 1;
                    for (int d = 1; d < shape.length; d++) {
                        per *= shape[d];
                    }
                    FloatBuffer b = stitched.get(c).duplicate().position((int) (first * per)).limit((int) ((first + m) * per))
                            .slice();
                    feeds.put(v, OnnxTensor.createTensor(env, b, shape));
                }
                try (OrtSession.Result r = plan.suffix.run(feeds)) {
                    collect(r, outputs, results, first, m, n);
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
        phaseNanos[3] += System.nanoTime() - t1;
        FloatBuffer[] out = new FloatBuffer[outputs.size()];
        for (int o = 0; o < out.length; o++) {
            out[o] = FloatBuffer.wrap(results.get(o));
        }
        return out;
    }

    private void collect(OrtSession.Result r, List<String> outputs, List<float[]> results, int first, int m, int n) {
        boolean learn = sizes == null;
        if (learn) {
            sizes = new int[outputs.size()];
            lastAxis = new int[outputs.size()];
        }
        for (int o = 0; o < outputs.size(); o++) {
            OnnxValue v = r.get(outputs.get(o)).orElseThrow();
            if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
                throw new OcclusionException("model output '" + outputs.get(o) + "' is not a float tensor");
            }
            long[] shape = t.getInfo().getShape();
            long per = 1;
            for (int d = 1; d < shape.length; d++) {
                per *= shape[d];
            }
            if (learn && o < sizes.length) {
                sizes[o] = (int) per;
                lastAxis[o] = shape.length > 1 ? (int) shape[shape.length - 1] : 1;
            }
            float[] dst = results.get(o);
            if (dst == null) {
                dst = new float[(int) (n * per)];
                results.set(o, dst);
            }
            t.getFloatBuffer().get(dst, (int) (first * per), (int) (m * per));
        }
    }

    private static long[] cutShape(Field f, int n) {
        long[] shape = new long[2 + f.rank()];
        shape[0] = n;
        shape[1] = f.channels();
        for (int d = 0; d < f.rank(); d++) {
            shape[2 + d] = f.dims()[d];
        }
        return shape;
    }

    /** Seconds spent so far in the prefix (gathering contexts, step models), stitching, and in the suffix, in words. */
    public String profile() {
        long gather = 0;
        long run = 0;
        long[] perStep = new long[plan.prefix];
        for (Worker w : workers) {
            gather += w.gatherNanos;
            run += w.runNanos;
            for (int j = 0; j < perStep.length; j++) {
                perStep[j] += w.stepNanos[j];
            }
        }
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
                "prefix %.2f s on %d threads (their sums: gather %.2f s, steps %.2f s), stitch %.2f s, suffix %.2f s;"
                        + " per step (thread sums):", prefixNanos / 1e9, workers.length, gather / 1e9, run / 1e9,
                phaseNanos[2] / 1e9, phaseNanos[3] / 1e9));
        for (int j = 0; j < perStep.length; j++) {
            Step st = plan.analysis.steps().get(j);
            Field f = plan.analysis.fields().get(st.output());
            b.append(String.format(java.util.Locale.ROOT, " %s %.2f s (patch %s of %s, %.1f%% of %.2e MACs);",
                    st.head().name(), perStep[j] / 1e9, java.util.Arrays.toString(f.size()),
                    java.util.Arrays.toString(f.dims()), 100 * f.fraction(), st.flops()));
        }
        return b.toString();
    }

    @Override
    public int[] outputSizes() {
        return sizes;
    }

    @Override
    public int[] lastAxis() {
        return lastAxis;
    }
}
