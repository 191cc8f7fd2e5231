package io.occlusion4j.render;

import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Renders a k x k interaction matrix next to its image: on the left the image with the k windows drawn as
 * numbered outlines, on the right the matrix (row and column i = window i), coloured with the diverging
 * {@link Colormap#BLUE_WHITE_RED} over the symmetric range {@code [-m, m]}, {@code m} the largest absolute
 * off-diagonal value, each cell labelled with its value when it is wide enough, and a colour bar below.
 * The diagonal is drawn grey. Text uses {@link BitmapFont}, so it renders headless.
 */
public final class InteractionPlot {
    /** Side of the drawn image and of the matrix, in pixels. */
    public static final int SIDE = 384;
    private static final int PAD = HeatmapRenderer.PAD;
    private static final int SCALE = HeatmapRenderer.TEXT_SCALE;
    private static final int TEXT = 0xFFFFFFFF;
    private static final int DIAGONAL = 0xFF5A5A5A;
    private static final int[] WINDOW_COLOURS = {
        0xFFFFD400, 0xFF00E5FF, 0xFFFF4FD8, 0xFF7CFF3B, 0xFFFF8C1A, 0xFFB18CFF, 0xFFFFFFFF, 0xFFFF3B3B
    };

    private InteractionPlot() {}

    /**
     * @param image     the input image (any size)
     * @param mapHeight height of the map grid the windows are given in (the model input's height)
     * @param mapWidth  width of that grid
     * @param starts    per window, {@code {y, x}} start in map coordinates
     * @param extents   per window, {@code {h, w}} extent in map coordinates
     * @param matrix    the k x k interaction matrix
     * @param title     a title line, e.g. the target and base score
     */
    public static BufferedImage render(BufferedImage image, int mapHeight, int mapWidth, int[][] starts, int[][] extents,
            double[][] matrix, String title) {
        Objects.requireNonNull(image, "image");
        int k = matrix.length;
        if (k < 1 || starts.length != k || extents.length != k) {
            throw new IllegalArgumentException("need k >= 1 windows and a k x k matrix, got " + starts.length + " windows and "
                    + k + " rows");
        }
        for (double[] row : matrix) {
            if (row.length != k) {
                throw new IllegalArgumentException("matrix is not square: a row has " + row.length + " values, expected " + k);
            }
        }
        int th = BitmapFont.textHeight(SCALE);
        int titleH = PAD + th + PAD;
        int labelW = BitmapFont.textWidth(String.valueOf(k), SCALE) + PAD;
        int imgW = SIDE;
        int imgH = (int) Math.max(1, Math.round((double) SIDE * image.getHeight() / image.getWidth()));
        int cell = Math.max(8, SIDE / k);
        int matW = cell * k;
        int matX = PAD + imgW + 2 * PAD + labelW;
        int matY = titleH + th + PAD;
        int barY = matY + matW + PAD;
        int width = matX + matW + PAD;
        int height = Math.max(titleH + imgH + PAD, barY + HeatmapRenderer.BAR_HEIGHT + 4 + th + PAD);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        BitmapFont.fillRect(out, 0, 0, width, height, HeatmapRenderer.BACKGROUND);
        BitmapFont.draw(out, BitmapFont.fit(title == null ? "" : title, width - 2 * PAD, SCALE), PAD, PAD, SCALE, TEXT);

        // Image with the windows.
        BufferedImage scaled = scale(image, imgW, imgH);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(scaled, PAD, titleH, null);
        } finally {
            g.dispose();
        }
        double sy = (double) imgH / mapHeight;
        double sx = (double) imgW / mapWidth;
        for (int i = 0; i < k; i++) {
            int colour = WINDOW_COLOURS[i % WINDOW_COLOURS.length];
            int x0 = PAD + (int) Math.round(starts[i][1] * sx);
            int y0 = titleH + (int) Math.round(starts[i][0] * sy);
            int x1 = PAD + (int) Math.round((starts[i][1] + extents[i][1]) * sx) - 1;
            int y1 = titleH + (int) Math.round((starts[i][0] + extents[i][0]) * sy) - 1;
            outline(out, x0, y0, x1, y1, colour);
            BitmapFont.drawOutlined(out, String.valueOf(i + 1), x0 + 3, y0 + 3, SCALE, colour, 0xFF000000);
        }

        // Matrix.
        double m = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j && Double.isFinite(matrix[i][j])) {
                    m = Math.max(m, Math.abs(matrix[i][j]));
                }
            }
        }
        double range = m > 0 ? m : 1;
        for (int i = 0; i < k; i++) {
            String label = String.valueOf(i + 1);
            BitmapFont.draw(out, label, matX - labelW + (labelW - PAD - BitmapFont.textWidth(label, SCALE)),
                    matY + i * cell + (cell - th) / 2, SCALE, WINDOW_COLOURS[i % WINDOW_COLOURS.length]);
            BitmapFont.draw(out, label, matX + i * cell + (cell - BitmapFont.textWidth(label, SCALE)) / 2, matY - th - 2, SCALE,
                    WINDOW_COLOURS[i % WINDOW_COLOURS.length]);
            for (int j = 0; j < k; j++) {
                double v = matrix[i][j];
                int colour = i == j || !Double.isFinite(v) ? DIAGONAL
                        : 0xFF000000 | Colormap.BLUE_WHITE_RED.rgb(0.5 + 0.5 * v / range);
                BitmapFont.fillRect(out, matX + j * cell, matY + i * cell, cell - 1, cell - 1, colour);
                if (i != j && Double.isFinite(v)) {
                    String text = HeatmapRenderer.formatValue(v);
                    int scale = BitmapFont.textWidth(text, SCALE) + 4 <= cell ? SCALE : 1;
                    if (BitmapFont.textWidth(text, scale) + 4 <= cell && BitmapFont.textHeight(scale) + 4 <= cell) {
                        BitmapFont.drawOutlined(out, text, matX + j * cell + (cell - BitmapFont.textWidth(text, scale)) / 2,
                                matY + i * cell + (cell - BitmapFont.textHeight(scale)) / 2, scale, 0xFFFFFFFF, 0xFF000000);
                    }
                }
            }
        }

        // Colour bar.
        for (int x = 0; x < matW; x++) {
            double t = matW == 1 ? 0.5 : (double) x / (matW - 1);
            BitmapFont.fillRect(out, matX + x, barY, 1, HeatmapRenderer.BAR_HEIGHT, 0xFF000000 | Colormap.BLUE_WHITE_RED.rgb(t));
        }
        int ly = barY + HeatmapRenderer.BAR_HEIGHT + 4;
        String lo = HeatmapRenderer.formatValue(-range);
        String hi = HeatmapRenderer.formatValue(range);
        BitmapFont.draw(out, lo, matX, ly, SCALE, TEXT);
        BitmapFont.draw(out, "0", matX + (matW - BitmapFont.textWidth("0", SCALE)) / 2, ly, SCALE, TEXT);
        BitmapFont.draw(out, hi, matX + matW - BitmapFont.textWidth(hi, SCALE), ly, SCALE, TEXT);
        return out;
    }

    private static void outline(BufferedImage img, int x0, int y0, int x1, int y1, int argb) {
        for (int t = 0; t < 2; t++) {
            BitmapFont.fillRect(img, x0 + t, y0 + t, x1 - x0 + 1 - 2 * t, 1, argb);
            BitmapFont.fillRect(img, x0 + t, y1 - t, x1 - x0 + 1 - 2 * t, 1, argb);
            BitmapFont.fillRect(img, x0 + t, y0 + t, 1, y1 - y0 + 1 - 2 * t, argb);
            BitmapFont.fillRect(img, x1 - t, y0 + t, 1, y1 - y0 + 1 - 2 * t, argb);
        }
    }

    private static BufferedImage scale(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            if (w < src.getWidth() || h < src.getHeight()) {
                g.drawImage(src.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING), 0, 0, null);
            } else {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(src, 0, 0, w, h, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
