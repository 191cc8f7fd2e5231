// The flags of occlusion4j explain and their usage checks, shared by the command and its modes.
package io.occlusion4j.cli;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.io.ImageTooLargeException;
import io.occlusion4j.io.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every flag of {@code explain} as typed (a picocli mixin of {@link ExplainCommand}), with the checks that need no
 * file. The modes ({@link MapExplanation}, {@link MultiScaleExplanation}, {@link VideoExplanation}) and
 * {@link ExplainRun} read these, never the command, so the command is the only one that knows the modes.
 */
final class ExplainArgs {
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

    final boolean interactive;

    /** The explain command's spec (the mixee's: its output streams). */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExplanationFlags flags = new ExplanationFlags();

    @ArgGroup(exclusive = true, multiplicity = "1")
    InputChoice input;

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

    @Option(names = "--alpha", paramLabel = "A", description = "heatmap opacity in [0,1]; default 0.75 (the renderer's)")
    Double alpha;

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

    @Option(names = "--adaptive", paramLabel = "auto|R", arity = "0..1", fallbackValue = "auto",
            description = "approximate map from part of the windows. auto (also --adaptive alone): refine until the estimated SSIM"
                    + " to the exact map is >= 0.95 (the estimate comes from painted windows sampled at random and scored exactly)."
                    + " R in (0, 1]: a fixed budget, a coarse pass, then exact windows only where the coarse map is in the top"
                    + " fraction R (plus one coarse cell), the rest painted from coarse windows that overlap no refined evidence."
                    + " The JSON reports the forwards used and the error estimate")
    String adaptive;

    /** {@code --adaptive R}'s R; null for {@code auto} or no {@code --adaptive}. */
    Double adaptiveR() {
        return adaptive == null || adaptive.equals("auto") ? null : Double.parseDouble(adaptive);
    }

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

    @Option(names = "--max-pixels", defaultValue = "16777216", paramLabel = "N",
            description = "images (and video frames) with more pixels are refused from their header; default ${DEFAULT-VALUE} (4096 x 4096)")
    long maxPixels;

    @Option(names = "--max-side", defaultValue = "8192", paramLabel = "N",
            description = "images (and video frames) with a longer side are refused; default ${DEFAULT-VALUE}")
    int maxSide;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors (no summary, no progress)")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "log the back end's choice and show stack traces with errors")
    boolean verbose;

    @Option(names = "--progress-delay-ms", defaultValue = "1000", hidden = true)
    long progressDelayMs;

    ExplainArgs(boolean interactive) {
        this.interactive = interactive;
    }

    /** --max-pixels and --max-side as the limits images are decoded within. */
    Images.Limits imageLimits() {
        return imageLimits(maxPixels, maxSide);
    }

    /** The limits of --max-pixels and --max-side (explain's or evaluate's); a usage error when not positive. */
    static Images.Limits imageLimits(long maxPixels, int maxSide) {
        try {
            return new Images.Limits(maxPixels, maxSide);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--max-pixels and --max-side must be positive");
        }
    }

    /** An image at full resolution within {@code limits}; one over them is refused from its header, naming the flags. */
    static BufferedImage readImage(Path file, Images.Limits limits) {
        try {
            return Images.read(file, limits, null);
        } catch (ImageTooLargeException e) {
            throw new OcclusionException(e.getMessage() + " (--max-pixels and --max-side raise them)", e);
        }
    }

    /** Refuses an image over the limits from its header alone (nothing is decoded). */
    static void checkImageHeader(Path file, Images.Limits limits) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(1 << 20); // every format read here declares its size in its first bytes
        } catch (IOException e) {
            throw new OcclusionException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        int[] wh;
        try {
            wh = Images.size(head, "image " + file);
        } catch (OcclusionException e) {
            return; // a header cut at 1 MiB or a bad file: the full read says what is wrong
        }
        try {
            limits.check(wh[0], wh[1], "image " + file);
        } catch (ImageTooLargeException e) {
            throw new OcclusionException(e.getMessage() + " (--max-pixels and --max-side raise them)", e);
        }
    }

    /** The input file as the JSON summary names it. */
    Path inputFile() {
        return input.image != null ? input.image : input.tensor;
    }

    /** The usage checks that need no file: a bad combination of flags is a {@link UsageException}. */
    void checkFlags() {
        flags.model.prep.check(input.tensor != null);
        if (adaptive != null && !adaptive.equals("auto")) {
            double r;
            try {
                r = Double.parseDouble(adaptive);
            } catch (NumberFormatException e) {
                throw new UsageException("--adaptive takes auto or a fraction R in (0, 1], got '" + adaptive + "'");
            }
            io.occlusion4j.explore.AdaptiveOcclusion.Settings.of(r); // says what is wrong with R
        }
        if (flags.window == null) {
            throw new UsageException("--window is required: N (the same on every spatial axis) or N,N,.. (one per axis)");
        }
        if (input.video == null && (outVideo != null || outFrames != null || frames != 0 || frameStride != null || startFrame != 0)) {
            throw new UsageException("--frames, --frame-stride, --start-frame, --out-video and --out-frames go with --video");
        }
        if (multiScale) {
            checkMultiScale();
        }
        if (interactions != null) {
            checkInteractions();
        } else if (outInteractionsJson != null || outInteractionsPng != null) {
            throw new UsageException("--out-interactions-json and --out-interactions-png go with --interactions K");
        }
        if (outPng == null && outNpy == null && outGridNpy == null && outJson == null && outVideo == null && outFrames == null
                && outInteractionsJson == null && outInteractionsPng == null && quiet) {
            throw new UsageException("nothing to do: --quiet with no --out-png, --out-npy, --out-grid-npy or --out-json");
        }
    }

    private void checkMultiScale() {
        String other = input.video != null ? "--video" : adaptive != null ? "--adaptive" : flags.perChannel ? "--per-channel"
                : outGridNpy != null ? "--out-grid-npy (each scale has its own grid)" : interactions != null ? "--interactions" : null;
        if (other != null) {
            throw new UsageException("--multi-scale does not go with " + other);
        }
        if (flags.stride != null && flags.stride.size() != flags.window.size()) {
            throw new UsageException("--multi-scale takes one --stride value per --window value (" + flags.window.size()
                    + "), or none for half the window; got " + flags.stride.size());
        }
    }

    private void checkInteractions() {
        if (interactions < 2) {
            throw new UsageException("--interactions K needs K >= 2 windows, got " + interactions);
        }
        if (outInteractionsJson == null && outInteractionsPng == null) {
            throw new UsageException("--interactions needs --out-interactions-json FILE or --out-interactions-png FILE");
        }
        if (input.video != null || flags.perChannel) {
            throw new UsageException("--interactions does not go with " + (flags.perChannel ? "--per-channel" : "--video"));
        }
    }

    /** A missing input gets a plain sentence instead of the bare path a NoSuchFileException carries. */
    static void mustExist(Path file, String what) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new OcclusionException(what + " file " + file + (Files.exists(file) ? " is not a regular file" : " does not exist"));
        }
    }

    static List<String> readLabels(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).toList();
        } catch (IOException e) {
            throw new OcclusionException("cannot read labels file " + file + ": " + e, e);
        }
    }
}
