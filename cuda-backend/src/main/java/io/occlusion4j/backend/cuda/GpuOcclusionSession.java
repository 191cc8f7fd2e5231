// The device loop (DESIGN section 1) on one device stream, with a pluggable scorer.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.Fill;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.Reduce;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.kernels.DeviceFill;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.OcclusionKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One explanation on a {@link Device}, shaped like the CPU back end's loop: upload the input once, prepare the
 * fill on the device, score the unoccluded sample, resolve the targets on the host from its scores, then per
 * batch write the variants (a full write for the first batch, only the window regions after), score, flag
 * NaN/Inf and gather the deltas into the grid map, all on the device's stream with no host round trip; finally
 * reduce to the pixel map and download both maps and the flag in one copy. Every host-device byte is counted in
 * the run's {@link TransferLedger}. The request speaks the engine's vocabulary ({@link Fill}, targets, progress);
 * {@link KernelTerms} gives its codes to the kernels.
 */
final class GpuOcclusionSession {

    /**
     * Who runs the loop, for errors and the stats: the model in messages, the back end and device, a fixed batch, the
     * self-check's verdict.
     */
    record Runner(String model, String backend, String device, boolean batchFixed, String verification) {}

    private final Device device;
    private final OcclusionKernels kernels;

    GpuOcclusionSession(Device device) {
        this.device = device;
        this.kernels = new OcclusionKernels(device.launcher(KernelProgram.OCCLUSION));
    }

    /**
     * Explains {@code r} with windows {@code g} (its kernel geometry) through {@code scorer}, {@code batch} variants
     * per forward; {@code captureBatches} records each batch's work and replays it (the plan's own forward is
     * already a replay).
     */
    SensitivityMap explain(ExplainRequest r, KernelGeometry g, Scorer scorer, int batch, boolean captureBatches,
                           TransferLedger ledger, Runner runner) {
        long t0 = System.nanoTime();
        if (g.halfOutput() != scorer.halfInput()) {
            throw new IllegalArgumentException("the batch is " + (g.halfOutput() ? "fp16" : "fp32") + " but the scorer reads "
                    + (scorer.halfInput() ? "fp16" : "fp32"));
        }
        if (scorer.channelsLastInput() && !g.channelsLast()) {
            throw new IllegalArgumentException("the scorer reads its batch channels-last (fp16 NHWC), the writer's geometry "
                    + "is channels-first");
        }
        if (r.data().length != g.sampleElements() || r.transform().channels() != g.channels()) {
            throw new IllegalArgumentException("input of " + r.data().length + " values and a normalisation of "
                    + r.transform().channels() + " channels do not fit " + g);
        }
        try (Run run = new Run(r, g, scorer, (int) Math.max(1, Math.min(batch, g.windowCount())), ledger, runner)) {
            run.prepare();
            float[] base = run.baseScores();
            int[] targets = r.targets().resolve(base.clone(), run.outputLabel);
            run.uploadTargets(targets);
            int forwards = 1 + run.batches(captureBatches);
            float[][][] maps = run.maps();
            double seconds = (System.nanoTime() - t0) / 1e9;
            int windows = (int) g.windowCount();
            RunStats stats = new RunStats(windows, forwards, run.batch, runner.batchFixed(), seconds, windows / seconds,
                    runner.backend(), runner.device(), runner.verification());
            return new SensitivityMap(r.grid(), r.perChannel(), r.channels(), run.outputLabel, targets, base, maps[0],
                    maps[1], stats);
        }
    }

    /** The buffers and state of one explanation. */
    private final class Run implements AutoCloseable {
        final ExplainRequest r;
        final KernelGeometry g;
        final Scorer scorer;
        final int batch;
        final TransferLedger ledger;
        final Runner runner;
        final String outputLabel;
        final int outputsPerRow;
        final int scoreCount;
        final boolean reduceMax;
        final int score;
        final List<Device.Buffer> owned = new ArrayList<>();
        Device.Buffer x;
        Device.Buffer mean;
        Device.Buffer scale;
        DeviceFill fill;
        Device.Buffer batchBuffer;
        Device.Buffer outputs;
        Device.Buffer baseScores;
        Device.Buffer targetBuffer;
        Device.Buffer gridMap;
        Device.Buffer firstBad;
        int targetCount;

