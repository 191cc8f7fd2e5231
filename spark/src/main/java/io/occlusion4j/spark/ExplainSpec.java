// The explain settings of a Spark job as plain values that travel to the executors (Serializable).
package io.occlusion4j.spark;

import io.occlusion4j.Backend;
import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Targets;
import io.occlusion4j.io.Npy;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every row of a job is explained with. The engine's {@link io.occlusion4j.Settings} holds objects that
 * do not serialize (fills, targets, a progress listener), so a job carries the explanation options as text,
 * by name ({@code window -> "16"}, {@code fill -> "mean"}: the vocabulary of {@code occlusion4j explain}'s
 * flags), plus the model-input settings, and each executor parses them into a builder ({@link #applyTo}).
 * {@link #parse} reads explain's flags from one string ({@code "--window 16 --stride 8 --fill mean --top-k 3"}).
 *
 * @param options   the explanation options by name: {@link #OPTIONS}; {@code window} is required
 * @param mean      normalisation mean (one value or one per channel), or {@code null}
 * @param std       normalisation std, {@code null} exactly when {@code mean} is
 * @param layout    the model's input layout
 * @param imageSize {@code [height, width]} images are resized to, or {@code null} for the model's size
 * @param bgr       images in BGR channel order
 * @param backend   the back end each executor opens
 */
public record ExplainSpec(Map<String, String> options, float[] mean, float[] std, Layout layout, int[] imageSize, boolean bgr,
        Backend backend) implements Serializable {

    /** The explanation options by name (explain's flags without the dashes). */
    public static final List<String> OPTIONS = List.of("window", "stride", "edge", "fill", "per-channel", "allow-gaps", "score",
            "output", "reduce", "target", "top-k", "batch");
    private static final List<String> SWITCHES = List.of("per-channel", "allow-gaps", "bgr");

    public ExplainSpec {
        options = Map.copyOf(options);
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        imageSize = imageSize == null ? null : imageSize.clone();
        layout = layout == null ? Layout.CHANNELS_FIRST : layout;
        backend = backend == null ? Backend.AUTO : backend;
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("--mean and --std go together: give both or neither");
        }
        if (!options.containsKey("window")) {
            throw new IllegalArgumentException("a window is needed (--window N[,N..])");
        }
        // every option is checked here, on the driver, before any task runs
        configure(Occlusion.builder(), 1, options, mean, std, layout, imageSize, bgr);
    }

    /** Only a window: Captum's defaults for everything else. */
    public static ExplainSpec window(int size) {
        return new ExplainSpec(Map.of("window", Integer.toString(size)), null, null, null, null, false, null);
    }

    /**
     * Reads {@code explain}'s flags separated by spaces: the options of {@link #OPTIONS} as {@code --NAME VALUE}
     * ({@code --per-channel} and {@code --allow-gaps} alone), and {@code --mean --std --layout --size --bgr
     * --backend}. Anything else is refused, naming the flag.
     */
    public static ExplainSpec parse(String flags) {
        String[] words = flags.strip().isEmpty() ? new String[0] : flags.strip().split("\\s+");
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> input = new LinkedHashMap<>();
        for (int i = 0; i < words.length; i++) {
            String name = words[i].startsWith("--") ? words[i].substring(2) : "";
            boolean known = OPTIONS.contains(name) || List.of("mean", "std", "layout", "size", "bgr", "backend").contains(name);
            if (!known) {
                throw new IllegalArgumentException("unknown option '" + words[i] + "': batch takes explain's --" + String.join(", --", OPTIONS)
                        + ", --mean, --std, --layout, --size, --bgr, --backend");
            }
            String value = SWITCHES.contains(name) ? "true" : i + 1 < words.length ? words[++i] : null;
            if (value == null) {
                throw new IllegalArgumentException(words[i] + " needs a value");
            }
            (OPTIONS.contains(name) ? options : input).put(name, value);
        }
        return new ExplainSpec(options, input.containsKey("mean") ? floats("mean", input.get("mean")) : null,
                input.containsKey("std") ? floats("std", input.get("std")) : null,
                input.containsKey("layout") ? layout(input.get("layout")) : null,
                input.containsKey("size") ? ints("size", input.get("size").toLowerCase(Locale.ROOT).replace('x', ',')) : null,
                input.containsKey("bgr"), input.containsKey("backend") ? choice(Backend.class, "backend", input.get("backend")) : null);
    }

    /** The builder's settings for an input of {@code spatialAxes} axes (model, back end and threads are the caller's). */
    public Occlusion.Builder applyTo(Occlusion.Builder b, int spatialAxes) {
        return configure(b, spatialAxes, options, mean, std, layout, imageSize, bgr);
    }

    private static Occlusion.Builder configure(Occlusion.Builder b, int spatialAxes, Map<String, String> options, float[] mean,
            float[] std, Layout layout, int[] imageSize, boolean bgr) {
        for (String name : options.keySet()) {
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not an option; the options are " + String.join(", ", OPTIONS));
            }
        }
        if (options.containsKey("target") && options.containsKey("top-k")) {
            throw new IllegalArgumentException("--target and --top-k exclude each other");
        }
        int[] window = perAxis(ints("window", options.get("window")), spatialAxes);
        b.window(window).stride(options.containsKey("stride") ? perAxis(ints("stride", options.get("stride")), spatialAxes) : window)
                .edge(choice(Edge.class, "edge", options.getOrDefault("edge", "crop")))
                .fill(fill(options.getOrDefault("fill", "0")))
                .perChannel(Boolean.parseBoolean(options.getOrDefault("per-channel", "false")))
                .allowGaps(Boolean.parseBoolean(options.getOrDefault("allow-gaps", "false")))
                .score(choice(Score.class, "score", options.getOrDefault("score", "raw")))
                .reduce(choice(Reduce.class, "reduce", options.getOrDefault("reduce", "none")))
                .batchSize(ints("batch", options.getOrDefault("batch", "0"))[0])
                .outputs(options.containsKey("output") ? options.get("output").split(",") : new String[0])
                .targets(options.containsKey("target") ? Targets.of(ints("target", options.get("target")))
                        : options.containsKey("top-k") ? Targets.topK(ints("top-k", options.get("top-k"))[0]) : Targets.argmax())
                .layout(layout).bgr(bgr);
        if (mean != null) {
            b.normalize(mean, std);
        }
        if (imageSize != null) {
            b.imageSize(imageSize[0], imageSize[1]);
        }
        return b;
    }

    private static int[] perAxis(int[] values, int axes) {
        if (values.length != 1 || axes < 1) {
            return values;
        }
        int[] out = new int[axes];
        Arrays.fill(out, values[0]);
        return out;
    }

    /** {@code --fill}'s words as a {@link Fill}. */
    private static Fill fill(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        try {
            if (lower.equals("mean")) {
                return Fill.mean();
            }
            if (lower.equals("blur") || lower.startsWith("blur:")) {
                return Fill.blur(lower.equals("blur") ? 5.0 : Double.parseDouble(t.substring(5)));
            }
            if (lower.equals("noise") || lower.startsWith("noise:")) {
                return Fill.noise(lower.equals("noise") ? 0 : Long.parseLong(t.substring(6)));
            }
            if (lower.endsWith(".npy")) {
                return Fill.baseline(Npy.read(Path.of(t)));
            }
            float[] values = floats("fill", t);
            return values.length == 1 ? Fill.constant(values[0]) : Fill.constantPerChannel(values);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid fill '" + text
                    + "': expected VALUE, VALUE,VALUE,.., mean, blur[:SIGMA], noise[:SEED] or FILE.npy");
        }
    }

    private static float[] floats(String option, String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Float.parseFloat(parts[i].strip());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " takes numbers a[,b,..], got '" + csv + "'");
        }
        return out;
    }

    private static int[] ints(String option, String csv) {
        try {
            return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " takes integers N[,N..], got '" + csv + "'");
        }
    }

    private static Layout layout(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "nchw" -> Layout.CHANNELS_FIRST;
            case "nhwc" -> Layout.CHANNELS_LAST;
            default -> throw new IllegalArgumentException("--layout takes nchw or nhwc, got '" + value + "'");
        };
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + option + " takes one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
                    + ", got '" + value + "'");
        }
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    @Override
    public int[] imageSize() {
        return imageSize == null ? null : imageSize.clone();
    }
}
