package io.occlusion4j.render;

import java.util.Locale;

/**
 * Colour maps for sensitivity heatmaps. Each maps a position {@code t} in {@code [0, 1]} to an sRGB
 * colour by linear interpolation between evenly spaced anchor colours.
 *
 * <ul>
 *   <li>{@link #VIRIDIS} and {@link #INFERNO}: perceptually uniform maps with lightness rising from
 *       0 to 1, for one-signed maps (anchors: the ten evenly spaced samples published with the maps).
 *   <li>{@link #BLUE_WHITE_RED}: a diverging map for signed values, blue at 0, pure white at 0.5 (the
 *       value 0 of a symmetric range), red at 1 (anchors: the 11-class ColorBrewer RdBu scheme,
 *       reversed, with its light-grey centre replaced by white).
 * </ul>
 */
public enum Colormap {
    /** Dark purple through blue and green to yellow. */
    VIRIDIS(false,
            0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E,
            0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725),
    /** Black through purple and red to pale yellow. */
    INFERNO(false,
            0x000004, 0x1B0C42, 0x4B0C6B, 0x781C6D, 0xA52C60,
            0xCF4446, 0xED6925, 0xFB9A06, 0xF7D03C, 0xFCFFA4),
    /** Diverging: dark blue (negative) through white (zero) to dark red (positive). */
    BLUE_WHITE_RED(true,
            0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0,
            0xFFFFFF,
            0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F);

    private final boolean diverging;
    private final int[] anchors;

    Colormap(boolean diverging, int... anchors) {
        this.diverging = diverging;
        this.anchors = anchors;
    }

    /** True for the map meant for signed values (its centre, t = 0.5, stands for 0). */
    public boolean diverging() {
        return diverging;
    }

    /**
     * The colour at {@code t}, packed as {@code 0xRRGGBB}. Values outside {@code [0, 1]} are clamped.
     *
     * @throws IllegalArgumentException if {@code t} is NaN
     */
    public int rgb(double t) {
        if (Double.isNaN(t)) {
            throw new IllegalArgumentException("colormap position is NaN");
        }
        double clamped = t <= 0 ? 0 : Math.min(t, 1);
        double pos = clamped * (anchors.length - 1);
        int i = Math.min((int) pos, anchors.length - 2);
        double f = pos - i;
        int a = anchors[i];
        int b = anchors[i + 1];
        return (mix(a >> 16, b >> 16, f) << 16) | (mix(a >> 8, b >> 8, f) << 8) | mix(a, b, f);
    }

    private static int mix(int a, int b, double f) {
        int ca = a & 0xFF;
        int cb = b & 0xFF;
        return (int) Math.round(ca + (cb - ca) * f);
    }

    /**
     * Looks a map up by name, case-insensitively: {@code viridis}, {@code inferno}, and for the
     * diverging map {@code blue-white-red}, {@code bwr}, {@code diverging} or {@code rdbu}.
     *
     * @throws IllegalArgumentException naming the accepted names when none matches
     */
    public static Colormap parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "viridis" -> VIRIDIS;
            case "inferno" -> INFERNO;
            case "blue-white-red", "bwr", "diverging", "rdbu" -> BLUE_WHITE_RED;
            default -> throw new IllegalArgumentException("unknown colormap '" + name
                    + "': expected viridis, inferno or blue-white-red (bwr, diverging)");
        };
    }

    /**
     * As {@link #parse(String)}, plus {@code auto} (any case): {@code null}, which
     * {@link HeatmapRenderer.Options#withColormap} takes as the automatic choice.
     */
    public static Colormap parseOrAuto(String name) {
        return name != null && name.strip().equalsIgnoreCase("auto") ? null : parse(name);
    }

    /** The lower-case name accepted by {@link #parse(String)}. */
    public String cliName() {
        return switch (this) {
            case VIRIDIS -> "viridis";
            case INFERNO -> "inferno";
            case BLUE_WHITE_RED -> "blue-white-red";
        };
    }
}