        Run(ExplainRequest r, KernelGeometry g, Scorer scorer, int batch, TransferLedger ledger, Runner runner) {
            this.r = r;
            this.g = g;
            this.scorer = scorer;
            this.batch = batch;
            this.ledger = ledger;
            this.runner = runner;
            this.outputLabel = String.join("+", r.outputs());
            this.outputsPerRow = scorer.outputsPerSample();
            this.reduceMax = r.reduce() == Reduce.MAX;
            this.scoreCount = reduceMax ? 1 : outputsPerRow;
            this.score = KernelTerms.score(r.score());
        }

        Device.Buffer own(Device.Buffer b) {
            owned.add(b);
            return b;
        }

        /** The input and its normalisation in one upload ({@code [x | mean | 1/std]}), the fill, the batch buffers. */
        void prepare() {
            int channels = g.channels();
            long sample = g.sampleElements();
            float[] packed = new float[(int) sample + 2 * channels];
            System.arraycopy(r.data(), 0, packed, 0, (int) sample);
            System.arraycopy(r.transform().mean(), 0, packed, (int) sample, channels);
            System.arraycopy(r.transform().scale(), 0, packed, (int) sample + channels, channels);
            Device.Buffer all = own(device.allocate(4L * packed.length));
            upload("input", all, packed);
            x = own(device.allocate(4L * sample));
            mean = own(device.allocate(4L * channels));
            scale = own(device.allocate(4L * channels));
            kernels.copyWords(all, 0, x, 0, sample);
            kernels.copyWords(all, sample, mean, 0, channels);
            kernels.copyWords(all, sample + channels, scale, 0, channels);
            fill = prepareFill();
            // Zero copy: a scorer with its own input buffer (the plan's input slot) has the writer write there.
            Device.Buffer scorerInput = scorer.inputBuffer();
            long batchBytes = batch * sample * g.elementBytes();
            if (scorerInput != null && scorerInput.byteSize() < batchBytes) {
                throw new IllegalArgumentException("the scorer's input buffer holds " + scorerInput.byteSize()
                        + " bytes, a batch of " + batch + " needs " + batchBytes);
            }
            batchBuffer = scorerInput != null ? scorerInput : own(device.allocate(batchBytes));
            outputs = own(device.allocate(4L * batch * outputsPerRow));
            // [base scores | NaN/Inf flag of the base outputs], downloaded in one copy.
            baseScores = own(device.allocate(4L * (scoreCount + 1)));
        }

        private DeviceFill prepareFill() {
            int channels = g.channels();
            long sample = g.sampleElements();
            return switch (r.fill()) {
                case Fill.Constant c -> {
                    if (c.values().length != 1 && c.values().length != channels) {
                        throw new IllegalArgumentException("constant fill has " + c.values().length + " values for "
                                + channels + " channels");
                    }
                    float[] values = new float[channels];
                    for (int i = 0; i < channels; i++) {
                        values[i] = c.values()[c.values().length == 1 ? 0 : i];
                    }
                    Device.Buffer b = own(device.allocate(4L * channels));
                    upload("fill values", b, values);
                    yield DeviceFill.perChannelValues(b);
                }
                case Fill.Mean m -> {
                    Device.Buffer b = own(device.allocate(4L * channels));
                    kernels.channelMean(x, channels, g.spatialSize(), b);
                    yield DeviceFill.perChannelValues(b);
                }
                case Fill.Blur b -> {
                    Device.Buffer weights = own(device.allocate(4L * (2 * OcclusionKernels.blurRadius(b.sigma()) + 1)));
                    Device.Buffer scratch = own(device.allocate(4L * sample));
                    Device.Buffer out = own(device.allocate(4L * sample));
                    kernels.gaussWeights(b.sigma(), weights);
                    kernels.blur(g, x, scratch, out, weights, b.sigma());
                    yield DeviceFill.tensor(out);
                }
                case Fill.Noise n -> DeviceFill.noise(n.seed(), n.low(), n.high());
                case Fill.Baseline b -> {
                    if (b.tensor().size() != sample) {
                        throw new IllegalArgumentException("baseline has " + b.tensor().size() + " values, the input " + sample);
                    }
                    Device.Buffer t = own(device.allocate(4L * sample));
                    upload("baseline", t, b.tensor().data());
                    yield DeviceFill.tensor(t);
                }
                case Fill.GaussianWindow w -> {
                    long volume = 1;
                    for (int v : g.window()) {
                        volume *= v;
                    }
                    Device.Buffer mask = own(device.allocate(4L * volume));
                    kernels.softMask(g, w.sigma(), mask);
                    yield DeviceFill.softMask(mask);
                }
            };
        }

