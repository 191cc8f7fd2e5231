// occlusion4j evaluate: how faithful a saved map is to its model (deletion, insertion, pointing game), and how alike two maps are.
package io.occlusion4j.cli;

import io.occlusion4j.ExplainOptions;
import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.metrics.Faithfulness;
import io.occlusion4j.metrics.MapSimilarity;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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

@Command(name = "evaluate", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Scores how faithful a saved sensitivity map is to the model: deletion and insertion AUC, the pointing"
                + " game with --box, and with --compare the SSIM and Spearman correlation against another map.",
        footer = {"", "Exit codes: 0 done; 1 runtime error (a model, input or map file that cannot be read",
                "or does not fit, an output that cannot be written, NaN in the model output); 2 usage",
                "error (a bad flag, a target out of range, a box outside the map)."})
final class EvaluateCommand implements Callable<Integer> {
    static final class InputChoice {
        @Option(names = "--image", paramLabel = "FILE", description = "the image the map explains")
        Path image;
        @Option(names = "--tensor", paramLabel = "FILE.npy", description = "the raw input tensor [C, D1..Dk] the map explains")
        Path tensor;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelFlags model = new ModelFlags();

    @ArgGroup(exclusive = true, multiplicity = "1")
    InputChoice input;

    @Option(names = "--map", required = true, paramLabel = "FILE.npy",
            description = "the pixel map, [D1..Dk] or [targets, D1..Dk] as explain --out-npy writes it (the first target's is used)")
    Path map;

    @Option(names = "--target", paramLabel = "N", description = "the score index the map explains (default: the argmax)")
    Integer target;

    @Mixin
    ScoreFlags scoring = new ScoreFlags();

    @Option(names = "--steps", defaultValue = "" + Faithfulness.DEFAULT_STEPS, paramLabel = "N",
            description = "points of each curve after the start (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--blur", defaultValue = "" + Faithfulness.DEFAULT_INSERTION_BLUR_SIGMA, paramLabel = "SIGMA",
            description = "Gaussian blur of insertion's starting input, in elements (default ${DEFAULT-VALUE})")
    double blur;

    @Option(names = "--box", split = ",", paramLabel = "x0,y0,x1,y1", hideParamSyntax = true,
            description = "pointing game: is the map's peak inside this box? Map coordinates (the model input's pixels,"
                    + " x = column, y = row), x0,y0 included, x1,y1 excluded; 2-D maps only")
    int[] box;

    @Option(names = "--compare", paramLabel = "FILE.npy",
            description = "another map of the same shape ([D1..Dk] or [targets, D1..Dk]): SSIM and Spearman correlation with --map")
    Path compare;

    @Option(names = "--out-json", paramLabel = "FILE", description = "the scores, both curves, the pointing game and the comparison")
    Path outJson;

    @Option(names = "--max-pixels", defaultValue = "16777216", paramLabel = "N",
            description = "images with more pixels are refused from their header; default ${DEFAULT-VALUE} (4096 x 4096)")
    long maxPixels;

