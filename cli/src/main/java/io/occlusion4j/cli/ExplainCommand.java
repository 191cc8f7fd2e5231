// occlusion4j explain: one model, one input, the maps written as PNG, NPY and JSON.
package io.occlusion4j.cli;

import io.occlusion4j.Backend;
import io.occlusion4j.Edge;
import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.explore.AdaptiveOcclusion;
import io.occlusion4j.explore.Interactions;
import io.occlusion4j.explore.MultiScale;
import io.occlusion4j.io.AtomicFiles;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.render.Colormap;
import io.occlusion4j.render.HeatmapRenderer;
import io.occlusion4j.render.InteractionPlot;
import io.occlusion4j.video.Clip;
import io.occlusion4j.video.ClipSpec;
import io.occlusion4j.video.HeatmapVideoWriter;
import io.occlusion4j.video.VideoExplainer;
import io.occlusion4j.video.VideoMap;
import io.occlusion4j.video.VideoReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "explain", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Computes the occlusion-sensitivity map of a model on one input.",
                "Occlusion happens in raw space ([0,1] pixels for images), before --mean/--std."},
        footer = {"", "Exit codes: 0 done; 1 runtime error (a model, image, NPY or labels file that cannot be read or does",
                "not fit the model, an output that cannot be written, NaN in the model output, --backend cuda in this",
                "build); 2 usage error (a bad flag, or settings the input cannot take: a window larger than the input,",
                "a stride larger than the window without --allow-gaps, a target out of range, --mean without --std)."})
final class ExplainCommand implements Callable<Integer> {
    enum LayoutOption { NCHW, NHWC }

    static final class InputChoice {
        @Option(names = "--image", paramLabel = "FILE", description = "image to explain (PNG, JPEG, BMP, GIF, TIFF)")
        Path image;
        @Option(names = "--tensor", paramLabel = "FILE.npy", description = "raw input tensor [C, D1..Dk] (float32 or float64)")
        Path tensor;
        @Option(names = "--video", paramLabel = "FILE|DIR",
                description = "video (MP4, AVI, GIF, ...) or a folder of frames; a 3-D model [N,C,T,H,W] gets one clip,"
                        + " a frame-wise model [N,C,H,W] each frame")
        Path video;
    }

    static final class TargetChoice {
        @Option(names = "--target", split = ",", paramLabel = "N", description = "score indices to explain (default: the argmax)")
        int[] indices;
        @Option(names = "--top-k", paramLabel = "K", description = "explain the K highest scores of the unoccluded input")
        Integer topK;
    }

