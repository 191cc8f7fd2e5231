// What every explain mode shares: the parsed options, the progress bar, the explainer's builder, labels, settings, output lines.
package io.occlusion4j.cli;

import io.occlusion4j.ExplainOptions;
import io.occlusion4j.Occlusion;
import io.occlusion4j.ProgressListener;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Summaries;
import io.occlusion4j.render.Colormap;
import io.occlusion4j.render.HeatmapRenderer;
import io.occlusion4j.render.TensorPicture;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code explain} invocation after its flags were checked: the command (its flags), the options parsed by the
 * engine, the label lines, the heatmap options, and the streams. Each mode runs on one of these.
 */
final class ExplainRun {
    /**
     * An image or tensor input: exactly one of {@code tensor} (read from its file) and {@code imageFile}. The image is
     * decoded when the model is loaded ({@link #tensor}), within {@code limits} checked against its header first. {@code spatialAxes} is the tensor's rank less one (2 for an
     * image) until the model says whether a leading axis of 1 is a batch ({@link Occlusion#sample}).
     */
    static final class Input {
        final Tensor tensor;
        final Path imageFile;
        final Images.Limits limits;
        final int spatialAxes;
        private BufferedImage image;

        Input(Tensor tensor, Path imageFile, Images.Limits limits, int spatialAxes) {
            this.tensor = tensor;
            this.imageFile = imageFile;
            this.limits = limits;
            this.spatialAxes = spatialAxes;
        }

        int spatialAxes() {
            return spatialAxes;
        }

        /** The decoded picture (after {@link #tensor}), or null for a tensor input. */
        BufferedImage image() {
            return image;
        }
    }

    final ExplainArgs cmd;
    final ExplainOptions options;
    final HeatmapRenderer.Options renderOptions;
    final PrintWriter out;
    final PrintWriter err;
    private final List<String> labelLines;

    ExplainRun(ExplainArgs cmd, ExplainOptions options, List<String> labelLines) {
        this.cmd = cmd;
        this.options = options;
        this.labelLines = labelLines;
        HeatmapRenderer.Options o = HeatmapRenderer.Options.defaults().withColormap(Colormap.parseOrAuto(cmd.colormap));
        this.renderOptions = cmd.alpha != null ? o.withAlpha(cmd.alpha) : o;
        this.out = cmd.spec.commandLine().getOut();
        this.err = cmd.spec.commandLine().getErr();
    }

    /** The progress bar on stderr (nothing with --quiet; shown only for runs longer than the delay). */
    Progress progress() {
        return new Progress("explain", err, cmd.interactive, cmd.quiet, cmd.progressDelayMs);
    }

    /** The explainer's builder: the model and every option but the window (each mode sets its own), reporting to {@code progress}. */
    Occlusion.Builder builder(ProgressListener progress) {
        return cmd.flags.builder(options).progress(progress);
    }

    /**
     * The tensor to explain with {@code occlusion}: an image decoded and resized and converted by its settings,
     * or the tensor as one sample (a batch of one loses its batch axis); with --verbose, the back end first.
     */
    Tensor tensor(Occlusion occlusion, Input in) {
        describe(occlusion);
        if (in.tensor != null) {
            return occlusion.sample(in.tensor);
        }
        // full resolution: the PNG and the JSON's image coordinates are in the source image's pixels
        in.image = ExplainArgs.readImage(in.imageFile, in.limits);
        return occlusion.imageTensor(in.image);
    }

    /**
     * {@code loaded} with the window and stride for {@code x}'s spatial axes when they are not the ones it was built
     * for (a tensor that lost its batch axis); --out-png still needs a 2-D input.
     */
    Occlusion fitted(Occlusion loaded, Tensor x, Input in) {
        int axes = x.rank() - 1;
        if (cmd.outPng != null && x.rank() != 3) {
            throw new UsageException("--out-png draws 2-D maps; this input has " + axes + " spatial axes (write --out-npy instead)");
        }
        return axes == in.spatialAxes() ? loaded : loaded.with(b -> options.applyWindow(b, axes));
    }

    /** With --verbose, one line on the back end and the model's input and outputs. */
    void describe(Occlusion occlusion) {
        if (cmd.verbose) {
            err.println("occlusion4j: back end " + occlusion.backend() + "; model input " + occlusion.signature().describeInput()
                    + ", outputs " + occlusion.signature().outputs());
        }
    }

    /** One label per target, from --labels ({@link Summaries#labels}). */
    List<String> labels(int[] targets) {
        return Summaries.labels(targets, labelLines, options.reduce(), options.score());
    }

    List<String> labelLines() {
        return labelLines;
    }

    /** What a map is drawn over: the image, or a picture of the tensor input (null when it is not 2-D). */
    BufferedImage picture(BufferedImage image, Tensor x) {
        return image != null ? image : TensorPicture.of(x, cmd.flags.model.prep.bgr);
    }

    /** The run's settings as they open the JSON summary; {@code window}: include the window and stride. */
    Map<String, Object> settings(Tensor x, boolean window) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", cmd.flags.model.model.toString());
        s.put("input", cmd.inputFile().toString());
        s.put("input_shape", x.shape());
        if (window) {
            s.put("window", options.window(x.rank() - 1));
            s.put("stride", options.stride(x.rank() - 1));
        }
        s.put("edge", name(options.edge()));
        s.put("fill", options.fillText());
        s.put("per_channel", options.perChannel());
        s.put("score", name(options.score()));
        s.put("reduce", name(options.reduce()));
        return s;
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Unless --quiet, one "wrote FILE" line per file written (nulls skipped). */
    void wrote(Path... files) {
        if (!cmd.quiet) {
            for (Path p : files) {
                if (p != null) {
                    out.println("wrote " + p);
                }
            }
        }
    }
}
