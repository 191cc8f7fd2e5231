// The GPU occlusion loop (DESIGN section 1) on one stream, with a pluggable scorer.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaEvent;
import io.occlusion4j.cuda.CudaGraph;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.kernels.DeviceFill;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.OcclusionKernels;
import io.occlusion4j.kernels.ScoreTransform;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One explanation on the GPU, shaped like the CPU back end's loop: upload the input once, prepare the
 * fill on the device, score the unoccluded sample, resolve the targets on the host from its scores,
 * then per batch write the variants (a full write for the first batch, only the window regions after),
 * score, flag NaN/Inf and gather the deltas into the grid map, all on one stream with no host round
 * trip; finally reduce to the pixel map and download both maps and the flag in one copy. Every
 * host<->device byte goes through the {@link TransferLedger}.
 */
public final class GpuOcclusionSession {

    /**
     * What to explain; mean/std are the model's per-channel normalisation. {@code progress}, if not null, is
     * told after each batch has finished on the device how many windows are done (the loop keeps one batch
     * queued behind the one it waits for, so the device does not idle), and finally the total.
     */
    public record Request(float[] input, KernelGeometry geometry, FillSpec fill, float[] mean, float[] std,
                          ScoreTransform score, boolean reduceMax, int batch, Function<float[], int[]> targets,
                          boolean captureBatches, Progress progress) {

        /** A request without a progress listener. */
        public Request(float[] input, KernelGeometry geometry, FillSpec fill, float[] mean, float[] std,
                       ScoreTransform score, boolean reduceMax, int batch, Function<float[], int[]> targets,
                       boolean captureBatches) {
            this(input, geometry, fill, mean, std, score, reduceMax, batch, targets, captureBatches, null);
        }
    }

    /** Told how many of the run's windows are scored. */
    @FunctionalInterface
    public interface Progress {
        void done(long windows, long total);
    }

    /**
     * A model output was NaN or infinite: for the unoccluded input ({@link #window()} -1) or for the variant
     * occluding {@link #window()} (the lowest such window).
     */
    public static final class NonFiniteOutputException extends IllegalStateException {
        private final long window;

        NonFiniteOutputException(String message, long window) {
            super(message);
            this.window = window;
        }

        public long window() {
            return window;
        }
    }

    /** Maps per target: grid {@code [mapChannels * gridCount]}, pixel {@code [mapChannels * S]}. */
    public record Result(int[] targets, float[] baseScores, float[][] gridMap, float[][] pixelMap, long variants,
                         long forwards, int batch, int graphsLaunched, TransferLedger ledger, double seconds) {}

    private final CudaContext context;
    private final OcclusionKernels kernels;

    public GpuOcclusionSession(CudaContext context, OcclusionKernels kernels) {
        this.context = context;
        this.kernels = kernels;
    }