    private final boolean interactive;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "the ONNX model")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    InputChoice input;

    @Option(names = "--window", required = true, split = ",", paramLabel = "N",
            description = "window size per spatial axis (one value: the same on every axis)")
    int[] window;

    @Option(names = "--stride", split = ",", paramLabel = "N", description = "stride per spatial axis (default: the window)")
    int[] stride;

    @Option(names = "--edge", defaultValue = "crop", paramLabel = "crop|inside|shift",
            description = "last window at an edge: crop it (Captum), only whole windows, or shift it back (MONAI); default ${DEFAULT-VALUE}")
    Edge edge;

    @Option(names = "--fill", defaultValue = "0", paramLabel = "VALUE|mean|blur[:SIGMA]|noise[:SEED]|FILE.npy",
            description = {"what replaces the window, in raw space (default 0). VALUE may be one number per channel (a,b,c);",
                    "blur's default sigma is 5 elements, noise's default seed 0; FILE.npy is a baseline of the input's shape"})
    String fill;

    @Option(names = "--per-channel", description = "occlude one channel at a time (maps get a channel axis)")
    boolean perChannel;

    @Option(names = "--allow-gaps", description = "accept a stride larger than the window")
    boolean allowGaps;

    @Option(names = "--score", defaultValue = "raw", paramLabel = "raw|softmax|sigmoid",
            description = "transform of the model output before targets are read; default ${DEFAULT-VALUE}")
    Score score;

    @Option(names = "--output", split = ",", paramLabel = "NAME", description = "model output(s) to score (default: the first)")
    List<String> outputs;

    @Option(names = "--reduce", defaultValue = "none", paramLabel = "none|max",
            description = "max: one score, the maximum over the selected outputs (a detector's top confidence)")
    Reduce reduce;

    @ArgGroup(exclusive = true)
    TargetChoice targets;

    @Option(names = "--batch", defaultValue = "0", paramLabel = "B", description = "variants per forward (0: from a memory budget)")
    int batch;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (0: all)")
    int threads;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda", description = "back end; default ${DEFAULT-VALUE}")
    Backend backend;






    @Mixin
    Preprocessing prep = new Preprocessing();

    @Option(names = "--labels", paramLabel = "FILE", description = "class labels, one per line (line i names score i)")
    Path labels;

    @Option(names = "--out-png", paramLabel = "FILE", description = "heatmap over the input, one panel per target")
    Path outPng;

    @Option(names = "--out-npy", paramLabel = "FILE", description = "pixel maps, float32 [targets, D1..Dk]")
    Path outNpy;

    @Option(names = "--out-grid-npy", paramLabel = "FILE", description = "grid maps, float32 [targets, G1..Gk]")
    Path outGridNpy;

    @Option(names = "--out-json", paramLabel = "FILE", description = "targets, labels, base scores, grid shape and run statistics")
    Path outJson;

    @Option(names = "--colormap", defaultValue = "auto", paramLabel = "auto|viridis|inferno|blue-white-red",
            description = "auto: blue-white-red for signed maps, else viridis")
    String colormap;

    @Option(names = "--alpha", defaultValue = "0.75", paramLabel = "A", description = "heatmap opacity in [0,1]; default ${DEFAULT-VALUE}")
    double alpha;

    @Option(names = "--frames", defaultValue = "0", paramLabel = "T",
            description = "frames to sample from --video (default: the model's T; required for frame-wise models)")
    int frames;

    @Option(names = "--frame-stride", paramLabel = "S", description = "take every S-th frame from --start-frame (default: uniform sampling)")
    Integer frameStride;

    @Option(names = "--start-frame", defaultValue = "0", paramLabel = "N", description = "first frame with --frame-stride")
    int startFrame;

    @Option(names = "--out-video", paramLabel = "FILE.mp4|FILE.gif", description = "--video: the heatmap over every frame, as MP4 or animated GIF")
    Path outVideo;

    @Option(names = "--out-frames", paramLabel = "DIR", description = "--video: one heatmap PNG per frame")
    Path outFrames;

    @Option(names = "--adaptive", paramLabel = "R",
            description = "coarse-to-fine: a coarse pass, then exact windows only where the coarse map is in the top fraction R"
                    + " (plus one coarse cell); the rest filled from the coarse map")
    Double adaptive;

    @Option(names = "--multi-scale",
            description = "several window sizes in one run: each --window value is a square window (the same on every spatial"
                    + " axis), one scale each; --stride gives one value per scale (default: half the window). The map is the mean"
                    + " over the scales of each scale's map divided by its largest |value|; --out-png shows it, then each scale")
    boolean multiScale;

    @Option(names = "--interactions", paramLabel = "K",
            description = "after the map, the pairwise interactions of the K most important non-overlapping windows of the"
                    + " first target (I_ij = drop of both - drop of i - drop of j); needs --out-interactions-json or -png")
    Integer interactions;

    @Option(names = "--out-interactions-json", paramLabel = "FILE",
            description = "--interactions: the windows, their drops and the k x k interaction matrix")
    Path outInteractionsJson;

    @Option(names = "--out-interactions-png", paramLabel = "FILE",
            description = "--interactions: the windows drawn on the input beside the interaction matrix")
    Path outInteractionsPng;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors (no summary, no progress)")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "log the back end's choice and show stack traces with errors")
    boolean verbose;

    @Option(names = "--progress-delay-ms", defaultValue = "1000", hidden = true)
    long progressDelayMs;

    ExplainCommand(boolean interactive) {
        this.interactive = interactive;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (verbose) {
            Logger.getLogger("io.occlusion4j").setLevel(Level.INFO);
        }
        checkFlags();
        mustExist(input.image, "image");
        mustExist(input.tensor, "tensor");
        if (input.video != null && !Files.exists(input.video)) {
            throw new OcclusionException("video " + input.video + " does not exist");
        }
        mustExist(labels, "labels");
        FillSpec.parse(fill); // a malformed --fill is a usage error before any model is loaded
        HeatmapRenderer renderer = renderer();
        List<String> labelLines = labels == null ? null : readLabels(labels);
        if (input.video != null) {
            return explainVideo(labelLines, out, err);
        }
        Tensor tensorInput = input.tensor != null ? Npy.read(input.tensor) : null;
        BufferedImage image = input.image != null ? Images.read(input.image) : null;
        int spatialAxes = tensorInput != null ? tensorInput.rank() - 1 : 2;
        if (outPng != null && (spatialAxes != 2 || tensorInput != null && tensorInput.rank() != 3)) {
            throw new Main.UsageException("--out-png draws 2-D maps; this input has " + spatialAxes
                    + " spatial axes (write --out-npy instead)");
        }
        if (outInteractionsPng != null && spatialAxes != 2) {
            throw new Main.UsageException("--out-interactions-png draws windows on 2-D inputs; this input has " + spatialAxes
                    + " spatial axes (write --out-interactions-json instead)");
        }
        if (multiScale) {
            return explainMultiScale(tensorInput, image, spatialAxes, labelLines, renderer, out, err);
        }
        try (Progress progress = new Progress("explain", err, interactive, quiet, progressDelayMs)) {
            Occlusion.Builder b = builder(spatialAxes, progress);
            try (Occlusion occlusion = b.build()) {
                if (verbose) {
                    err.println("occlusion4j: back end " + occlusion.backend() + "; model input " + occlusion.signature().describeInput()
                            + ", outputs " + occlusion.signature().outputs());
                }
                Tensor x = tensorInput != null ? tensorInput : occlusion.imageTensor(image);
                progress.begin();
                Map<String, Object> runSettings = settings(x);
                SensitivityMap map;
                if (adaptive != null) {
                    AdaptiveOcclusion.Result result = AdaptiveOcclusion.explain(occlusion, x, AdaptiveOcclusion.Settings.of(adaptive));
                    map = result.map();
                    AdaptiveOcclusion.Stats a = result.stats();
                    Map<String, Object> stats = new LinkedHashMap<>();
                    stats.put("r", adaptive);
                    stats.put("coarse_window", a.coarseWindow());
                    stats.put("coarse_stride", a.coarseStride());
                    stats.put("coarse_variants", a.coarseVariants());
                    stats.put("exact_windows", a.exactVariants());
                    stats.put("fine_windows", a.fineVariants());
                    stats.put("forwards_used", a.forwardsUsed());
                    stats.put("exact_run_forwards", a.exactForwards());
                    stats.put("fraction_saved", a.fractionSaved());
                    runSettings.put("adaptive", stats);
                    if (!quiet) {
                        out.println("adaptive: " + a);
                    }
                } else {
                    map = occlusion.explain(x);
                }
                BufferedImage picture = image != null ? image : ExplanationReport.picture(x, prep.bgr);
                ExplanationReport report = new ExplanationReport(map, labelsFor(map, labelLines), picture, runSettings);
                Interactions.Result pairs = interactions != null ? interactions(occlusion, x, map) : null;
                // Everything is computed and drawn before the first file is written.
                BufferedImage pairsPng = pairs != null && outInteractionsPng != null
                        ? InteractionPlot.render(picture, x.dim(1), x.dim(2), pairs.starts(), pairs.extents(), pairs.interaction(),
                                interactionTitle(pairs, report.labels().getFirst()))
                        : null;
                write(report, renderer);
                if (pairs != null && outInteractionsJson != null) {
                    AtomicFiles.write(outInteractionsJson, pairs.toJson().getBytes(StandardCharsets.UTF_8));
                }
                if (pairsPng != null) {
                    ExplanationReport.writePng(pairsPng, outInteractionsPng);
                }
                if (!quiet) {
                    report.printSummary(out);
                    if (pairs != null) {
                        printInteractions(out, pairs);
                    }
                    for (Path p : new Path[] {outPng, outNpy, outGridNpy, outJson, outInteractionsJson, outInteractionsPng}) {
                        if (p != null) {
                            out.println("wrote " + p);
                        }
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    /**
     * {@code --interactions K}: the top-K non-overlapping windows of the first target's grid map, then their
     * pairwise interactions on the explainer the map came from (same grid), with the run's fill.
     */
    private Interactions.Result interactions(Occlusion occlusion, Tensor x, SensitivityMap map) {
        int[] windows = Interactions.topWindows(map, 0, interactions, true);
        if (windows.length < 2) {
            throw new Main.UsageException("--interactions needs 2 non-overlapping windows, but every window of this grid overlaps"
                    + " the best one (use a smaller --window)");
        }
        // A few small runs; their progress would restart the bar of the map's run, so they report none.
        try (Occlusion pairs = occlusion.with(b -> b.progress(null))) {
            return Interactions.compute(pairs, x, map, 0, windows, FillSpec.parse(fill));
        }
    }

    private String interactionTitle(Interactions.Result r, String label) {
        return String.format(Locale.ROOT, "target %d (%s): base score %s, interactions of %d windows", r.target(), label,
                HeatmapRenderer.formatScore(r.baseScore()), r.k());
    }

    private void printInteractions(PrintWriter out, Interactions.Result r) {
        int bi = 0;
        int bj = 1;
        double[][] m = r.interaction();
        for (int i = 0; i < r.k(); i++) {
            for (int j = i + 1; j < r.k(); j++) {
                if (Math.abs(m[i][j]) > Math.abs(m[bi][bj])) {
                    bi = i;
                    bj = j;
                }
            }
        }
        out.printf(Locale.ROOT, "interactions of %d windows%s of target %d: strongest interaction %s, between windows %d and %d"
                        + " (%d samples in %d model calls)%n", r.k(), r.k() < interactions ? " (of " + interactions + " asked; the rest overlap)" : "",
                r.target(), HeatmapRenderer.formatValue(m[bi][bj]), bi + 1, bj + 1, r.samples(), r.modelCalls());
    }

    /**
     * {@code --multi-scale}: one explanation per --window value (square windows), combined by
     * {@link MultiScale}; the PNG shows the combined map then each scale, one row per target.
     */
    private int explainMultiScale(Tensor tensorInput, BufferedImage image, int spatialAxes, List<String> labelLines,
            HeatmapRenderer renderer, PrintWriter out, PrintWriter err) {
        List<int[]> windows = new ArrayList<>();
        List<int[]> strides = new ArrayList<>();
        for (int s = 0; s < window.length; s++) {
            windows.add(square(window[s], spatialAxes));
            strides.add(square(stride != null ? stride[s] : Math.max(1, window[s] / 2), spatialAxes));
        }
        try (Progress progress = new Progress("explain", err, interactive, quiet, progressDelayMs)) {
            ScaleProgress scales = new ScaleProgress(progress);
            Occlusion.Builder b = builder(0, scales).window(windows.getFirst()).stride(strides.getFirst());
            try (Occlusion occlusion = b.build()) {
                if (verbose) {
                    err.println("occlusion4j: back end " + occlusion.backend() + "; model input " + occlusion.signature().describeInput()
                            + ", outputs " + occlusion.signature().outputs());
                }
                Tensor x = tensorInput != null ? tensorInput : occlusion.imageTensor(image);
                int[] spatial = Arrays.copyOfRange(x.shape(), 1, x.rank());
                long total = 0;
                for (int s = 0; s < windows.size(); s++) {
                    // also refuses a window the input cannot take before anything runs
                    total += WindowGrid.of(spatial, windows.get(s), strides.get(s), edge, allowGaps).count();
                }
                scales.total = (int) Math.min(Integer.MAX_VALUE, total);
                Map<String, Object> json = settings(x);
                progress.begin();
                MultiScale.Result result = MultiScale.explain(occlusion, x, windows, strides);
                SensitivityMap first = result.scales().getFirst();
                List<String> names = labelsFor(first, labelLines);
                BufferedImage picture = image != null ? image : ExplanationReport.picture(x, prep.bgr);
                BufferedImage png = null;
                if (outPng != null) {
                    List<BufferedImage> rows = new ArrayList<>();
                    for (int t = 0; t < result.targets().length; t++) {
                        rows.add(renderer.renderPanels(result.panels(picture, t, names.get(t))));
                    }
                    png = ExplanationReport.stacked(rows);
                }
                if (outNpy != null) {
                    Npy.write(outNpy, stack(result.combined()));
                }
                if (png != null) {
                    ExplanationReport.writePng(png, outPng);
                }
                if (outJson != null) {
                    ExplanationReport.writeJson(outJson, multiScaleJson(json, result, names, picture));
                }
                if (!quiet) {
                    printMultiScale(out, result, names, picture);
                    for (Path p : new Path[] {outPng, outNpy, outJson}) {
                        if (p != null) {
                            out.println("wrote " + p);
                        }
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> multiScaleJson(Map<String, Object> root, MultiScale.Result result, List<String> names,
            BufferedImage picture) {
        SensitivityMap first = result.scales().getFirst();
        root.put("output", first.output());
        List<Map<String, Object>> targetList = new ArrayList<>();
        for (int t = 0; t < result.targets().length; t++) {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("index", result.targets()[t]);
            target.put("label", names.get(t));
            target.put("base_score", result.baseScores()[t]);
            Tensor combined = result.combined().get(t);
            int arg = combined.argmax();
            int[] at = combined.coordinates(arg);
            target.put("max_combined", combined.data()[arg]);
            target.put("max_combined_at", at);
            if (picture != null && at.length == 2) {
                target.put("max_combined_at_image_xy", ExplanationReport.imagePoint(at, combined.shape(), picture));
            }
            targetList.add(target);
        }
        root.put("targets", targetList);
        root.put("pixel_map_shape", first.pixelShape());
        MultiScale.Stats s = result.stats();
        Map<String, Object> ms = new LinkedHashMap<>();
        ms.put("windows", s.windows());
        ms.put("strides", s.strides());
        ms.put("variants", s.variants());
        ms.put("unoccluded_samples", s.unoccludedSamples());
        ms.put("model_calls", s.modelCalls());
        ms.put("seconds", s.seconds());
        List<Map<String, Object>> perScale = new ArrayList<>();
        for (SensitivityMap m : result.scales()) {
            Map<String, Object> scale = new LinkedHashMap<>();
            scale.put("window", m.grid().window());
            scale.put("stride", m.grid().stride());
            scale.put("window_grid_shape", m.gridShape());
            scale.put("windows", m.stats().windows());
            scale.put("forwards", m.stats().forwards());
            perScale.add(scale);
        }
        ms.put("scales", perScale);
        root.put("multi_scale", ms);
        root.put("backend", first.stats().backend());
        root.put("device", first.stats().device());
        return root;
    }

    private static void printMultiScale(PrintWriter out, MultiScale.Result result, List<String> names, BufferedImage picture) {
        for (int t = 0; t < result.targets().length; t++) {
            Tensor combined = result.combined().get(t);
            int arg = combined.argmax();
            int[] at = combined.coordinates(arg);
            String where = Arrays.toString(at);
            if (picture != null && at.length == 2) {
                int[] p = ExplanationReport.imagePoint(at, combined.shape(), picture);
                where = "x " + p[0] + ", y " + p[1];
            }
            out.printf(Locale.ROOT, "target %d (%s): base score %s, combined map peak %s at %s%n", result.targets()[t], names.get(t),
                    HeatmapRenderer.formatScore(result.baseScores()[t]), HeatmapRenderer.formatValue(combined.data()[arg]), where);
        }
        MultiScale.Stats s = result.stats();
        List<String> w = s.windows().stream().map(ExplanationReport::dims).toList();
        List<String> st = s.strides().stream().map(ExplanationReport::dims).toList();
        out.printf(Locale.ROOT, "multi-scale: %d scales (windows %s, strides %s), %d variants and %d unoccluded samples in %d model"
                        + " calls, %.2f s, %s back end%n", s.windows().size(), String.join(" ", w), String.join(" ", st), s.variants(),
                s.unoccludedSamples(), s.modelCalls(), s.seconds(), result.scales().getFirst().stats().backend());
    }

    private static int[] square(int size, int axes) {
        int[] out = new int[axes];
        Arrays.fill(out, size);
        return out;
    }

    /** Maps of one shape stacked on a new first axis. */
    static Tensor stack(List<Tensor> maps) {
        int[] one = maps.getFirst().shape();
        int n = maps.getFirst().size();
        float[] data = new float[n * maps.size()];
        for (int i = 0; i < maps.size(); i++) {
            System.arraycopy(maps.get(i).data(), 0, data, i * n, n);
        }
        int[] shape = new int[one.length + 1];
        shape[0] = maps.size();
        System.arraycopy(one, 0, shape, 1, one.length);
        return Tensor.of(data, shape);
    }

    /**
     * The scales of a multi-scale run shown as one run: each scale's count continues where the previous
     * scale's ended ({@link #total} is the sum of the scales' windows).
     */
    static final class ScaleProgress implements ProgressListener {
        private final ProgressListener target;
        int total;
        private int offset;
        private int lastDone;
        private int lastTotal;

        ScaleProgress(ProgressListener target) {
            this.target = target;
        }

        @Override
        public void progress(int done, int runTotal) {
            if (lastTotal > 0 && lastDone >= lastTotal) {
                offset += lastTotal; // the previous scale finished: this is the next one
            }
            lastDone = done;
            lastTotal = runTotal;
            int all = Math.max(total, offset + runTotal);
            target.progress(Math.min(all, offset + done), all);
        }
    }

    /** The explainer settings shared by every input kind; {@code spatialAxes == 0} leaves window and stride unset. */
    private Occlusion.Builder builder(int spatialAxes, ProgressListener progress) {
        Occlusion.Builder b = Occlusion.builder().model(model).backend(backend).threads(threads)
                .edge(edge).perChannel(perChannel).allowGaps(allowGaps)
                .fill(FillSpec.parse(fill)).score(score).reduce(reduce).batchSize(batch)
                .targets(targets()).progress(progress);
        prep.applyTo(b);
        if (spatialAxes > 0) {
            windowAndStride(b, spatialAxes);
        }
        if (outputs != null) {
            b.outputs(outputs.toArray(String[]::new));
        }
        return b;
    }

    private void windowAndStride(Occlusion.Builder b, int spatialAxes) {
        b.window(perAxis(window, spatialAxes, "--window"));
        if (stride != null) {
            b.stride(perAxis(stride, spatialAxes, "--stride"));
        }
    }

    /**
     * {@code --video}: a clip sampled at the model's size, explained in 3-D (clip models) or frame by frame
     * (frame-wise models); outputs are the heatmap video, per-frame PNGs, a summary PNG (the peak frame above
     * the temporal profile), the full map as NPY and the JSON summary.
     */
    private int explainVideo(List<String> labelLines, PrintWriter out, PrintWriter err) {
        if (outGridNpy != null) {
            throw new Main.UsageException("--out-grid-npy is not written for --video (use --out-npy for the full map)");
        }
        try (Progress progress = new Progress("explain", err, interactive, quiet, progressDelayMs);
             Occlusion loaded = builder(0, progress).build()) {
            int rank = loaded.signature().inputShape().length;
            if (rank != 4 && rank != 5) {
                throw new OcclusionException("--video needs a clip model [N,C,T,H,W] or a frame-wise model [N,C,H,W]; the model input is "
                        + loaded.signature().describeInput());
            }
            try (Occlusion occlusion = loaded.with(b -> windowAndStride(b, rank - 2))) {
                ClipSpec spec = ClipSpec.forModel(occlusion, frames).withBgr(prep.bgr);
                if (prep.size != null) {
                    spec = spec.withSize(prep.size.height(), prep.size.width());
                }
                if (frameStride != null) {
                    spec = spec.withStride(startFrame, frameStride);
                }
                Clip clip = VideoReader.read(input.video, spec);
                progress.begin();
                VideoMap map = VideoExplainer.explain(occlusion, clip);
                HeatmapVideoWriter writer = new HeatmapVideoWriter().withOptions(rendererOptions());
                // Pictures first: a failure leaves no file behind, as for images.
                if (outNpy != null) {
                    Npy.write(outNpy, map.pixelMaps());
                }
                if (outPng != null) {
                    writer.writeSummaryPng(outPng, map, clip, 0);
                }
                if (outVideo != null) {
                    writer.writeVideo(outVideo, map, clip, 0);
                }
                if (outFrames != null) {
                    writer.writeFramePngs(outFrames, map, clip, 0);
                }
                if (outJson != null) {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("model", model.toString());
                    json.put("video", input.video.toString());
                    json.put("window", perAxis(window, rank - 2, "--window"));
                    json.put("stride", perAxis(stride != null ? stride : window, rank - 2, "--stride"));
                    json.put("edge", edge.name().toLowerCase(Locale.ROOT));
                    json.put("fill", fill);
                    json.put("score", score.name().toLowerCase(Locale.ROOT));
                    if (labelLines != null) {
                        json.put("labels", labelLines);
                    }
                    json.putAll(map.summary(clip));
                    ExplanationReport.writeJson(outJson, json);
                }
                if (!quiet) {
                    out.println(map);
                    for (Path p : new Path[] {outPng, outNpy, outJson, outVideo, outFrames}) {
                        if (p != null) {
                            out.println("wrote " + p);
                        }
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    private void checkFlags() {
        prep.check(input.tensor != null);
        if (input.video == null && (outVideo != null || outFrames != null || frames != 0 || frameStride != null || startFrame != 0)) {
            throw new Main.UsageException("--frames, --frame-stride, --start-frame, --out-video and --out-frames go with --video");
        }
        if (multiScale) {
            String other = input.video != null ? "--video" : adaptive != null ? "--adaptive" : perChannel ? "--per-channel"
                    : outGridNpy != null ? "--out-grid-npy (each scale has its own grid)" : interactions != null ? "--interactions" : null;
            if (other != null) {
                throw new Main.UsageException("--multi-scale does not go with " + other);
            }
            if (stride != null && stride.length != window.length) {
                throw new Main.UsageException("--multi-scale takes one --stride value per --window value (" + window.length
                        + "), or none for half the window; got " + stride.length);
            }
        }
        if (interactions != null) {
            if (interactions < 2) {
                throw new Main.UsageException("--interactions K needs K >= 2 windows, got " + interactions);
            }
            if (outInteractionsJson == null && outInteractionsPng == null) {
                throw new Main.UsageException("--interactions needs --out-interactions-json FILE or --out-interactions-png FILE");
            }
            if (input.video != null || perChannel) {
                throw new Main.UsageException("--interactions does not go with " + (perChannel ? "--per-channel" : "--video"));
            }
        } else if (outInteractionsJson != null || outInteractionsPng != null) {
            throw new Main.UsageException("--out-interactions-json and --out-interactions-png go with --interactions K");
        }
        if (outPng == null && outNpy == null && outGridNpy == null && outJson == null && outVideo == null && outFrames == null
                && outInteractionsJson == null && outInteractionsPng == null && quiet) {
            throw new Main.UsageException("nothing to do: --quiet with no --out-png, --out-npy, --out-grid-npy or --out-json");
        }
    }

    /** A missing input gets a plain sentence instead of the bare path a NoSuchFileException carries. */
    static void mustExist(Path file, String what) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new OcclusionException(what + " file " + file + (Files.exists(file) ? " is not a regular file" : " does not exist"));
        }
    }

    private Targets targets() {
        if (targets == null) {
            return Targets.argmax();
        }
        if (targets.topK != null) {
            return Targets.topK(targets.topK);
        }
        return Targets.of(targets.indices);
    }

    private HeatmapRenderer renderer() {
        return new HeatmapRenderer(rendererOptions());
    }

    private HeatmapRenderer.Options rendererOptions() {
        HeatmapRenderer.Options o = HeatmapRenderer.Options.defaults().withAlpha(alpha);
        if (!colormap.equalsIgnoreCase("auto")) {
            o = o.withColormap(Colormap.parse(colormap));
        }
        return o;
    }

    /** One value stands for every axis; otherwise one per spatial axis. */
    static int[] perAxis(int[] values, int axes, String flag) {
        if (values.length == axes) {
            return values;
        }
        if (values.length == 1) {
            int[] out = new int[axes];
            java.util.Arrays.fill(out, values[0]);
            return out;
        }
        throw new Main.UsageException(flag + " has " + values.length + " values but the input has " + axes
                + " spatial axes: give one value, or one per axis");
    }

    static List<String> readLabels(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).toList();
        } catch (IOException e) {
            throw new OcclusionException("cannot read labels file " + file + ": " + e, e);
        }
    }

    private List<String> labelsFor(SensitivityMap map, List<String> lines) {
        List<String> out = new ArrayList<>();
        for (int t : map.targets()) {
            if (lines != null && t < lines.size() && !lines.get(t).isEmpty()) {
                out.add(lines.get(t));
            } else if (reduce == Reduce.MAX) {
                out.add("max " + score.name().toLowerCase(Locale.ROOT) + " score");
            } else {
                out.add("class " + t);
            }
        }
        return out;
    }

    private Map<String, Object> settings(Tensor x) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", model.toString());
        s.put("input", (input.image != null ? input.image : input.tensor).toString());
        s.put("input_shape", x.shape());
        if (!multiScale) { // a multi-scale run lists its windows and strides under "multi_scale"
            s.put("window", perAxis(window, x.rank() - 1, "--window"));
            s.put("stride", perAxis(stride != null ? stride : window, x.rank() - 1, "--stride"));
        }
        s.put("edge", edge.name().toLowerCase(Locale.ROOT));
        s.put("fill", fill);
        s.put("per_channel", perChannel);
        s.put("score", score.name().toLowerCase(Locale.ROOT));
        s.put("reduce", reduce.name().toLowerCase(Locale.ROOT));
        return s;
    }

    /** Renders first, so a map that cannot be drawn leaves no file behind; each file is written atomically. */
    private void write(ExplanationReport report, HeatmapRenderer renderer) {
        BufferedImage png = outPng != null ? report.render(renderer) : null;
        if (outNpy != null) {
            report.writePixelNpy(outNpy);
        }
        if (outGridNpy != null) {
            report.writeGridNpy(outGridNpy);
        }
        if (png != null) {
            ExplanationReport.writePng(png, outPng);
        }
        if (outJson != null) {
            report.writeJson(outJson);
        }
    }

    record ImageSize(int height, int width) {}

    /** {@code HxW}, both positive. */
    static final class SizeConverter implements CommandLine.ITypeConverter<ImageSize> {
        @Override
        public ImageSize convert(String value) {
            String[] parts = value.toLowerCase(Locale.ROOT).split("x");
            if (parts.length == 2) {
                try {
                    int h = Integer.parseInt(parts[0].strip());
                    int w = Integer.parseInt(parts[1].strip());
                    if (h > 0 && w > 0) {
                        return new ImageSize(h, w);
                    }
                } catch (NumberFormatException e) {
                    // falls through to the message below
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size HxW with positive H and W (e.g. 224x224)");
        }
    }
}
