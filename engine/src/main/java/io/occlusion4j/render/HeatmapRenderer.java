package io.occlusion4j.render;

import io.occlusion4j.SensitivityMap;
import io.occlusion4j.io.AtomicFiles;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Renders a sensitivity map as a heatmap over its image: one panel per target, with a title line
 * (label and base score), the image with the map blended over it, and a colour bar with tick labels.
 *
 * <p>Plain Java inputs only: a {@link BufferedImage} and a row-major {@code float[h*w]} map. The map is
 * resized bilinearly to the drawn image, so any map resolution (model input, grid) works. Text uses
 * {@link BitmapFont}, so rendering needs no installed fonts and works with
 * {@code -Djava.awt.headless=true}.
 *
 * <p>Panel layout, top to bottom: a title band of {@link #TITLE_HEIGHT} pixels, the image drawn at
 * {@link PanelLayout#imageArea()}, then the colour bar section of {@link #BAR_SECTION_HEIGHT} pixels;
 * {@link #PAD} pixels of margin left and right. Small images are scaled up (default: at least 384
 * pixels wide and 96 high) and large ones down (default: at most 1024 in either direction).
 */
public final class HeatmapRenderer {

    /** Outer margin in pixels. */
    public static final int PAD = 8;
    /** Scale factor of the {@link BitmapFont} used for all text. */
    public static final int TEXT_SCALE = 2;
    /** Height of the title band at the top of a panel. */
    public static final int TITLE_HEIGHT = PAD + 7 * TEXT_SCALE + PAD;
    /** Height of the colour bar itself. */
    public static final int BAR_HEIGHT = 14;
    private static final int BAR_GAP = 8;
    private static final int TICK_LENGTH = 4;
    private static final int LABEL_GAP = 3;
    /** Height of the section below the image: gap, bar, ticks, tick labels, bottom margin. */
    public static final int BAR_SECTION_HEIGHT =
            BAR_GAP + BAR_HEIGHT + TICK_LENGTH + LABEL_GAP + 7 * TEXT_SCALE + PAD;
    /** Narrowest content width (image area or colour bar), so that the title and ticks fit. */
    public static final int MIN_CONTENT_WIDTH = 256;

    /** Panel background. */
    public static final int BACKGROUND = 0xFF1C1C1C;
    private static final int TEXT_COLOR = 0xFFFFFFFF;
    private static final int OUTLINE_COLOR = 0xFF000000;
    private static final int BAR_BORDER = 0xFF9A9A9A;

    private final Options options;

    /** A renderer with {@link Options#defaults()}. */
    public HeatmapRenderer() {
        this(Options.defaults());
    }

    public HeatmapRenderer(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /**
     * One panel's input: the original image (any size), a row-major map of {@code height x width} for
     * one target, a label (for example the class name or index) and the unoccluded (base) score.
     * NaN map elements are left uncoloured; a NaN score is shown as {@code n/a}.
     */
    public record Panel(BufferedImage image, float[] map, int height, int width, String label,
                        double baseScore) {
        public Panel {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(map, "map");
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException(
                        "map shape must be positive, got " + height + "x" + width);
            }
            if ((long) height * width != map.length) {
                throw new IllegalArgumentException("map has " + map.length + " values but its shape "
                        + height + "x" + width + " needs " + (long) height * width);
            }
            label = label == null ? "" : label;
        }
    }

    /**
     * Rendering options.
     *
     * @param colormap          the colour map to use, or {@code null} to choose: the diverging map when
     *                          the map has values of both signs beyond the epsilon, else
     *                          {@code oneSignedColormap}
     * @param oneSignedColormap the map chosen for one-signed maps when {@code colormap} is null
     * @param alpha             opacity of the heatmap over the image, in [0, 1]
     * @param vmin              value drawn at the low end of the colour bar, NaN for automatic
     * @param vmax              value drawn at the high end of the colour bar, NaN for automatic
     * @param signEpsilon       relative epsilon: values within {@code signEpsilon * max|v|} of 0 count
     *                          as 0 when deciding whether a map is signed
     * @param minWidth          images narrower than this are scaled up to it
     * @param minHeight         images lower than this are scaled up to it (as far as the maxima allow)
     * @param maxWidth          images are scaled down (or up less) to stay within this width
     * @param maxHeight         images are scaled down (or up less) to stay within this height
     */
    public record Options(Colormap colormap, Colormap oneSignedColormap, double alpha, double vmin,
                          double vmax, double signEpsilon, int minWidth, int minHeight, int maxWidth,
                          int maxHeight) {
        public Options {
            Objects.requireNonNull(oneSignedColormap, "oneSignedColormap");
            if (oneSignedColormap.diverging()) {
                throw new IllegalArgumentException(
                        "oneSignedColormap must be a one-signed map, got " + oneSignedColormap);
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            if (Double.isInfinite(vmin) || Double.isInfinite(vmax)) {
                throw new IllegalArgumentException("value range must be finite or NaN (automatic), got ["
                        + vmin + ", " + vmax + "]");
            }
            if (!Double.isNaN(vmin) && !Double.isNaN(vmax) && !(vmin < vmax)) {
                throw new IllegalArgumentException(
                        "value range needs vmin < vmax, got [" + vmin + ", " + vmax + "]");
            }
            if (!(signEpsilon >= 0 && signEpsilon < 1)) {
                throw new IllegalArgumentException("signEpsilon must be in [0, 1), got " + signEpsilon);
            }
            if (minWidth < 1 || minHeight < 1 || maxWidth < minWidth || maxHeight < minHeight) {
                throw new IllegalArgumentException("panel size limits must satisfy 1 <= min <= max, got "
                        + "width " + minWidth + ".." + maxWidth + ", height " + minHeight + ".." + maxHeight);
            }
        }

        /** Automatic colour map (viridis for one-signed maps), alpha 0.75 (for diverging maps: at the largest magnitude), automatic range. */
        public static Options defaults() {
            return new Options(null, Colormap.VIRIDIS, 0.75, Double.NaN, Double.NaN, 0.01,
                    384, 96, 1024, 1024);
        }

        /** Forces {@code colormap}; {@code null} restores the automatic choice. */
        public Options withColormap(Colormap colormap) {
            return new Options(colormap, oneSignedColormap, alpha, vmin, vmax, signEpsilon,
                    minWidth, minHeight, maxWidth, maxHeight);
        }

        public Options withOneSignedColormap(Colormap oneSigned) {
            return new Options(colormap, oneSigned, alpha, vmin, vmax, signEpsilon,
                    minWidth, minHeight, maxWidth, maxHeight);
        }

        public Options withAlpha(double newAlpha) {
            return new Options(colormap, oneSignedColormap, newAlpha, vmin, vmax, signEpsilon,
                    minWidth, minHeight, maxWidth, maxHeight);
        }

        /** Fixes the value range; NaN for either end keeps that end automatic. */
        public Options withRange(double newVmin, double newVmax) {
            return new Options(colormap, oneSignedColormap, alpha, newVmin, newVmax, signEpsilon,
                    minWidth, minHeight, maxWidth, maxHeight);
        }

        public Options withSignEpsilon(double eps) {
            return new Options(colormap, oneSignedColormap, alpha, vmin, vmax, eps,
                    minWidth, minHeight, maxWidth, maxHeight);
        }

        public Options withSizeLimits(int newMinWidth, int newMinHeight, int newMaxWidth, int newMaxHeight) {
            return new Options(colormap, oneSignedColormap, alpha, vmin, vmax, signEpsilon,
                    newMinWidth, newMinHeight, newMaxWidth, newMaxHeight);
        }
    }

    /** The colour map and the values drawn at its two ends (for the diverging map, 0 is the centre). */
    public record ColorScale(Colormap colormap, double min, double max) {
        public ColorScale {
            Objects.requireNonNull(colormap, "colormap");
            if (!(min < max)) {
                throw new IllegalArgumentException("color scale needs min < max, got [" + min + ", " + max + "]");
            }
        }

        /** Position of {@code v} on the colour map, clamped to [0, 1]. */
        public double position(double v) {
            double t = (v - min) / (max - min);
            return t <= 0 ? 0 : Math.min(t, 1);
        }
    }

    /** Where the parts of a panel lie, in panel pixels. */
    public record PanelLayout(int width, int height, Rectangle titleArea, Rectangle imageArea,
                              Rectangle barArea) {
    }

    /** The layout of a panel for an image of {@code imageWidth x imageHeight}. */
    public PanelLayout layout(int imageWidth, int imageHeight) {
        if (imageWidth < 1 || imageHeight < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + imageWidth + "x" + imageHeight);
        }
        double s = Math.max(1.0, Math.max((double) options.minWidth() / imageWidth,
                (double) options.minHeight() / imageHeight));
        s = Math.min(s, Math.min((double) options.maxWidth() / imageWidth,
                (double) options.maxHeight() / imageHeight));
        int drawW = Math.max(1, (int) Math.round(imageWidth * s));
        int drawH = Math.max(1, (int) Math.round(imageHeight * s));
        int contentW = Math.max(drawW, MIN_CONTENT_WIDTH);
        int width = contentW + 2 * PAD;
        int height = TITLE_HEIGHT + drawH + BAR_SECTION_HEIGHT;
        Rectangle title = new Rectangle(0, 0, width, TITLE_HEIGHT);
        Rectangle image = new Rectangle(PAD + (contentW - drawW) / 2, TITLE_HEIGHT, drawW, drawH);
        Rectangle bar = new Rectangle(PAD, TITLE_HEIGHT + drawH + BAR_GAP, contentW, BAR_HEIGHT);
        return new PanelLayout(width, height, title, image, bar);
    }

    /**
     * The colour map and range this renderer uses for {@code map}: the forced map or the automatic
     * choice, the forced range ends or automatic ones (symmetric {@code [-m, m]} with
     * {@code m = max|v|} for the diverging map; {@code [0, max]} for a non-negative map, {@code [min, 0]}
     * for a non-positive one, else {@code [min, max]}). NaN elements are ignored.
     */
    public ColorScale colorScale(float[] map) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : map) {
            if (Float.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        boolean any = lo <= hi;
        if (!any) {
            lo = 0;
            hi = 0;
        }
        double maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
        double eps = options.signEpsilon() * maxAbs;
        boolean signed = lo < -eps && hi > eps;
        Colormap cm = options.colormap() != null ? options.colormap()
                : signed ? Colormap.BLUE_WHITE_RED : options.oneSignedColormap();
        double autoLo;
        double autoHi;
        if (cm.diverging()) {
            double m = maxAbs > 0 ? maxAbs : 1;
            autoLo = -m;
            autoHi = m;
        } else if (lo >= -eps) {
            autoLo = 0;
            autoHi = hi > 0 ? hi : 1;
        } else if (hi <= eps) {
            autoLo = lo;
            autoHi = 0;
        } else {
            autoLo = lo;
            autoHi = hi;
        }
        double min = Double.isNaN(options.vmin()) ? autoLo : options.vmin();
        double max = Double.isNaN(options.vmax()) ? autoHi : options.vmax();
        if (cm.diverging() && Double.isNaN(options.vmin()) != Double.isNaN(options.vmax())) {
            // one end given for a diverging map: mirror it so 0 stays in the centre
            double m = Double.isNaN(options.vmin()) ? Math.abs(max) : Math.abs(min);
            min = -m;
            max = m;
        }
        if (!(min < max)) {
            throw new IllegalArgumentException("value range [" + min + ", " + max
                    + "] is empty for this map (values span [" + lo + ", " + hi + "])");
        }
        return new ColorScale(cm, min, max);
    }

    /** Renders one panel; see {@link Panel}. */
    public BufferedImage render(BufferedImage image, float[] map, int height, int width, String label,
                                double baseScore) {
        return render(new Panel(image, map, height, width, label, baseScore));
    }

    /** Renders one panel: title band, image with the heatmap blended over it, colour bar. */
    public BufferedImage render(Panel panel) {
        BufferedImage src = panel.image();
        PanelLayout lay = layout(src.getWidth(), src.getHeight());
        ColorScale scale = colorScale(panel.map());
        BufferedImage out = new BufferedImage(lay.width(), lay.height(), BufferedImage.TYPE_INT_RGB);
        BitmapFont.fillRect(out, 0, 0, lay.width(), lay.height(), BACKGROUND);

        Rectangle ia = lay.imageArea();
        BufferedImage base = scaleImage(src, ia.width, ia.height);
        overlay(base, panel.map(), panel.height(), panel.width(), scale, options.alpha());
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(base, ia.x, ia.y, null);
        } finally {
            g.dispose();
        }
        drawTitle(out, lay, panel.label(), panel.baseScore());
        drawColorBar(out, lay.barArea(), scale);
        return out;
    }

    /**
     * Renders each panel (one per target, for example the top-k) and puts them side by side, left to
     * right; the result is as wide as the panels together and as high as the highest.
     */
    public BufferedImage renderPanels(List<Panel> panels) {
        Objects.requireNonNull(panels, "panels");
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("no panels to render");
        }
        return sideBySide(panels.stream().map(this::render).toList());
    }

    /** Concatenates images left to right; shorter ones are padded at the bottom with the background. */
    public static BufferedImage sideBySide(List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to place side by side");
        }
        long width = 0;
        int height = 0;
        for (BufferedImage im : images) {
            width += im.getWidth();
            height = Math.max(height, im.getHeight());
        }
        if (width > Integer.MAX_VALUE / Math.max(1, height)) {
            throw new IllegalArgumentException("combined image of " + width + "x" + height + " is too large");
        }
        BufferedImage out = new BufferedImage((int) width, height, BufferedImage.TYPE_INT_RGB);
        BitmapFont.fillRect(out, 0, 0, out.getWidth(), height, BACKGROUND);
        Graphics2D g = out.createGraphics();
        try {
            int x = 0;
            for (BufferedImage im : images) {
                g.drawImage(im, x, 0, null);
                x += im.getWidth();
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The panels of a 2-D map over {@code picture}: one per target, one per target and channel for
     * per-channel maps, titled with {@code labels} (one per target) and the target's base score.
     */
    public static List<Panel> panels(SensitivityMap map, BufferedImage picture, List<String> labels) {
        int[] shape = map.pixelShape();
        int h = shape[shape.length - 2];
        int w = shape[shape.length - 1];
        List<Panel> panels = new ArrayList<>();
        float[] base = map.baseScores();
        for (int t = 0; t < map.targetCount(); t++) {
            float[] pixels = map.pixelMap(t).data();
            if (map.perChannel()) {
                for (int c = 0; c < shape[0]; c++) {
                    panels.add(new Panel(picture, Arrays.copyOfRange(pixels, c * h * w, (c + 1) * h * w), h, w,
                            labels.get(t) + " ch " + c, base[t]));
                }
            } else {
                panels.add(new Panel(picture, pixels, h, w, labels.get(t), base[t]));
            }
        }
        return panels;
    }

    /**
     * Writes {@code image} as a PNG to {@code target}, atomically: the bytes go to a temporary file in
     * the same folder, which is then moved over {@code target}, so a reader never sees a half-written
     * file and a failure leaves nothing behind. Missing parent folders are created.
     */
    public static void writePng(BufferedImage image, Path target) throws IOException {
        Objects.requireNonNull(image, "image");
        AtomicFiles.writeWith(target, tmp -> {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp));
                 // in-memory cache: no ImageIO cache file in java.io.tmpdir
                 MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(os)) {
                if (!ImageIO.write(image, "png", ios)) {
                    throw new IOException("no PNG writer available for " + target);
                }
            }
        });
    }

    /** Formats a tick value: up to 3 significant digits, scientific outside [1e-3, 1e4). */
    public static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e4 || a < 1e-3) {
            return compactExponent(String.format(Locale.ROOT, "%.2e", v));
        }
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** Formats a score: 4 decimals, scientific outside [1e-3, 1e4) except 0. */
    public static String formatScore(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (v != 0 && (a >= 1e4 || a < 1e-3)) {
            return compactExponent(String.format(Locale.ROOT, "%.3e", v));
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String compactExponent(String s) {
        // "1.23e-05" -> "1.23e-5", "4.00e+04" -> "4.00e4"
        int e = s.indexOf('e');
        String mant = s.substring(0, e);
        int exp = Integer.parseInt(s.substring(e + 1));
        return mant + "e" + exp;
    }

    // ---------------------------------------------------------------- drawing

    private static BufferedImage scaleImage(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(java.awt.Color.BLACK);
            g.fillRect(0, 0, w, h);
            if (w == src.getWidth() && h == src.getHeight()) {
                g.drawImage(src, 0, 0, null);
            } else if (w < src.getWidth() || h < src.getHeight()) {
                // shrinking: average the source pixels under each output pixel instead of sampling
                Image smooth = src.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING);
                g.drawImage(smooth, 0, 0, null);
            } else {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
                        RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                g.drawImage(src, 0, 0, w, h, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Blends the map, bilinearly resized to {@code img}'s size (pixel centres aligned, edges clamped),
     * over {@code img} in place. Output pixels whose neighbouring map values include NaN stay as they are.
     */
    private static void overlay(BufferedImage img, float[] map, int mh, int mw, ColorScale scale,
                                double alpha) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        axis(mw, w, x0, x1, fx);
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        axis(mh, h, y0, y1, fy);
        int[] row = new int[w];
        Colormap cm = scale.colormap();
        boolean diverging = cm.diverging();
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            int r0 = y0[y] * mw;
            int r1 = y1[y] * mw;
            float wy = fy[y];
            for (int x = 0; x < w; x++) {
                float wx = fx[x];
                float top = lerp(map[r0 + x0[x]], map[r0 + x1[x]], wx);
                float bottom = lerp(map[r1 + x0[x]], map[r1 + x1[x]], wx);
                float v = lerp(top, bottom, wy);
                if (Float.isNaN(v)) {
                    continue;
                }
                double t = scale.position(v);
                int c = cm.rgb(t);
                // A diverging map is white at 0: blended at a fixed opacity it would wash the whole
                // picture out. Its opacity grows with the magnitude instead, so the photo stays clear
                // where occlusion changes nothing and the colour is strongest where it matters most.
                double a = diverging ? alpha * Math.sqrt(Math.min(1, Math.abs(2 * t - 1))) : alpha;
                int p = row[x];
                row[x] = (blendChannel(p >> 16, c >> 16, a) << 16)
                        | (blendChannel(p >> 8, c >> 8, a) << 8)
                        | blendChannel(p, c, a);
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
    }

    /** Interpolation weights along one axis: source size {@code n}, destination size {@code m}. */
    private static void axis(int n, int m, int[] i0, int[] i1, float[] f) {
        double ratio = (double) n / m;
        for (int d = 0; d < m; d++) {
            double s = (d + 0.5) * ratio - 0.5;
            if (s <= 0) {
                i0[d] = 0;
                i1[d] = 0;
                f[d] = 0;
            } else if (s >= n - 1) {
                i0[d] = n - 1;
                i1[d] = n - 1;
                f[d] = 0;
            } else {
                int lo = (int) s;
                i0[d] = lo;
                i1[d] = lo + 1;
                f[d] = (float) (s - lo);
            }
        }
    }

    private static float lerp(float a, float b, float t) {
        if (t == 0) {
            return a;
        }
        if (t == 1) {
            return b;
        }
        return a + (b - a) * t;
    }

    private static int blendChannel(int under, int over, double alpha) {
        int u = under & 0xFF;
        int o = over & 0xFF;
        return (int) Math.round(u + (o - u) * alpha);
    }

    private static void drawTitle(BufferedImage out, PanelLayout lay, String label, double score) {
        int y = PAD;
        int left = PAD;
        int right = lay.width() - PAD;
        String scoreText = "score " + formatScore(score);
        int scoreW = BitmapFont.textWidth(scoreText, TEXT_SCALE);
        int gap = 4 * TEXT_SCALE * BitmapFont.ADVANCE / 2;
        String shown = BitmapFont.fit(label, right - left - scoreW - gap, TEXT_SCALE);
        BitmapFont.drawOutlined(out, shown, left, y, TEXT_SCALE, TEXT_COLOR, OUTLINE_COLOR);
        BitmapFont.drawOutlined(out, scoreText, right - scoreW, y, TEXT_SCALE, TEXT_COLOR, OUTLINE_COLOR);
    }

    private static void drawColorBar(BufferedImage out, Rectangle bar, ColorScale scale) {
        // 1-pixel border just outside the bar
        BitmapFont.fillRect(out, bar.x - 1, bar.y - 1, bar.width + 2, bar.height + 2, BAR_BORDER);
        Colormap cm = scale.colormap();
        for (int i = 0; i < bar.width; i++) {
            double t = bar.width == 1 ? 0 : (double) i / (bar.width - 1);
            BitmapFont.fillRect(out, bar.x + i, bar.y, 1, bar.height, 0xFF000000 | cm.rgb(t));
        }
        int tickY = bar.y + bar.height + 1;
        int labelY = tickY + TICK_LENGTH + LABEL_GAP;
        tick(out, bar, bar.x, tickY, labelY, formatValue(scale.min()));
        tick(out, bar, bar.x + bar.width - 1, tickY, labelY, formatValue(scale.max()));
        if (cm.diverging() && scale.min() < 0 && scale.max() > 0) {
            int zx = bar.x + (int) Math.round(scale.position(0) * (bar.width - 1));
            tick(out, bar, zx, tickY, labelY, "0");
            // mark 0 on the bar itself too
            BitmapFont.fillRect(out, zx, bar.y, 1, bar.height, 0xFF606060);
        }
    }

    private static void tick(BufferedImage out, Rectangle bar, int x, int tickY, int labelY, String text) {
        int tx = Math.max(bar.x, Math.min(x, bar.x + bar.width - 2));
        BitmapFont.fillRect(out, tx, tickY, 2, TICK_LENGTH, TEXT_COLOR);
        int w = BitmapFont.textWidth(text, TEXT_SCALE);
        int lx = Math.max(bar.x, Math.min(x - w / 2, bar.x + bar.width - w));
        BitmapFont.drawOutlined(out, text, lx, labelY, TEXT_SCALE, TEXT_COLOR, OUTLINE_COLOR);
    }
}