    @Option(names = "--max-side", defaultValue = "8192", paramLabel = "N",
            description = "images with a longer side are refused; default ${DEFAULT-VALUE}")
    int maxSide;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "show stack traces with errors")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (verbose) {
            Logger.getLogger("io.occlusion4j").setLevel(Level.INFO);
        }
        checkFlags();
        ExplainOptions options = scoring.options(); // a malformed --fill is a usage error before any model is loaded
        ExplainArgs.mustExist(input.image, "image");
        ExplainArgs.mustExist(input.tensor, "tensor");
        ExplainArgs.mustExist(map, "map");
        ExplainArgs.mustExist(compare, "compare map");
        Tensor mapFile = Npy.read(map);
        Tensor compareFile = compare != null ? Npy.read(compare) : null;
        Tensor tensorInput = input.tensor != null ? Npy.read(input.tensor) : null;
        BufferedImage image = input.image != null
                ? ExplainArgs.readImage(input.image, ExplainArgs.imageLimits(maxPixels, maxSide)) : null;
        long t0 = System.nanoTime();
        try (Occlusion loaded = options.applyTo(model.builder()).build()) {
            Tensor x = tensorInput != null ? tensorInput : loaded.imageTensor(image);
            int[] spatial = Arrays.copyOfRange(x.shape(), 1, x.rank());
            Tensor m = firstMap(mapFile, spatial, "--map", map);
            Tensor other = compareFile != null ? firstMap(compareFile, spatial, "--compare", compare) : null;
            int[][] pointingBox = box != null ? pointingBox(spatial) : null;
            // No windows are run: the window only has to fit the input; each point of a curve is one forward.
            try (Occlusion occlusion = loaded.with(b -> b.window(spatial))) {
                float[] scores = occlusion.explain(x, new int[0]).allBaseScores();
                int t = target != null ? target : ExplanationReport.argmax(scores);
                if (t < 0 || t >= scores.length) {
                    throw new UsageException("--target " + t + " is out of range: the model gives " + scores.length + " scores");
                }
                Faithfulness.Curve deletion = Faithfulness.deletion(occlusion, x, m, t, options.fill(), steps);
                Faithfulness.Curve insertion = Faithfulness.insertion(occlusion, x, m, t, blur, steps);
                Faithfulness.Pointing pointing = pointingBox != null ? Faithfulness.pointingGame(m, pointingBox[0], pointingBox[1], 0) : null;
                Double ssim = other != null ? MapSimilarity.ssim(m, other) : null;
                Double spearman = other != null ? MapSimilarity.spearman(m, other) : null;
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (outJson != null) {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("model", model.model.toString());
                    json.put("input", (input.image != null ? input.image : input.tensor).toString());
                    json.put("input_shape", x.shape());
                    json.put("map", map.toString());
                    json.put("map_file_shape", mapFile.shape());
                    json.put("target", t);
                    json.put("base_score", scores[t]);
                    json.put("score", ExplainRun.name(options.score()));
                    json.put("reduce", ExplainRun.name(options.reduce()));
                    json.put("steps", steps);
                    json.put("deletion", curve(deletion, "fill", options.fillText(), "lower is better"));
                    json.put("insertion", curve(insertion, "blur_sigma", blur, "higher is better"));
                    if (pointing != null) {
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("box_x0_y0_x1_y1", box);
                        p.put("coordinates", "map pixels; x = column, y = row; x0,y0 included, x1,y1 excluded");
                        p.put("hit", pointing.hit());
                        p.put("peak_xy", new int[] {pointing.peak()[1], pointing.peak()[0]});
                        p.put("peaks", pointing.peaks());
                        p.put("peaks_inside", pointing.peaksInside());
                        json.put("pointing_game", p);
                    }
                    if (other != null) {
                        Map<String, Object> c = new LinkedHashMap<>();
                        c.put("file", compare.toString());
                        c.put("ssim", ssim);
                        c.put("spearman", spearman);
                        json.put("compare", c);
                    }
                    json.put("seconds", seconds);
                    ExplanationReport.writeJson(outJson, json);
                }
                if (!quiet) {
                    out.printf(Locale.ROOT, "target %d: base score %s%n", t, HeatmapRenderer.formatScore(scores[t]));
                    out.printf(Locale.ROOT, "deletion AUC %.6g (lower is better; %d steps, fill %s)%n", deletion.auc(), steps, options.fillText());
                    out.printf(Locale.ROOT, "insertion AUC %.6g (higher is better; %d steps from a blur of sigma %s)%n",
                            insertion.auc(), steps, HeatmapRenderer.formatValue(blur));
                    if (pointing != null) {
                        out.printf(Locale.ROOT, "pointing game: %s (map peak at x %d, y %d; box x %d..%d, y %d..%d, ends excluded)%n",
                                pointing.hit() ? "hit" : "miss", pointing.peak()[1], pointing.peak()[0], box[0], box[2], box[1], box[3]);
                    }
                    if (other != null) {
                        out.printf(Locale.ROOT, "compared with %s: SSIM %.6f, Spearman %.6f%n", compare, ssim, spearman);
                    }
                    if (outJson != null) {
                        out.println("wrote " + outJson);
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    private void checkFlags() {
        model.prep.check(input.tensor != null);
        if (steps < 1) {
            throw new UsageException("--steps must be >= 1, got " + steps);
        }
        if (!(blur > 0) || !Double.isFinite(blur)) {
            throw new UsageException("--blur must be a finite sigma > 0, got " + blur);
        }
        if (box != null) {
            if (box.length != 4) {
                throw new UsageException("--box takes 4 values x0,y0,x1,y1, got " + box.length);
            }
            if (box[0] >= box[2] || box[1] >= box[3]) {
                throw new UsageException("--box " + joined(box) + " is empty: it needs x0 < x1 and y0 < y1 (x1, y1 excluded)");
            }
        }
        if (quiet && outJson == null) {
            throw new UsageException("nothing to do: --quiet with no --out-json");
        }
    }

    /** The box as the pointing game takes it: start {y0, x0} and end {y1, x1}, inside the 2-D map. */
    private int[][] pointingBox(int[] spatial) {
        if (spatial.length != 2) {
            throw new UsageException("--box is for 2-D maps; this input has " + spatial.length + " spatial axes");
        }
        if (box[0] < 0 || box[1] < 0 || box[2] > spatial[1] || box[3] > spatial[0]) {
            throw new UsageException("--box " + joined(box) + " lies outside the map of " + spatial[1] + " x " + spatial[0]
                    + " (width x height; x1 <= width, y1 <= height)");
        }
        return new int[][] {{box[1], box[0]}, {box[3], box[2]}};
    }

    /**
     * A map file's map for {@code spatial}: the file itself when it is {@code [D1..Dk]}, its first target when
     * it is {@code [targets, D1..Dk]}. Any other shape, or a non-finite value, is a file that does not fit.
     */
    static Tensor firstMap(Tensor file, int[] spatial, String flag, Path path) {
        int[] s = file.shape();
        Tensor m;
        if (Arrays.equals(s, spatial)) {
            m = file;
        } else if (s.length == spatial.length + 1 && s[0] >= 1 && Arrays.equals(Arrays.copyOfRange(s, 1, s.length), spatial)) {
            int n = file.size() / s[0];
            m = Tensor.of(Arrays.copyOf(file.data(), n), spatial);
        } else {
            throw new OcclusionException(flag + " " + path + " has shape " + Arrays.toString(s) + " but the input's map shape is "
                    + Arrays.toString(spatial) + ": expected [D1..Dk] or [targets, D1..Dk]");
        }
        float[] v = m.data();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new OcclusionException(flag + " " + path + " has a non-finite value " + v[i] + " at element " + i);
            }
        }
        return m;
    }

    private static Map<String, Object> curve(Faithfulness.Curve c, String key, Object value, String better) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("auc", c.auc());
        out.put("better", better);
        out.put(key, value);
        out.put("fractions", c.fractions());
        out.put("scores", c.scores());
        return out;
    }

    private static String joined(int[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.toString();
    }
}