        /** The unoccluded forward (slot 0; the other rows start from zeros, not stale memory) and its scores. */
        float[] baseScores() {
            device.fill32(batchBuffer, 0);
            kernels.writeFull(g, 1, 0, 0, x, fill, mean, scale, batchBuffer);
            scorer.score(batchBuffer, 1, outputs);
            kernels.scoreRows(outputs, 1, outputsPerRow, scorer.lastAxis(), score, reduceMax, baseScores);
            Device.Buffer baseFlag = own(device.allocate(4));
            device.fill32(baseFlag, Integer.MAX_VALUE);
            kernels.nonfiniteFlag(outputs, 1, outputsPerRow, 0, baseFlag);
            kernels.copyWords(baseFlag, 0, baseScores, scoreCount, 1);
            float[] all = download("base scores", baseScores);
            if (Float.floatToRawIntBits(all[scoreCount]) != Integer.MAX_VALUE) {
                throw new OcclusionException("model output " + outputLabel + " of " + runner.model()
                        + " contains NaN or Inf for the unoccluded input (CUDA plan)");
            }
            return Arrays.copyOf(all, scoreCount);
        }

        void uploadTargets(int[] targets) {
            for (int t : targets) {
                if (t < 0 || t >= scoreCount) {
                    throw new IllegalArgumentException("target " + t + " is outside the " + scoreCount + " scores");
                }
            }
            targetCount = targets.length;
            targetBuffer = own(device.allocate(4L * Math.max(1, targets.length)));
            if (targets.length > 0) {
                try (Arena arena = Arena.ofConfined()) {
                    device.upload(arena.allocateFrom(ValueLayout.JAVA_INT, targets), targetBuffer, 0);
                }
                ledger.hostToDevice("targets", 4L * targets.length);
            }
            gridMap = own(device.allocate(4L * Math.max(1, targetCount * g.windowCount())));
            firstBad = own(device.allocate(4));
            device.fill32(firstBad, Integer.MAX_VALUE);
        }

