// The explanation options by name, as text (the CLI's flags, the server's parameters): parsed once, applied to a builder.
package io.occlusion4j;

import io.occlusion4j.io.Npy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The shared option vocabulary of an explanation, parsed from text: what {@code occlusion4j explain} takes as
 * flags, {@code occlusion4j serve} as defaults and query parameters, and a batch job as options, under the same
 * names ({@link #NAMES}) and with the same defaults (the library's, {@link Settings#DEFAULTS}). Each value is
 * parsed by its type ({@link Fill#parse}, {@link Edge#parse}, {@link Targets#parse}, ...); a bad one is an
 * {@link InvalidOptionException} naming the option.
 *
 * <p>The window and stride are kept as given (one value for every axis, or one per axis) until the input's
 * number of spatial axes is known: {@link #applyWindow} expands them.
 *
 * @param window     window sizes as given, or {@code null} when the option is absent
 * @param stride     strides as given, or {@code null} for the window
 * @param fillText   the fill as written ({@link #DEFAULT_FILL} when absent), for summaries
 * @param outputs    model outputs to score; empty for the model's first
 * @param batchSize  variants per forward, 0 for the back end's choice
 * @param incremental incremental inference on the CPU back end ({@code auto}, {@code on}, {@code off})
 * @param approximate Krypton's projective-field threshold tau in (0, 1]; 1 is exact
 */
public record ExplainOptions(int[] window, int[] stride, Edge edge, String fillText, Fill fill, boolean perChannel,
        boolean allowGaps, Score score, List<String> outputs, Reduce reduce, Targets targets, int batchSize,
        Incremental incremental, double approximate) {

    /** Every option's name, in the order the documentation lists them. */
    public static final List<String> NAMES = List.of("window", "stride", "edge", "fill", "per-channel", "allow-gaps", "score",
            "output", "reduce", "target", "top-k", "batch", "incremental", "approximate");

    /** These options with another target choice and batch size (what a server's limits leave of a request). */
    public ExplainOptions withTargetsAndBatch(Targets newTargets, int newBatchSize) {
        return new ExplainOptions(window, stride, edge, fillText, fill, perChannel, allowGaps, score, outputs, reduce,
                newTargets, newBatchSize, incremental, approximate);
    }

    /** The text of the default fill, {@link Settings#DEFAULTS}' constant 0. */
    public static final String DEFAULT_FILL = "0";

    public ExplainOptions {
        window = window == null ? null : window.clone();
        stride = stride == null ? null : stride.clone();
        outputs = List.copyOf(outputs);
    }

    /** The options in {@code given} (names as in {@link #NAMES}, values as text); baseline files are read with {@link Npy#read}. */
    public static ExplainOptions parse(Map<String, String> given) {
        return parse(given, Npy::read);
    }

    /**
     * The options in {@code given}; an absent option takes the library's default. {@code baselineFile} turns a
     * {@code fill=FILE.npy} into its tensor (or refuses it, see {@link Fill#parse(String, Function)}).
     *
     * @throws InvalidOptionException for an unknown name or a value its option cannot take, naming the option
     */
    public static ExplainOptions parse(Map<String, String> given, Function<Path, Tensor> baselineFile) {
        Settings d = Settings.DEFAULTS;
        for (String name : given.keySet()) {
            if (!NAMES.contains(name)) {
                throw new InvalidOptionException(name, null, "is not an option; the options are " + String.join(", ", NAMES));
            }
        }
        if (given.containsKey("target") && given.containsKey("top-k")) {
            throw new InvalidOptionException("top-k", null, "and target are mutually exclusive: give one of them");
        }
        int[] window = given.containsKey("window") ? sizes("window", given.get("window")) : null;
        int[] stride = given.containsKey("stride") ? sizes("stride", given.get("stride")) : null;
        if (window != null && stride != null && window.length != stride.length && window.length != 1 && stride.length != 1) {
            throw new InvalidOptionException("stride", given.get("stride"), stride.length + " values but window '" + given.get("window")
                    + "' has " + window.length + ": give as many, or one value for every axis");
        }
        String fillText = given.getOrDefault("fill", DEFAULT_FILL).strip();
        Targets targets = given.containsKey("target") ? Targets.parse(given.get("target"))
                : given.containsKey("top-k") ? Targets.parseTopK(given.get("top-k")) : d.targets();
        return new ExplainOptions(window, stride,
                given.containsKey("edge") ? Edge.parse(given.get("edge")) : d.edge(),
                fillText, given.containsKey("fill") ? Fill.parse(fillText, baselineFile) : d.fill(),
                given.containsKey("per-channel") ? OptionText.on("per-channel", given.get("per-channel")) : d.perChannel(),
                given.containsKey("allow-gaps") ? OptionText.on("allow-gaps", given.get("allow-gaps")) : d.allowGaps(),
                given.containsKey("score") ? Score.parse(given.get("score")) : d.score(),
                given.containsKey("output") ? outputNames(given.get("output")) : d.outputs(),
                given.containsKey("reduce") ? Reduce.parse(given.get("reduce")) : d.reduce(),
                targets,
                given.containsKey("batch") ? OptionText.integer("batch", given.get("batch"), 0,
                        "the batch size must be >= 0 (one number; 0: chosen from a memory budget)") : d.batchSize(),
                given.containsKey("incremental") ? Incremental.parse(given.get("incremental")) : d.incremental(),
                given.containsKey("approximate") ? tau(given.get("approximate")) : d.approximate());
    }

    /** Krypton's tau: a number in (0, 1]. */
    private static double tau(String text) {
        double t;
        try {
            t = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("approximate", text, "expected a number in (0, 1] (1: exact)");
        }
        if (!(t > 0 && t <= 1)) {
            throw new InvalidOptionException("approximate", text, "must be in (0, 1] (1: exact; 0.5 caps each layer's "
                    + "recomputed patch at half its map)");
        }
        return t;
    }

    /** {@code N} or {@code N,N,..}: window sizes or strides, each at least 1. */
    private static int[] sizes(String option, String text) {
        return OptionText.integers(option, text, 1, "each value must be >= 1 (a positive size; N for every spatial axis,"
                + " or N,N,.. one per axis)");
    }

    private static List<String> outputNames(String text) {
        List<String> names = Arrays.stream(text.split(",", -1)).map(String::strip).toList();
        if (names.stream().anyMatch(String::isEmpty)) {
            throw new InvalidOptionException("output", text, "expected NAME or NAME,NAME,..");
        }
        return names;
    }

    @Override
    public int[] window() {
        return window == null ? null : window.clone();
    }

    @Override
    public int[] stride() {
        return stride == null ? null : stride.clone();
    }

    /** The window per spatial axis of an input with {@code spatialAxes} axes. */
    public int[] window(int spatialAxes) {
        if (window == null) {
            throw new InvalidOptionException("window", null, "is not set: give N (every spatial axis) or N,N,.. (one per axis)");
        }
        return perAxis(window, spatialAxes, "window");
    }

    /** The stride per spatial axis: the one given, else the window's. */
    public int[] stride(int spatialAxes) {
        return stride != null ? perAxis(stride, spatialAxes, "stride") : window(spatialAxes);
    }

    /** Every setting but the window and stride ({@link #applyWindow}), on {@code b}. */
    public Occlusion.Builder applyTo(Occlusion.Builder b) {
        return b.edge(edge).fill(fill).perChannel(perChannel).allowGaps(allowGaps).score(score).reduce(reduce)
                .targets(targets).batchSize(batchSize).outputs(outputs.toArray(String[]::new)).incremental(incremental)
                .approximate(approximate);
    }

    /** The window and stride, expanded to {@code spatialAxes} axes, on {@code b}. */
    public Occlusion.Builder applyWindow(Occlusion.Builder b, int spatialAxes) {
        return b.window(window(spatialAxes)).stride(stride(spatialAxes));
    }

    /**
     * {@code values} for {@code axes} spatial axes: one value stands for every axis; otherwise there must be one
     * per axis.
     */
    public static int[] perAxis(int[] values, int axes, String option) {
        if (values.length == axes) {
            return values.clone();
        }
        if (values.length == 1) {
            int[] out = new int[axes];
            Arrays.fill(out, values[0]);
            return out;
        }
        throw new InvalidOptionException(option, null, "has " + values.length + " values but the input has " + axes
                + " spatial axes: give one value, or one per axis");
    }
}