    public Result explain(Request r, Scorer scorer) {
        long t0 = System.nanoTime();
        KernelGeometry g = r.geometry();
        if (g.halfOutput() != scorer.halfInput()) {
            throw new IllegalArgumentException("the batch is " + (g.halfOutput() ? "fp16" : "fp32") + " but the scorer reads "
                    + (scorer.halfInput() ? "fp16" : "fp32"));
        }
        if (scorer.channelsLastInput() && !g.channelsLast()) {
            throw new IllegalArgumentException("the scorer reads its batch channels-last (fp16 NHWC), the writer's geometry is "
                    + "channels-first");
        }
        int channels = g.channels();
        long size = g.spatialSize();
        long sample = g.sampleElements();
        if (r.input().length != sample || r.mean().length != channels || r.std().length != channels) {
            throw new IllegalArgumentException("input of " + r.input().length + " values, mean " + r.mean().length + ", std "
                    + r.std().length + " do not fit " + g);
        }
        long windows = g.windowCount();
        int batch = (int) Math.max(1, Math.min(r.batch(), windows));
        int outputsPerRow = scorer.outputsPerSample();
        int scoreCount = r.reduceMax() ? 1 : outputsPerRow;
        TransferLedger ledger = new TransferLedger();
        List<DeviceBuffer> owned = new ArrayList<>();
        try (CudaStream stream = context.createStream()) {
            // The input and its normalisation travel in one copy: [x | mean | 1/std].
            float[] packedInput = new float[(int) sample + 2 * channels];
            System.arraycopy(r.input(), 0, packedInput, 0, (int) sample);
            for (int c = 0; c < channels; c++) {
                packedInput[(int) sample + c] = r.mean()[c];
                packedInput[(int) sample + channels + c] = 1f / r.std()[c];
            }
            DeviceBuffer inputAll = own(owned, context.allocate(4L * packedInput.length));
            upload(ledger, "input", inputAll, packedInput);
            DeviceBuffer x = own(owned, context.allocate(4L * sample));
            DeviceBuffer mean = own(owned, context.allocate(4L * channels));
            DeviceBuffer scale = own(owned, context.allocate(4L * channels));
            kernels.copyWords(stream, inputAll, 0, x, 0, sample);
            kernels.copyWords(stream, inputAll, sample, mean, 0, channels);
            kernels.copyWords(stream, inputAll, sample + channels, scale, 0, channels);

            DeviceFill fill = prepareFill(r, g, stream, x, owned, ledger);
            // Zero copy: a scorer with its own input buffer (the plan's input slot) has the writer write there.
            DeviceBuffer scorerInput = scorer.inputBuffer();
            if (scorerInput != null && scorerInput.byteSize() < batch * sample * g.elementBytes()) {
                throw new IllegalArgumentException("the scorer's input buffer holds " + scorerInput.byteSize()
                        + " bytes, a batch of " + batch + " needs " + batch * sample * g.elementBytes());
            }
            DeviceBuffer batchBuffer = scorerInput != null ? scorerInput
                    : own(owned, context.allocate(batch * sample * g.elementBytes()));
            DeviceBuffer outputs = own(owned, context.allocate(4L * batch * outputsPerRow));
            // [base scores | NaN/Inf flag of the base outputs], downloaded in one copy.
            DeviceBuffer baseScores = own(owned, context.allocate(4L * (scoreCount + 1)));

            // The unoccluded forward: slot 0 only.
            kernels.writeFull(stream, g, 1, 0, 0, x, fill, mean, scale, batchBuffer);
            scorer.score(stream, batchBuffer, 1, outputs);
            kernels.scoreRows(stream, outputs, 1, outputsPerRow, scorer.lastAxis(), r.score(), r.reduceMax(), baseScores);
            DeviceBuffer baseFlag = own(owned, context.allocate(4));
            baseFlag.fill32Async(Integer.MAX_VALUE, stream);
            kernels.nonfiniteFlag(stream, outputs, 1, outputsPerRow, 0, baseFlag);
            kernels.copyWords(stream, baseFlag, 0, baseScores, scoreCount, 1);
            float[] baseAll = download(ledger, "base scores", baseScores, stream);
            if (Float.floatToRawIntBits(baseAll[scoreCount]) != Integer.MAX_VALUE) {
                throw new NonFiniteOutputException("model output contains NaN or Inf for the unoccluded input", -1);
            }
            float[] base = Arrays.copyOf(baseAll, scoreCount);
            int[] targets = r.targets().apply(base.clone());
            for (int t : targets) {
                if (t < 0 || t >= scoreCount) {
                    throw new IllegalArgumentException("target " + t + " is outside the " + scoreCount + " scores");
                }
            }
            DeviceBuffer targetBuffer = own(owned, context.allocate(4L * Math.max(1, targets.length)));
            uploadInts(ledger, "targets", targetBuffer, targets);

            // One result buffer, downloaded once: [grid T*windows | pixel T*mapChannels*S | flag].
            int mapChannels = g.perChannel() ? channels : 1;
            long gridFloats = targets.length * windows;
            long pixelFloats = targets.length * mapChannels * size;
            DeviceBuffer results = own(owned, context.allocate(4L * (gridFloats + pixelFloats + 1)));
            DeviceBuffer gridMap = own(owned, context.allocate(4L * gridFloats));
            DeviceBuffer pixel = own(owned, context.allocate(4L * pixelFloats));
            DeviceBuffer firstBad = own(owned, context.allocate(4));
            firstBad.fill32Async(Integer.MAX_VALUE, stream);

            int graphs = 0;
            long forwards = 1;
            // With a listener: an event after each batch; waiting on the previous batch's keeps one batch queued.
            CudaEvent[] done = r.progress() == null ? null
                    : new CudaEvent[] {context.createEvent(false), context.createEvent(false)};
            long reported = 0;
            try {
                for (long first = 0; first < windows; first += batch) {
                    int n = (int) Math.min(batch, windows - first);
                    long previous = first - batch;
                    final long firstWindow = first;
                    Runnable whole = () -> {
                        if (previous < 0) {
                            kernels.writeFull(stream, g, batch, n, firstWindow, x, fill, mean, scale, batchBuffer);
                        } else {
                            kernels.writeNext(stream, g, n, previous, firstWindow, x, fill, mean, scale, batchBuffer);
                        }
                        scorer.score(stream, batchBuffer, n, outputs);
                        kernels.nonfiniteFlag(stream, outputs, n, outputsPerRow, (int) firstWindow, firstBad);
                        kernels.scoreGather(stream, outputs, n, outputsPerRow, scorer.lastAxis(), r.score(), r.reduceMax(),
                                targetBuffer, targets.length, baseScores, firstWindow, windows, gridMap);
                    };
                    if (r.captureBatches()) {
                        stream.beginCapture();
                        CudaGraph graph;
                        try {
                            whole.run();
                        } finally {
                            graph = stream.endCapture();
                        }
                        try (graph) {
                            graph.launch(stream);
                        }
                        graphs++;
                    } else {
                        whole.run();
                    }
                    forwards++;
                    if (done != null) {
                        int k = (int) (forwards & 1);
                        done[k].record(stream);
                        if (first > 0) {
                            done[1 - k].synchronize();
                            reported = first;
                            r.progress().done(reported, windows);
                        }
                    }
                }
            } finally {
                if (done != null) {
                    done[0].close();
                    done[1].close();
                }
            }
            DeviceBuffer lo = own(owned, context.allocate(4L * OcclusionKernels.coveringTableLength(g)));
            DeviceBuffer hi = own(owned, context.allocate(4L * OcclusionKernels.coveringTableLength(g)));
            kernels.coveringTables(stream, g, lo, hi);
            kernels.pixelMap(stream, g, gridMap, mapChannels, targets.length, lo, hi, pixel);
            kernels.copyWords(stream, gridMap, 0, results, 0, gridFloats);
            kernels.copyWords(stream, pixel, 0, results, gridFloats, pixelFloats);
            kernels.copyWords(stream, firstBad, 0, results, gridFloats + pixelFloats, 1);
            float[] all = download(ledger, "maps and flag", results, stream);
            int bad = Float.floatToRawIntBits(all[(int) (gridFloats + pixelFloats)]);
            if (bad != Integer.MAX_VALUE) {
                throw new NonFiniteOutputException("model output contains NaN or Inf for the variant occluding window " + bad
                        + " of " + windows + " (" + g + ")", bad);
            }
            float[][] gridOut = new float[targets.length][];
            float[][] pixelOut = new float[targets.length][];
            for (int t = 0; t < targets.length; t++) {
                gridOut[t] = Arrays.copyOfRange(all, (int) (t * windows), (int) ((t + 1) * windows));
                int p0 = (int) (gridFloats + t * mapChannels * size);
                pixelOut[t] = Arrays.copyOfRange(all, p0, (int) (p0 + mapChannels * size));
            }
            if (r.progress() != null && reported < windows) {
                r.progress().done(windows, windows);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Result(targets, base, gridOut, pixelOut, windows, forwards, batch, graphs, ledger, seconds);
        } finally {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
        }
    }

    private DeviceFill prepareFill(Request r, KernelGeometry g, CudaStream stream, DeviceBuffer x, List<DeviceBuffer> owned,
                                   TransferLedger ledger) {
        int channels = g.channels();
        long sample = g.sampleElements();
        return switch (r.fill()) {
            case FillSpec.Constant c -> {
                if (c.values().length != 1 && c.values().length != channels) {
                    throw new IllegalArgumentException("constant fill has " + c.values().length + " values for " + channels + " channels");
                }
                float[] values = new float[channels];
                for (int i = 0; i < channels; i++) {
                    values[i] = c.values()[c.values().length == 1 ? 0 : i];
                }
                DeviceBuffer b = own(owned, context.allocate(4L * channels));
                upload(ledger, "fill values", b, values);
                yield DeviceFill.perChannelValues(b);
            }
            case FillSpec.ChannelMean m -> {
                DeviceBuffer b = own(owned, context.allocate(4L * channels));
                kernels.channelMean(stream, x, channels, g.spatialSize(), b);
                yield DeviceFill.perChannelValues(b);
            }
            case FillSpec.Blur b -> {
                DeviceBuffer weights = own(owned, context.allocate(4L * (2 * OcclusionKernels.blurRadius(b.sigma()) + 1)));
                DeviceBuffer scratch = own(owned, context.allocate(4L * sample));
                DeviceBuffer out = own(owned, context.allocate(4L * sample));
                kernels.gaussWeights(stream, b.sigma(), weights);
                kernels.blur(stream, g, x, scratch, out, weights, b.sigma());
                yield DeviceFill.tensor(out);
            }
            case FillSpec.Noise n -> DeviceFill.noise(n.seed(), n.low(), n.high());
            case FillSpec.Baseline b -> {
                if (b.tensor().length != sample) {
                    throw new IllegalArgumentException("baseline has " + b.tensor().length + " values, the input " + sample);
                }
                DeviceBuffer t = own(owned, context.allocate(4L * sample));
                upload(ledger, "baseline", t, b.tensor());
                yield DeviceFill.tensor(t);
            }
            case FillSpec.SoftWindow s -> {
                long volume = 1;
                for (int w : g.window()) {
                    volume *= w;
                }
                DeviceBuffer mask = own(owned, context.allocate(4L * volume));
                kernels.softMask(stream, g, s.sigma(), mask);
                yield DeviceFill.softMask(mask);
            }
        };
    }

    private static DeviceBuffer own(List<DeviceBuffer> owned, DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    private static void upload(TransferLedger ledger, String label, DeviceBuffer target, float[] values) {
        target.copyFrom(values);
        ledger.hostToDevice(label, 4L * values.length);
    }

    private static void uploadInts(TransferLedger ledger, String label, DeviceBuffer target, int[] values) {
        if (values.length == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            target.copyFrom(arena.allocateFrom(ValueLayout.JAVA_INT, values));
        }
        ledger.hostToDevice(label, 4L * values.length);
    }

    /** Waits for the stream, then copies all of {@code source} to the host. */
    private static float[] download(TransferLedger ledger, String label, DeviceBuffer source, CudaStream stream) {
        stream.synchronize();
        float[] out = source.toFloatArray();
        ledger.deviceToHost(label, source.byteSize());
        return out;
    }
}
