package io.occlusion4j.server;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.Targets;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The occlusion settings of one request: the server's defaults (the {@code explain} flags given to
 * {@code serve}) overridden by the request's query parameters, which carry the same names as those flags
 * without the dashes: {@code window}, {@code stride}, {@code edge}, {@code fill}, {@code per-channel},
 * {@code allow-gaps}, {@code score}, {@code output}, {@code reduce}, {@code target}, {@code top-k},
 * {@code batch}; and for the answer {@code maps} ({@code both|grid|pixel|none}), {@code encoding}
 * ({@code base64|float}), {@code colormap} and {@code alpha} (PNG answers).
 */
public final class ExplainParams {
    /** Every parameter a request may carry; any other is refused (400) so a typo is not silently ignored. */
    public static final Set<String> NAMES = Set.of("window", "stride", "edge", "fill", "per-channel", "allow-gaps", "score",
            "output", "reduce", "target", "top-k", "batch", "maps", "encoding", "colormap", "alpha");

    int[] window;
    int[] stride;
    Edge edge = Edge.CROP;
    String fillText = "0";
    Fill fill = Fill.constant(0f);
    boolean perChannel;
    boolean allowGaps;
    Score score = Score.RAW;
    List<String> outputs = List.of();
    Reduce reduce = Reduce.NONE;
    Targets targets = Targets.argmax();
    int batch;
    boolean gridMaps = true;
    boolean pixelMaps = true;
    boolean base64 = true;
    String colormap = "auto";
    double alpha = 0.5;

    private ExplainParams() {}

    /** Parses {@code defaults} then {@code query} (the later wins; {@code target} and {@code top-k} replace each other). */
    public static ExplainParams parse(Map<String, String> defaults, Map<String, String> query) {
        Map<String, String> all = new LinkedHashMap<>();
        for (Map<String, String> m : List.of(defaults, query)) {
            for (Map.Entry<String, String> e : m.entrySet()) {
                String name = e.getKey();
                if (!NAMES.contains(name)) {
                    throw ApiException.badParam(name, "unknown parameter '" + name + "'; known: " + String.join(", ", NAMES.stream().sorted().toList()));
                }
                if (name.equals("target")) {
                    all.remove("top-k");
                } else if (name.equals("top-k")) {
                    all.remove("target");
                }
                all.put(name, e.getValue());
            }
        }
        ExplainParams p = new ExplainParams();
        for (Map.Entry<String, String> e : all.entrySet()) {
            p.set(e.getKey(), e.getValue().strip());
        }
        if (p.window == null) {
            throw ApiException.badParam("window", "no window: give window=N (or N,N) in the query, or --window to serve");
        }
        if (p.stride != null && p.stride.length != p.window.length && p.stride.length != 1 && p.window.length != 1) {
            throw ApiException.badParam("stride", "stride " + Arrays.toString(p.stride) + " and window " + Arrays.toString(p.window)
                    + " must have the same number of axes");
        }
        return p;
    }

    private void set(String name, String v) {
        switch (name) {
            case "window" -> window = positiveInts(name, v);
            case "stride" -> stride = positiveInts(name, v);
            case "edge" -> edge = enumValue(name, v, Edge.class);
            case "fill" -> {
                fillText = v;
                fill = parseFill(v);
            }
            case "per-channel" -> perChannel = bool(name, v);
            case "allow-gaps" -> allowGaps = bool(name, v);
            case "score" -> score = enumValue(name, v, Score.class);
            case "output" -> {
                List<String> names = Arrays.stream(v.split(",")).map(String::strip).toList();
                if (names.isEmpty() || names.stream().anyMatch(String::isEmpty)) {
                    throw ApiException.badParam(name, "output must be NAME or NAME,NAME,..; got '" + v + "'");
                }
                outputs = names;
            }
            case "reduce" -> reduce = enumValue(name, v, Reduce.class);
            case "target" -> {
                int[] t = ints(name, v);
                for (int i : t) {
                    if (i < 0) {
                        throw ApiException.badParam(name, "target " + i + " is negative");
                    }
                }
                targets = Targets.of(t);
            }
            case "top-k" -> {
                int[] k = positiveInts(name, v);
                if (k.length != 1) {
                    throw ApiException.badParam(name, "top-k is one number, got '" + v + "'");
                }
                targets = Targets.topK(k[0]);
            }
            case "batch" -> {
                int[] b = ints(name, v);
                if (b.length != 1 || b[0] < 0) {
                    throw ApiException.badParam(name, "batch must be one number >= 0 (0: from a memory budget), got '" + v + "'");
                }
                batch = b[0];
            }
            case "maps" -> {
                switch (v.toLowerCase(Locale.ROOT)) {
                    case "both" -> { gridMaps = true; pixelMaps = true; }
                    case "grid" -> { gridMaps = true; pixelMaps = false; }
                    case "pixel" -> { gridMaps = false; pixelMaps = true; }
                    case "none" -> { gridMaps = false; pixelMaps = false; }
                    default -> throw ApiException.badParam(name, "maps must be both, grid, pixel or none; got '" + v + "'");
                }
            }
            case "encoding" -> {
                switch (v.toLowerCase(Locale.ROOT)) {
                    case "base64" -> base64 = true;
                    case "float" -> base64 = false;
                    default -> throw ApiException.badParam(name, "encoding must be base64 or float; got '" + v + "'");
                }
            }
            case "colormap" -> colormap = v;
            case "alpha" -> {
                try {
                    alpha = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    alpha = Double.NaN;
                }
                if (!(alpha >= 0 && alpha <= 1)) {
                    throw ApiException.badParam(name, "alpha must be a number in [0,1], got '" + v + "'");
                }
            }
            default -> throw new AssertionError(name);
        }
    }