        /**
         * Every batch of windows; returns the forwards run. With a listener, a marker after each batch: waiting on
         * the previous batch's keeps one batch queued on the device while the host reports progress.
         */
        int batches(boolean captureBatches) {
            long windows = g.windowCount();
            ProgressListener listener = r.progress();
            Device.Marker[] done = new Device.Marker[2];
            long reported = 0;
            int forwards = 0;
            try {
                for (long first = 0; first < windows; first += batch) {
                    int n = (int) Math.min(batch, windows - first);
                    long previous = first - batch;
                    long firstWindow = first;
                    Runnable whole = () -> {
                        if (previous < 0) {
                            kernels.writeFull(g, batch, n, firstWindow, x, fill, mean, scale, batchBuffer);
                        } else {
                            kernels.writeNext(g, n, previous, firstWindow, x, fill, mean, scale, batchBuffer);
                        }
                        scorer.scoreWindows(batchBuffer, n, firstWindow, outputs);
                        kernels.nonfiniteFlag(outputs, n, outputsPerRow, (int) firstWindow, firstBad);
                        kernels.scoreGather(outputs, n, outputsPerRow, scorer.lastAxis(), score, reduceMax, targetBuffer,
                                targetCount, baseScores, firstWindow, windows, gridMap);
                    };
                    if (captureBatches) {
                        try (Device.Replay replay = device.capture(whole)) {
                            replay.launch();
                        }
                    } else {
                        whole.run();
                    }
                    forwards++;
                    if (listener != null) {
                        int k = forwards & 1;
                        done[k] = device.mark();
                        if (first > 0) {
                            done[1 - k].await();
                            done[1 - k].close();
                            done[1 - k] = null;
                            reported = first;
                            listener.progress((int) reported, (int) windows);
                        }
                    }
                }
            } finally {
                for (Device.Marker m : done) {
                    if (m != null) {
                        m.close();
                    }
                }
            }
            if (listener != null && reported < windows) {
                device.synchronize();
                listener.progress((int) windows, (int) windows);
            }
            return forwards;
        }

        /** The pixel map from the grid map, then {@code [grid | pixel | flag]} in one download: grid and pixel maps. */
        float[][][] maps() {
            long windows = g.windowCount();
            int mapChannels = g.perChannel() ? g.channels() : 1;
            long size = g.spatialSize();
            long gridFloats = targetCount * windows;
            long pixelFloats = targetCount * mapChannels * size;
            Device.Buffer results = own(device.allocate(4L * (gridFloats + pixelFloats + 1)));
            Device.Buffer pixel = own(device.allocate(4L * Math.max(1, pixelFloats)));
            Device.Buffer lo = own(device.allocate(4L * OcclusionKernels.coveringTableLength(g)));
            Device.Buffer hi = own(device.allocate(4L * OcclusionKernels.coveringTableLength(g)));
            kernels.coveringTables(g, lo, hi);
            kernels.pixelMap(g, gridMap, mapChannels, targetCount, lo, hi, pixel);
            kernels.copyWords(gridMap, 0, results, 0, gridFloats);
            kernels.copyWords(pixel, 0, results, gridFloats, pixelFloats);
            kernels.copyWords(firstBad, 0, results, gridFloats + pixelFloats, 1);
            float[] all = download("maps and flag", results);
            int bad = Float.floatToRawIntBits(all[(int) (gridFloats + pixelFloats)]);
            if (bad != Integer.MAX_VALUE) {
                throw new OcclusionException("model output " + outputLabel + " of " + runner.model()
                        + " contains NaN or Inf for the variant occluding window " + bad + " of " + windows + " (CUDA plan)");
            }
            float[][] gridOut = new float[targetCount][];
            float[][] pixelOut = new float[targetCount][];
            for (int t = 0; t < targetCount; t++) {
                gridOut[t] = Arrays.copyOfRange(all, (int) (t * windows), (int) ((t + 1) * windows));
                int p0 = (int) (gridFloats + t * mapChannels * size);
                pixelOut[t] = Arrays.copyOfRange(all, p0, (int) (p0 + mapChannels * size));
            }
            return new float[][][] {gridOut, pixelOut};
        }

        private void upload(String label, Device.Buffer target, float[] values) {
            try (Arena arena = Arena.ofConfined()) {
                device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, values), target, 0);
            }
            ledger.hostToDevice(label, 4L * values.length);
        }

        /** Waits for the work before it, then copies all of {@code source} to the host. */
        private float[] download(String label, Device.Buffer source) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(source.byteSize(), 8);
                device.download(source, 0, host);
                ledger.deviceToHost(label, source.byteSize());
                return host.toArray(ValueLayout.JAVA_FLOAT);
            }
        }

        @Override
        public void close() {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
        }
    }
}
