package io.occlusion4j.video;

import io.occlusion4j.render.BitmapFont;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * A small bar plot of a temporal profile (the map summed per frame): one bar per frame from the zero
 * line, the highlighted frame (the peak, or the frame shown beside it) in a second colour, the value
 * range on the left, the first and last frame numbers below and a title line. Drawn with
 * {@link BitmapFont}, so it needs no installed fonts and works headless; colours match
 * {@link HeatmapRenderer}'s panels, so the plot can sit under a panel.
 */
public final class TemporalProfilePlot {
    /** Default plot height in pixels. */
    public static final int DEFAULT_HEIGHT = 120;
    static final int SCALE = 1;
    static final int PAD = HeatmapRenderer.PAD;
    static final int BAR = 0xFF6FA8DC;
    static final int HIGHLIGHT = 0xFFFFC000;
    static final int AXIS = 0xFF9A9A9A;
    static final int TEXT = 0xFFFFFFFF;

    private TemporalProfilePlot() {}

    /**
     * Renders {@code profile} into a {@code width x height} image.
     *
     * @param highlight the frame drawn in the highlight colour, or -1 for none
     * @param title     the title line (may be empty)
     */
    public static BufferedImage render(double[] profile, int width, int height, int highlight, String title) {
        if (profile.length == 0) {
            throw new IllegalArgumentException("empty profile");
        }
        int textH = BitmapFont.textHeight(SCALE);
        if (width < 64 || height < 4 * textH + 3 * PAD) {
            throw new IllegalArgumentException("plot size " + width + "x" + height + " is too small");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(new Color(HeatmapRenderer.BACKGROUND, true));
            g.fillRect(0, 0, width, height);
            double lo = 0;
            double hi = 0;
            for (double v : profile) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (hi == lo) {
                hi = lo + 1;
            }
            String hiText = HeatmapRenderer.formatValue(hi);
            String loText = HeatmapRenderer.formatValue(lo);
            int labelW = Math.max(BitmapFont.textWidth(hiText, SCALE), BitmapFont.textWidth(loText, SCALE));
            int left = PAD + labelW + 4;
            int right = width - PAD;
            int top = PAD + textH + PAD / 2;
            int bottom = height - PAD - textH - 3;
            if (title != null && !title.isEmpty()) {
                BitmapFont.draw(img, BitmapFont.fit(title, width - 2 * PAD, SCALE), PAD, PAD, SCALE, TEXT);
            }
            BitmapFont.draw(img, hiText, left - 4 - BitmapFont.textWidth(hiText, SCALE), top, SCALE, TEXT);
            BitmapFont.draw(img, loText, left - 4 - BitmapFont.textWidth(loText, SCALE), bottom - textH, SCALE, TEXT);
            int plotH = bottom - top;
            int zeroY = top + (int) Math.round((hi / (hi - lo)) * plotH);
            int n = profile.length;
            double slot = (right - left) / (double) n;
            for (int t = 0; t < n; t++) {
                double v = Double.isFinite(profile[t]) ? profile[t] : 0;
                int x0 = left + (int) Math.round(t * slot);
                int x1 = left + (int) Math.round((t + 1) * slot);
                int bw = Math.max(1, x1 - x0 - (slot >= 4 ? 1 : 0));
                int y = top + (int) Math.round(((hi - v) / (hi - lo)) * plotH);
                g.setColor(new Color(t == highlight ? HIGHLIGHT : BAR, true));
                g.fillRect(x0, Math.min(y, zeroY), bw, Math.max(1, Math.abs(zeroY - y)));
            }
            g.setColor(new Color(AXIS, true));
            g.drawLine(left, zeroY, right - 1, zeroY);
            g.drawLine(left - 1, top, left - 1, bottom);
            String first = "0";
            String last = Integer.toString(n - 1);
            BitmapFont.draw(img, first, left, bottom + 3, SCALE, TEXT);
            if (n > 1) {
                int lx = left + (int) Math.round((n - 0.5) * slot) - BitmapFont.textWidth(last, SCALE) / 2;
                BitmapFont.draw(img, last, Math.min(lx, right - BitmapFont.textWidth(last, SCALE)), bottom + 3, SCALE, TEXT);
            }
            String axis = "frame";
            BitmapFont.draw(img, axis, (left + right - BitmapFont.textWidth(axis, SCALE)) / 2, bottom + 3, SCALE, AXIS);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The x range {@code [x0, x1)} of frame {@code t}'s bar in a plot of {@code n} frames and the given size (for tests). */
    static int[] barSpan(double[] profile, int width, int t) {
        double lo = 0;
        double hi = 0;
        for (double v : profile) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        int labelW = Math.max(BitmapFont.textWidth(HeatmapRenderer.formatValue(hi), SCALE),
                BitmapFont.textWidth(HeatmapRenderer.formatValue(lo), SCALE));
        int left = PAD + labelW + 4;
        double slot = (width - PAD - left) / (double) profile.length;
        return new int[] {left + (int) Math.round(t * slot), left + (int) Math.round((t + 1) * slot)};
    }
}