    /** The per-request settings applied on top of the server's loaded model ({@link Occlusion#with}). */
    void apply(Occlusion.Builder b, int spatialAxes) {
        b.window(perAxis(window, spatialAxes, "window"));
        if (stride != null) {
            b.stride(perAxis(stride, spatialAxes, "stride"));
        } else {
            b.stride(perAxis(window, spatialAxes, "window"));
        }
        b.edge(edge).fill(fill).perChannel(perChannel).allowGaps(allowGaps).score(score).reduce(reduce).targets(targets)
                .batchSize(batch).outputs(outputs.toArray(String[]::new)).progress(null);
    }

    static int[] perAxis(int[] values, int axes, String param) {
        if (values.length == axes) {
            return values.clone();
        }
        if (values.length == 1) {
            int[] out = new int[axes];
            Arrays.fill(out, values[0]);
            return out;
        }
        throw ApiException.unprocessable(param, param + " has " + values.length + " values but the input has " + axes
                + " spatial axes: give one value, or one per axis");
    }

    /** Fill values as {@code explain --fill} takes them, except baseline files (the server reads no client paths). */
    static Fill parseFill(String v) {
        String lower = v.toLowerCase(Locale.ROOT);
        try {
            if (lower.equals("mean")) {
                return Fill.mean();
            }
            if (lower.equals("blur")) {
                return Fill.blur(5.0);
            }
            if (lower.startsWith("blur:")) {
                return Fill.blur(Double.parseDouble(v.substring(5).strip()));
            }
            if (lower.equals("noise")) {
                return Fill.noise(0);
            }
            if (lower.startsWith("noise:")) {
                return Fill.noise(Long.parseLong(v.substring(6).strip()));
            }
            if (lower.endsWith(".npy")) {
                throw ApiException.badParam("fill", "baseline files are not read by the server; use VALUE, a,b,c, mean, blur[:SIGMA] or noise[:SEED]");
            }
            String[] parts = v.split(",");
            float[] values = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                values[i] = Float.parseFloat(parts[i].strip());
            }
            return values.length == 1 ? Fill.constant(values[0]) : Fill.constantPerChannel(values);
        } catch (IllegalArgumentException e) {
            throw ApiException.badParam("fill", "invalid fill '" + v + "': expected VALUE, a,b,c, mean, blur[:SIGMA] or noise[:SEED]"
                    + (e instanceof NumberFormatException ? "" : " (" + e.getMessage() + ")"));
        }
    }

    private static int[] ints(String name, String v) {
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw ApiException.badParam(name, name + " must be N or N,N,.. (integers); got '" + v + "'");
            }
        }
        return out;
    }

    private static int[] positiveInts(String name, String v) {
        int[] out = ints(name, v);
        for (int i : out) {
            if (i < 1) {
                throw ApiException.badParam(name, name + " must be positive, got " + i);
            }
        }
        return out;
    }

    private static boolean bool(String name, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ApiException.badParam(name, name + " must be true or false, got '" + v + "'");
        };
    }

    private static <E extends Enum<E>> E enumValue(String name, String v, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw ApiException.badParam(name, name + " must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + v + "'");
    }

    /** Splits a raw query string into decoded name/value pairs; a repeated name is refused. */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiException.badParam(null, "malformed query string: " + e.getMessage());
            }
            if (out.put(name, value) != null) {
                throw ApiException.badParam(name, "parameter '" + name + "' is given twice");
            }
        }
        return out;
    }
}
