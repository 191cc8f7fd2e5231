// The explain settings of a Spark job, in a form that travels to the executors (Serializable).
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What every row of a job is explained with. The engine's {@link io.occlusion4j.Settings} holds objects that
 * do not serialize (fills, targets, a progress listener), so the job carries these plain values instead and
 * each executor turns them into a builder ({@link #applyTo}). {@link #parse} reads the option vocabulary of
 * {@code occlusion4j explain} ({@code "--window 16 --stride 8 --fill mean --top-k 3"}).
 *
 * @param window     window per spatial axis (one value: the same on every axis)
 * @param stride     stride per spatial axis, or {@code null} for the window
 * @param fill       the fill in {@code --fill}'s words: a number, {@code a,b,c}, {@code mean},
 *                   {@code blur[:SIGMA]}, {@code noise[:SEED]} or a {@code .npy} every executor can read
 * @param targets    score indices to explain, or {@code null} (then {@code topK}, else the argmax)
 * @param topK       the K highest scores of the unoccluded input, 0 for none
 * @param batchSize  variants per forward, 0 for the back end's choice
 * @param imageSize  {@code [height, width]} images are resized to, or {@code null} for the model's size
 */
public record ExplainOptions(int[] window, int[] stride, Edge edge, boolean perChannel, boolean allowGaps, String fill,
        Score score, int[] targets, int topK, List<String> outputs, Reduce reduce, int batchSize, float[] mean,
        float[] std, Layout layout, int[] imageSize, boolean bgr, Backend backend) implements Serializable {

    public ExplainOptions {
        if (window == null || window.length == 0) {
            throw new IllegalArgumentException("a window is needed (--window N[,N..])");
        }
        window = window.clone();
        stride = stride == null ? null : stride.clone();
        targets = targets == null ? null : targets.clone();
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        imageSize = imageSize == null ? null : imageSize.clone();
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        edge = edge == null ? Edge.CROP : edge;
        fill = fill == null ? "0" : fill;
        score = score == null ? Score.RAW : score;
        reduce = reduce == null ? Reduce.NONE : reduce;
        layout = layout == null ? Layout.CHANNELS_FIRST : layout;
        backend = backend == null ? Backend.AUTO : backend;
        if (targets != null && topK > 0) {
            throw new IllegalArgumentException("--target and --top-k exclude each other");
        }
        if (topK < 0 || batchSize < 0) {
            throw new IllegalArgumentException("--top-k and --batch must be >= 0");
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("--mean and --std go together: give both or neither");
        }
        fillOf(fill); // a malformed fill is refused on the driver, before any task runs
    }

    /** Only a window: Captum's defaults for everything else. */
    public static ExplainOptions window(int... window) {
        return new ExplainOptions(window, null, null, false, false, null, null, null, 0, null, null, 0, null, null, null,
                null, false, null);
    }

    /**
     * Reads {@code explain}'s flags: {@code --window --stride --edge --fill --per-channel --allow-gaps --score
     * --output --reduce --target --top-k --batch --mean --std --layout --size --bgr --backend}, separated by
     * spaces ({@code "--window 16 --fill mean"}). Anything else is refused, naming the flag.
     */
    public static ExplainOptions parse(String options) {
        String[] words = options.strip().isEmpty() ? new String[0] : options.strip().split("\\s+");
        Parsed p = new Parsed();
        for (int i = 0; i < words.length; i++) {
            String flag = words[i];
            switch (flag) {
                case "--per-channel" -> p.perChannel = true;
                case "--allow-gaps" -> p.allowGaps = true;
                case "--bgr" -> p.bgr = true;
                default -> {
                    if (i + 1 >= words.length) {
                        throw new IllegalArgumentException(flag + " needs a value");
                    }
                    p.set(flag, words[++i]);
                }
            }
        }
        return new ExplainOptions(p.window, p.stride, p.edge, p.perChannel, p.allowGaps, p.fill, p.score, p.targets, p.topK,
                p.outputs, p.reduce, p.batch, p.mean, p.std, p.layout, p.size, p.bgr, p.backend);
    }

    /** The builder's settings for these options (model, back end and threads are the caller's). */
    public Occlusion.Builder applyTo(Occlusion.Builder b) {
        b.window(window).edge(edge).perChannel(perChannel).allowGaps(allowGaps).fill(fillOf(fill)).score(score)
                .outputs(outputs.toArray(String[]::new)).reduce(reduce).batchSize(batchSize).layout(layout).bgr(bgr);
        if (stride != null) {
            b.stride(stride);
        }
        b.targets(targets != null ? Targets.of(targets) : topK > 0 ? Targets.topK(topK) : Targets.argmax());
        if (mean != null) {
            b.normalize(mean, std);
        }
        if (imageSize != null) {
            b.imageSize(imageSize[0], imageSize[1]);
        }
        return b;
    }

    /** The window (and stride) repeated to {@code axes} spatial axes when one value was given for all. */
    ExplainOptions forAxes(int axes) {
        if (axes < 1 || window.length == axes && (stride == null || stride.length == axes)) {
            return this;
        }
        return new ExplainOptions(spread(window, axes), stride == null ? null : spread(stride, axes), edge, perChannel, allowGaps,
                fill, score, targets, topK, outputs, reduce, batchSize, mean, std, layout, imageSize, bgr, backend);
    }

    private static int[] spread(int[] values, int axes) {
        if (values.length != 1) {
            return values;
        }
        int[] out = new int[axes];
        Arrays.fill(out, values[0]);
        return out;
    }

    /** {@code --fill}'s words as a {@link Fill}. */
    static Fill fillOf(String text) {
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
            float[] values = floats(t);
            return values.length == 1 ? Fill.constant(values[0]) : Fill.constantPerChannel(values);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid fill '" + text
                    + "': expected VALUE, VALUE,VALUE,.., mean, blur[:SIGMA], noise[:SEED] or FILE.npy");
        }
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].strip());
        }
        return out;
    }

    private static int[] ints(String flag, String csv) {
        try {
            return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes integers N[,N..], got '" + csv + "'");
        }
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String flag, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " takes one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
                    + ", got '" + value + "'");
        }
    }

    /** The flags read so far by {@link #parse}. */
    private static final class Parsed {
        int[] window;
        int[] stride;
        Edge edge;
        boolean perChannel;
        boolean allowGaps;
        boolean bgr;
        String fill;
        Score score;
        int[] targets;
        int topK;
        List<String> outputs = new ArrayList<>();
        Reduce reduce;
        int batch;
        float[] mean;
        float[] std;
        Layout layout;
        int[] size;
        Backend backend;

        void set(String flag, String value) {
            switch (flag) {
                case "--window" -> window = ints(flag, value);
                case "--stride" -> stride = ints(flag, value);
                case "--edge" -> edge = choice(Edge.class, flag, value);
                case "--fill" -> fill = value;
                case "--score" -> score = choice(Score.class, flag, value);
                case "--output" -> outputs.addAll(List.of(value.split(",")));
                case "--reduce" -> reduce = choice(Reduce.class, flag, value);
                case "--target" -> targets = ints(flag, value);
                case "--top-k" -> topK = ints(flag, value)[0];
                case "--batch" -> batch = ints(flag, value)[0];
                case "--mean" -> mean = number(flag, value);
                case "--std" -> std = number(flag, value);
                case "--layout" -> layout = value.equalsIgnoreCase("nhwc") ? Layout.CHANNELS_LAST
                        : value.equalsIgnoreCase("nchw") ? Layout.CHANNELS_FIRST : choice(Layout.class, flag, value);
                case "--size" -> size = ints(flag, value.toLowerCase(Locale.ROOT).replace('x', ','));
                case "--backend" -> backend = choice(Backend.class, flag, value);
                default -> throw new IllegalArgumentException("unknown option '" + flag + "' (batch takes explain's flags: --window,"
                        + " --stride, --edge, --fill, --per-channel, --allow-gaps, --score, --output, --reduce, --target, --top-k,"
                        + " --batch, --mean, --std, --layout, --size, --bgr, --backend)");
            }
        }

        private static float[] number(String flag, String value) {
            try {
                return floats(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " takes numbers a[,b,..], got '" + value + "'");
            }
        }
    }
}
