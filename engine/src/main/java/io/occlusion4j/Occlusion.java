package io.occlusion4j;

import io.occlusion4j.core.BackendChoice;
import io.occlusion4j.core.BackendSession;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.io.Images;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An occlusion explainer for one model: slides a window over the input, fills what it covers, scores
 * every variant and records how much each target's score drops. Built once (the model is loaded then),
 * used for any number of inputs, from any number of threads; close it to free the model.
 *
 * <pre>{@code
 * try (Occlusion occlusion = Occlusion.builder().model(path).window(16, 16).stride(8, 8)
 *         .fill(Fill.constant(0.5f)).score(Score.SOFTMAX).targets(Targets.topK(3)).build()) {
 *     SensitivityMap map = occlusion.explain(input);   // input: Tensor [C, H, W]
 * }
 * }</pre>
 *
 * Defaults follow Captum: CROP edges, constant fill 0, RAW scores, the argmax target, windows over all
 * channels jointly. The stride defaults to the window (tiles that cover every element once).
 */
public final class Occlusion implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j");

    private final Settings settings;
    private final BackendSession session;
    private final String backendReason;
    private final boolean ownsSession;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Occlusion(Settings settings, BackendSession session, String reason, boolean ownsSession) {
        this.settings = settings;
        this.session = session;
        this.backendReason = reason;
        this.ownsSession = ownsSession;
    }

    /**
     * An explainer with changed settings (window, fill, targets, ...) that shares this one's loaded model:
     * nothing is reloaded. Closing the derived explainer leaves the model open; closing this one closes it.
     * The builder {@code change} receives starts from these settings; its model, back end and threads are
     * those of the loaded model and cannot be changed.
     */
    public Occlusion with(Consumer<Builder> change) {
        Builder b = new Builder(settings);
        change.accept(b);
        if (b.model != null || b.backend != null || b.threads >= 0 || b.verifyBackend != null) {
            throw new IllegalArgumentException("model, backend, threads and verifyBackend are fixed when the model is loaded;"
                    + " build a new Occlusion to change them");
        }
        return new Occlusion(b.settings(), session, backendReason, false);
    }

    /** The settings every explanation of this explainer uses. */
    public Settings settings() {
        return settings;
    }

    public static Builder builder() {
        return new Builder(Settings.DEFAULTS);
    }

    /** The model's input and outputs as the back end sees them. */
    public ModelSignature signature() {
        return session.signature();
    }

    /** The back end in use ({@code cpu} or {@code cuda}) and why it was chosen. */
    public String backend() {
        return session.name() + " (" + backendReason + ")";
    }

    /** The model input's spatial size {@code [D1..Dk]} if fixed, else {@code null}. */
    public int[] modelSpatialSize() {
        long[] shape = session.signature().inputShape();
        int k = shape.length - 2;
        if (k < 1) {
            return null;
        }
        int[] out = new int[k];
        for (int d = 0; d < k; d++) {
            long v = settings.layout() == Layout.CHANNELS_FIRST ? shape[2 + d] : shape[1 + d];
            if (v <= 0) {
                return null;
            }
            out[d] = (int) v;
        }
        return out;
    }

    /** Explains one input {@code [C, D1..Dk]} (raw space: occlusion happens before normalisation). */
    public SensitivityMap explain(Tensor input) {
        Objects.requireNonNull(input, "input");
        ExplainRequest request = request(input);
        SensitivityMap map = session.explain(request);
        RunStats s = map.stats();
        LOG.log(System.Logger.Level.INFO, () -> String.format(
                "occlusion4j: %s back end (%s; %s): %d windows in %d forwards of %d, %.3f s, %.1f variants/s",
                session.name(), backendReason, session.device(), s.windows(), s.forwards(), s.batchSize(), s.seconds(),
                s.variantsPerSecond()));
        return map;
    }

    /**
     * Explains only the given windows of {@code input}'s grid (numbered row-major over {@link #grid(Tensor)},
     * per channel {@code c * count + position}; strictly ascending). Grid-map entries of the other windows
     * are NaN; each pixel-map element is the mean over the explained windows covering it (NaN where none
     * of its covering windows was explained). The stats count the variants scored. An empty subset runs
     * only the unoccluded forward: the map's {@link SensitivityMap#allBaseScores()} are the input's scores.
     */
    public SensitivityMap explain(Tensor input, int[] windows) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(windows, "windows");
        return session.explain(request(input).withWindows(windows));
    }

    /**
     * As {@link #explain(Tensor, int[])}, reusing the unoccluded input's scores from an earlier explanation of the same
     * input with the same settings ({@code earlier.allBaseScores()}): the unoccluded forward is not run again, and
     * the map's base scores are {@code baseScores}. {@code windows} must not be empty.
     */
    public SensitivityMap explain(Tensor input, int[] windows, float[] baseScores) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(windows, "windows");
        Objects.requireNonNull(baseScores, "baseScores");
        return session.explain(request(input).withWindows(windows).withBaseScores(baseScores));
    }

    /** The window grid this explainer's settings give for {@code input} ({@code [C, D1..Dk]}). */
    public WindowGrid grid(Tensor input) {
        Objects.requireNonNull(input, "input");
        return request(input).grid();
    }

    /** Explains a batch of inputs, one map each, in order. */
    public List<SensitivityMap> explain(List<Tensor> inputs) {
        List<SensitivityMap> out = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) {
            out.add(explain(t));
        }
        return out;
    }

    /**
     * Explains an image: resized to the model's input size (or the builder's {@link Builder#imageSize}),
     * scaled to [0,1], RGB (or BGR), then normalised as configured.
     */
    public SensitivityMap explain(BufferedImage image) {
        return explain(imageTensor(image));
    }

    /**
     * Reads and explains an image file (PNG, JPEG, BMP, GIF, TIFF) within {@link Images.Limits#DEFAULT}
     * (checked against the header before decoding), decoded subsampled to no less than twice the size it
     * is resized to.
     */
    public SensitivityMap explainImage(Path file) {
        int[] size = settings.imageSize() != null ? settings.imageSize() : modelSpatialSize();
        int[] keep = size == null || size.length != 2 ? null : new int[] {2 * size[0], 2 * size[1]};
        return explain(Images.read(file, Images.Limits.DEFAULT, keep));
    }

    /** The raw tensor {@code [3, H, W]} an image becomes before explanation. */
    public Tensor imageTensor(BufferedImage image) {
        int[] size = settings.imageSize();
        if (size == null) {
            size = modelSpatialSize();
        }
        if (size == null || size.length != 2) {
            size = new int[] {image.getHeight(), image.getWidth()};
        }
        return Images.toTensor(image, size[0], size[1], settings.bgr());
    }

    /**
     * {@code input} as one sample {@code [C, D1..Dk]}. A tensor saved as the model takes it, a batch of one with
     * the model input's rank ({@code [1, C, D1..Dk]}, or {@code [1, D1..Dk, C]} for a channels-last model: what
     * {@code x.numpy()} gives), loses its batch axis; any other tensor is returned as it is.
     */
    public Tensor sample(Tensor input) {
        int[] shape = input.shape();
        if (shape.length != session.signature().inputShape().length || shape.length < 3 || shape[0] != 1) {
            return input;
        }
        int[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        if (settings.layout() != Layout.CHANNELS_LAST) {
            return Tensor.of(input.data(), rest);
        }
        int c = rest[rest.length - 1];
        int plane = input.size() / c;
        float[] from = input.data();
        float[] to = new float[from.length];
        for (int i = 0; i < plane; i++) {
            for (int k = 0; k < c; k++) {
                to[k * plane + i] = from[i * c + k];
            }
        }
        int[] channelsFirst = new int[rest.length];
        channelsFirst[0] = c;
        System.arraycopy(rest, 0, channelsFirst, 1, rest.length - 1);
        return Tensor.of(to, channelsFirst);
    }

    private ExplainRequest request(Tensor given) {
        ModelSignature sig = session.signature();
        Tensor input = sample(given);
        int[] shape = input.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("input " + Arrays.toString(shape) + " must be [C, D1..Dk] with at least one spatial axis");
        }
        long[] modelIn = sig.inputShape();
        if (modelIn.length != shape.length + 1) {
            throw new OcclusionException("input of shape " + Arrays.toString(shape) + " has rank " + shape.length
                    + " (channels + " + (shape.length - 1) + " spatial axes), but the model input " + sig.describeInput()
                    + " takes rank " + (modelIn.length - 1) + " per sample");
        }
        int[] window = settings.window();
        if (window == null) {
            throw new IllegalArgumentException("no window set: call window(...) with one size per spatial axis");
        }
        int[] spatial = Arrays.copyOfRange(shape, 1, shape.length);
        WindowGrid grid = WindowGrid.of(spatial, window, settings.strideOrWindow(), settings.edge(), settings.allowGaps());
        ExplainRequest request = new ExplainRequest(input, settings.withOutputs(resolveOutputs(sig)), grid);
        long[] sample = request.modelShape();
        for (int i = 0; i < sample.length; i++) {
            long want = modelIn[i + 1];
            if (want > 0 && want != sample[i]) {
                throw new OcclusionException("input of shape " + Arrays.toString(shape) + " is " + Arrays.toString(sample)
                        + " per sample in " + settings.layout() + " layout, but the model input " + sig.describeInput()
                        + " needs " + want + " on axis " + (i + 1));
            }
        }
        request.transform(); // checks that the normalisation fits the channels
        for (float v : input.data()) {
            if (!Float.isFinite(v)) {
                throw new OcclusionException("input " + Arrays.toString(shape) + " contains NaN or Inf");
            }
        }
        return request;
    }

    private List<String> resolveOutputs(ModelSignature sig) {
        List<String> names = settings.outputs().isEmpty() ? List.of(sig.outputs().getFirst().name()) : settings.outputs();
        for (String n : names) {
            ModelSignature.Output o = sig.output(n);
            if (o == null) {
                throw new IllegalArgumentException("the model has no output named '" + n + "'; its outputs are " + sig.outputNames());
            }
            if (!o.isFloat()) {
                throw new IllegalArgumentException("model output '" + n + "' is not a float tensor: " + o);
            }
        }
        if (names.size() > 1 && settings.reduce() == Reduce.NONE) {
            throw new IllegalArgumentException("several outputs " + names + " can only be scored together with reduce(MAX)");
        }
        return names;
    }

    @Override
    public void close() {
        // Idempotent: a server and its owner may both close the explainer they share.
        if (ownsSession && closed.compareAndSet(false, true)) {
            session.close();
        }
    }

    /**
     * Builds an {@link Occlusion}: the model and its back end, then the {@link Settings}. {@link #build()}
     * loads the model; {@link Occlusion#with} hands a builder preset with an explainer's settings.
     */
    public static final class Builder {
        // Fixed when the model loads; null / -1 mean "not set" (AUTO and every processor at build time).
        private Path model;
        private Backend backend;
        private int threads = -1;
        private Boolean verifyBackend;
        // The settings, as the fluent calls set them; settings() freezes them into the record.
        private int[] window;
        private int[] stride;
        private Edge edge;
        private boolean perChannel;
        private boolean allowGaps;
        private Fill fill;
        private Score score;
        private Targets targets;
        private List<String> outputs;
        private Reduce reduce;
        private int batchSize;
        private float[] mean;
        private float[] std;
        private Layout layout;
        private int[] imageSize;
        private boolean bgr;
        private ProgressListener progress;
        private Incremental incremental;
        private double approximate;

        private Builder(Settings s) {
            window = s.window();
            stride = s.stride();
            edge = s.edge();
            perChannel = s.perChannel();
            allowGaps = s.allowGaps();
            fill = s.fill();
            score = s.score();
            targets = s.targets();
            outputs = s.outputs();
            reduce = s.reduce();
            batchSize = s.batchSize();
            mean = s.mean();
            std = s.std();
            layout = s.layout();
            imageSize = s.imageSize();
            bgr = s.bgr();
            progress = s.progress();
            incremental = s.incremental();
            approximate = s.approximate();
        }

        /** The settings set so far, checked and frozen. */
        public Settings settings() {
            return new Settings(window, stride, edge, perChannel, allowGaps, fill, score, targets, outputs, reduce, batchSize,
                    mean, std, layout, imageSize, bgr, progress, incremental, approximate);
        }

        /**
         * Whether the CPU back end (and the CUDA back end's device loop) computes variants incrementally (default
         * {@link Incremental#AUTO}).
         */
        public Builder incremental(Incremental mode) {
            this.incremental = Objects.requireNonNull(mode, "incremental");
            return this;
        }

        /**
         * Krypton's projective-field threshold tau in (0, 1] for incremental inference: 1 (the default) is exact; below 1
         * each layer's recomputed patch is capped at tau of its map, which approximates the map for speed.
         */
        public Builder approximate(double tau) {
            if (!(tau > 0 && tau <= 1)) {
                throw new IllegalArgumentException("approximate (tau) must be in (0, 1], got " + tau);
            }
            this.approximate = tau;
            return this;
        }

        public Builder model(Path model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Whether a GPU back end checks its first results against ONNX Runtime (true, the default: a mismatch falls
         * back to the CPU under AUTO and is an error under CUDA); false skips the check, for benchmarks.
         */
        public Builder verifyBackend(boolean verify) {
            this.verifyBackend = verify;
            return this;
        }

        /** CPU threads for inference; 0 (the default) uses every available processor. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Window size per spatial axis (Captum's {@code sliding_window_shapes} without the channel axis). */
        public Builder window(int... window) {
            this.window = window.clone();
            return this;
        }

        /** Stride per spatial axis; each >= 1. Defaults to the window. */
        public Builder stride(int... stride) {
            this.stride = stride.clone();
            return this;
        }

        public Builder edge(Edge edge) {
            this.edge = Objects.requireNonNull(edge, "edge");
            return this;
        }

        /** Occlude one channel at a time instead of all channels jointly. */
        public Builder perChannel(boolean perChannel) {
            this.perChannel = perChannel;
            return this;
        }

        /** Accept a stride larger than the window (elements between windows stay uncovered, map 0 there). */
        public Builder allowGaps(boolean allowGaps) {
            this.allowGaps = allowGaps;
            return this;
        }

        public Builder fill(Fill fill) {
            this.fill = Objects.requireNonNull(fill, "fill");
            return this;
        }

        public Builder score(Score score) {
            this.score = Objects.requireNonNull(score, "score");
            return this;
        }

        public Builder targets(Targets targets) {
            this.targets = Objects.requireNonNull(targets, "targets");
            return this;
        }

        /** The model output(s) to score, by name; by default the first output. */
        public Builder outputs(String... names) {
            this.outputs = List.of(names);
            return this;
        }

        public Builder reduce(Reduce reduce) {
            this.reduce = Objects.requireNonNull(reduce, "reduce");
            return this;
        }

        /** Variants per forward; 0 (the default) picks one from a memory budget. Fixed-batch models ignore it. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 0) {
                throw new IllegalArgumentException("batch size must be >= 0, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Per-channel normalisation {@code (v - mean) / std} applied after the fill (one value or one per channel). */
        public Builder normalize(float[] mean, float[] std) {
            if (mean.length != std.length) {
                throw new IllegalArgumentException("mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std)
                        + " must have the same length");
            }
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        /** The model's input layout; inputs are always given channels first. */
        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** Image inputs are resized to {@code height x width} (default: the model's fixed input size). */
        public Builder imageSize(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
            }
            this.imageSize = new int[] {height, width};
            return this;
        }

        /** Image inputs in BGR channel order (OpenCV- and Paddle-trained models). */
        public Builder bgr(boolean bgr) {
            this.bgr = bgr;
            return this;
        }

        /** Reports each run's progress to {@code listener} ({@code null}, the default, reports nothing). */
        public Builder progress(ProgressListener listener) {
            this.progress = listener;
            return this;
        }

        /** Loads the model on the chosen back end. */
        public Occlusion build() {
            if (model == null) {
                throw new IllegalArgumentException("no model set: call model(path)");
            }
            Settings frozen = settings();
            int n = Math.max(threads, 0);
            BackendChoice choice = switch (backend == null ? Backend.AUTO : backend) {
                case CPU -> new BackendChoice(OrtBackendSession.open(model, n), "asked for");
                case AUTO -> BackendChoice.auto(model, n, verifyBackend != Boolean.FALSE, BackendChoice.discover(),
                        () -> OrtBackendSession.open(model, n));
                case CUDA -> BackendChoice.cuda(model, n, verifyBackend != Boolean.FALSE, BackendChoice.discover());
            };
            try {
                choice.session().signature().checkInputSize(model.toString()); // whichever back end read it
            } catch (RuntimeException e) {
                choice.session().close();
                throw e;
            }
            return new Occlusion(frozen, choice.session(), choice.reason(), true);
        }
    }
}
