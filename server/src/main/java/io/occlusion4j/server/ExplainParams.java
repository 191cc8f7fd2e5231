// The parameters of one explain request: the server's defaults overridden by the request's, in the CLI's vocabulary.
package io.occlusion4j.server;

import io.occlusion4j.ExplainOptions;
import io.occlusion4j.InvalidOptionException;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.render.Colormap;
import io.occlusion4j.render.HeatmapRenderer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one request: the server's defaults (the {@code explain} flags given to {@code serve})
 * overridden by the request's parameters, which carry the same names as those flags without the dashes and
 * are parsed by the same code ({@link ExplainOptions}): {@code window}, {@code stride}, {@code edge},
 * {@code fill}, {@code per-channel}, {@code allow-gaps}, {@code score}, {@code output}, {@code reduce},
 * {@code target}, {@code top-k}, {@code batch}; and for the answer {@code maps} ({@code both|grid|pixel|none}),
 * {@code encoding} ({@code base64|float}), {@code colormap} and {@code alpha} (PNG answers).
 *
 * @param options   the explanation settings
 * @param gridMaps  the answer carries the grid maps
 * @param pixelMaps the answer carries the pixel maps
 * @param base64    maps as base64 little-endian float32 (else JSON numbers)
 * @param colormap  the PNG answer's colour map, {@code null} for the automatic choice
 * @param alpha     the PNG answer's heatmap opacity
 */
public record ExplainParams(ExplainOptions options, boolean gridMaps, boolean pixelMaps, boolean base64, Colormap colormap,
        double alpha) {
    /** The parameters that shape the answer rather than the explanation. */
    static final List<String> ANSWER_NAMES = List.of("maps", "encoding", "colormap", "alpha");

    /** Every parameter a request may carry; any other is refused (400) so a typo is not silently ignored. */
    public static final Set<String> NAMES = names();

    private static Set<String> names() {
        Set<String> all = new TreeSet<>(ExplainOptions.NAMES);
        all.addAll(ANSWER_NAMES);
        return Set.copyOf(all);
    }

    /**
     * Parses {@code defaults} then {@code query} (the later wins; {@code target} and {@code top-k} replace each
     * other); a bad parameter is a 400 {@link ApiException} naming it.
     */
    public static ExplainParams parse(Map<String, String> defaults, Map<String, String> query) {
        try {
            return parseOrThrow(defaults, query);
        } catch (InvalidOptionException e) {
            throw ApiException.badParam(e.option(), e.getMessage());
        }
    }

    /** As {@link #parse}, failing with the {@link InvalidOptionException} that names the parameter. */
    static ExplainParams parseOrThrow(Map<String, String> defaults, Map<String, String> query) {
        Map<String, String> all = new LinkedHashMap<>();
        for (Map<String, String> m : List.of(defaults, query)) {
            for (Map.Entry<String, String> e : m.entrySet()) {
                String name = e.getKey();
                if (!NAMES.contains(name)) {
                    throw new InvalidOptionException(name, null, "is not a parameter; known: " + String.join(", ", new TreeSet<>(NAMES)));
                }
                if (name.equals("target")) {
                    all.remove("top-k");
                } else if (name.equals("top-k")) {
                    all.remove("target");
                }
                all.put(name, e.getValue().strip());
            }
        }
        Map<String, String> explanation = new LinkedHashMap<>(all);
        explanation.keySet().removeAll(ANSWER_NAMES);
        ExplainOptions options = ExplainOptions.parse(explanation, ExplainParams::refuseBaselineFile);
        if (options.window() == null) {
            throw new InvalidOptionException("window", null, "is not set: give window=N (or N,N) in the query, or --window to serve");
        }
        String maps = all.getOrDefault("maps", "both").toLowerCase(Locale.ROOT);
        if (!List.of("both", "grid", "pixel", "none").contains(maps)) {
            throw new InvalidOptionException("maps", maps, "expected one of both, grid, pixel, none");
        }
        String encoding = all.getOrDefault("encoding", "base64").toLowerCase(Locale.ROOT);
        if (!encoding.equals("base64") && !encoding.equals("float")) {
            throw new InvalidOptionException("encoding", encoding, "expected one of base64, float");
        }
        return new ExplainParams(options, maps.equals("both") || maps.equals("grid"), maps.equals("both") || maps.equals("pixel"),
                encoding.equals("base64"), colormap(all.getOrDefault("colormap", "auto")), alpha(all.get("alpha")));
    }

    /**
     * These parameters within the server's {@code limits}: repeated targets dropped (the first of each kept, in
     * order), more targets or a larger top-k than {@code maxTargets} refused (422), a batch above {@code maxBatch}
     * lowered to it (the batch changes the speed, not the map).
     */
    ExplainParams within(ServerConfig.RequestLimits limits) {
        ExplainOptions o = options;
        Targets targets = switch (o.targets()) {
            case Targets.Explicit e -> {
                int[] unique = Arrays.stream(e.indices()).distinct().toArray();
                if (unique.length > limits.maxTargets()) {
                    throw ApiException.unprocessable("target", unique.length + " distinct targets asked for; this server answers at most "
                            + limits.maxTargets() + " per request");
                }
                yield unique.length == e.indices().length ? e : Targets.of(unique);
            }
            case Targets.TopK k -> {
                if (k.k() > limits.maxTargets()) {
                    throw ApiException.unprocessable("top-k", "top-k " + k.k() + " is more than the " + limits.maxTargets()
                            + " targets this server answers per request");
                }
                yield k;
            }
        };
        int batch = Math.min(o.batchSize(), limits.maxBatch());
        if (targets == o.targets() && batch == o.batchSize()) {
            return this;
        }
        ExplainOptions limited = o.withTargetsAndBatch(targets, batch);
        return new ExplainParams(limited, gridMaps, pixelMaps, base64, colormap, alpha);
    }

    /** How many maps a request asks for: its explicit targets, its top-k, or one (the argmax). */
    int targetCount() {
        return switch (options.targets()) {
            case Targets.Explicit e -> e.indices().length;
            case Targets.TopK k -> k.k();
        };
    }

    /** The server reads no paths its clients send: a baseline file as the fill is refused. */
    private static Tensor refuseBaselineFile(Path file) {
        throw new InvalidOptionException("fill", file.toString(), "baseline files are not read by the server; use VALUE, a,b,c,"
                + " mean, blur[:SIGMA] or noise[:SEED]");
    }

    private static Colormap colormap(String v) {
        try {
            return Colormap.parseOrAuto(v);
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionException("colormap", v, e.getMessage());
        }
    }

    /** The heatmap opacity in [0,1]; the renderer's own default when absent (as {@code explain --alpha}). */
    private static double alpha(String v) {
        if (v == null) {
            return HeatmapRenderer.Options.defaults().alpha();
        }
        double a;
        try {
            a = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            a = Double.NaN;
        }
        if (!(a >= 0 && a <= 1)) {
            throw new InvalidOptionException("alpha", v, "expected a number in [0,1]");
        }
        return a;
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
