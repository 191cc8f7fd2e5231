// The explain settings of a Spark job as text by name, the shared vocabulary, which travels to the executors.
package io.occlusion4j.spark;

import io.occlusion4j.Backend;
import io.occlusion4j.ExplainOptions;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every row of a job is explained with. The engine's {@link io.occlusion4j.Settings} holds objects that
 * do not serialize (fills, targets, a progress listener), so a job carries the explanation options as text, by
 * the shared vocabulary's names ({@code window -> "16"}, {@code fill -> "mean"}; {@link ExplainOptions#NAMES}),
 * plus the model-input settings, and each executor parses them with the engine's {@link ExplainOptions}, the
 * parser {@code explain} and the server use. {@link #parse} reads explain's flags from one string
 * ({@code "--window 16 --stride 8 --fill mean --top-k 3"}).
 *
 * @param options   the explanation options by name; {@code window} is required
 * @param mean      normalisation mean (one value or one per channel), or {@code null}
 * @param std       normalisation std, {@code null} exactly when {@code mean} is
 * @param layout    the model's input layout
 * @param imageSize {@code [height, width]} images are resized to, or {@code null} for the model's size
 * @param bgr       images in BGR channel order
 * @param backend   the back end each executor opens
 * @param threads   ONNX Runtime threads of each task, 0 for Spark's {@code spark.task.cpus}
 */
public record ExplainSpec(Map<String, String> options, float[] mean, float[] std, Layout layout, int[] imageSize, boolean bgr,
        Backend backend, int threads) implements Serializable {

    private static final List<String> INPUT_FLAGS = List.of("mean", "std", "layout", "size", "bgr", "backend", "threads");
    private static final List<String> SWITCHES = List.of("per-channel", "allow-gaps", "bgr");

    public ExplainSpec {
        options = Map.copyOf(options);
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        imageSize = imageSize == null ? null : imageSize.clone();
        layout = layout == null ? Layout.CHANNELS_FIRST : layout;
        backend = backend == null ? Backend.AUTO : backend;
        if ((mean == null) != (std == null) || mean != null && mean.length != std.length) {
            throw new IllegalArgumentException("--mean and --std go together, with as many values: give both or neither");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        }
        // every option is checked here, on the driver, before any task runs
        if (ExplainOptions.parse(options).window() == null) {
            throw new IllegalArgumentException("a window is needed (--window N[,N..])");
        }
    }

    /** Only a window: the library's defaults for everything else. */
    public static ExplainSpec window(int size) {
        return new ExplainSpec(Map.of("window", Integer.toString(size)), null, null, null, null, false, null, 0);
    }

    /**
     * Reads {@code explain}'s flags separated by spaces: the options of {@link ExplainOptions#NAMES} as
     * {@code --NAME VALUE} ({@code --per-channel} and {@code --allow-gaps} alone), and {@code --mean --std --layout
     * --size --bgr --backend --threads}. Anything else is refused, naming the flag.
     */
    public static ExplainSpec parse(String flags) {
        String[] words = flags.strip().isEmpty() ? new String[0] : flags.strip().split("\\s+");
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> input = new LinkedHashMap<>();
        for (int i = 0; i < words.length; i++) {
            String name = words[i].startsWith("--") ? words[i].substring(2) : "";
            if (!ExplainOptions.NAMES.contains(name) && !INPUT_FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + words[i] + "': the options are --" + String.join(", --", ExplainOptions.NAMES)
                        + ", --" + String.join(", --", INPUT_FLAGS));
            }
            String value = SWITCHES.contains(name) ? "true" : i + 1 < words.length ? words[++i] : null;
            if (value == null) {
                throw new IllegalArgumentException(words[i] + " needs a value");
            }
            (ExplainOptions.NAMES.contains(name) ? options : input).put(name, value);
        }
        return new ExplainSpec(options, floats("mean", input.get("mean")), floats("std", input.get("std")),
                input.containsKey("layout") ? Layout.parse(input.get("layout")) : null, size(input.get("size")), input.containsKey("bgr"),
                input.containsKey("backend") ? Backend.parse(input.get("backend")) : null,
                input.containsKey("threads") ? Integer.parseInt(input.get("threads")) : 0);
    }

    /** The options parsed by the engine (a baseline {@code fill=FILE.npy} is read here, on the executor). */
    ExplainOptions explainOptions() {
        return ExplainOptions.parse(options);
    }

    /** {@code parsed}'s settings and the model-input settings for an input of {@code spatialAxes} axes, on {@code b}. */
    Occlusion.Builder applyTo(Occlusion.Builder b, ExplainOptions parsed, int spatialAxes) {
        parsed.applyWindow(parsed.applyTo(b), Math.max(1, spatialAxes)).layout(layout).bgr(bgr);
        if (mean != null) {
            b.normalize(mean, std);
        }
        if (imageSize != null) {
            b.imageSize(imageSize[0], imageSize[1]);
        }
        return b;
    }

    /** The builder settings for an input of {@code spatialAxes} axes (what an executor applies; for comparisons). */
    public Occlusion.Builder applyTo(Occlusion.Builder b, int spatialAxes) {
        return applyTo(b, explainOptions(), spatialAxes);
    }

    private static float[] floats(String option, String csv) {
        if (csv == null) {
            return null;
        }
        try {
            String[] parts = csv.split(",");
            float[] out = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                out[i] = Float.parseFloat(parts[i].strip());
            }
            return out;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " takes numbers a[,b,..], got '" + csv + "'");
        }
    }

    private static int[] size(String text) {
        if (text == null) {
            return null;
        }
        try {
            int[] hw = Arrays.stream(text.toLowerCase(java.util.Locale.ROOT).split("x")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
            if (hw.length == 2 && hw[0] > 0 && hw[1] > 0) {
                return hw;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("--size takes HxW with positive H and W, got '" + text + "'");
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
