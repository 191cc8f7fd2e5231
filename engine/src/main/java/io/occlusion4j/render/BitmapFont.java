package io.occlusion4j.render;

import java.awt.image.BufferedImage;

/**
 * A self-contained 5x7 pixel font for printable ASCII (32..126), scaled by an integer factor.
 *
 * <p>It draws straight into a {@link BufferedImage}'s pixels, so text renders the same on a headless
 * machine with no fonts or fontconfig installed. Each glyph sits in a cell of 6x8 units (one unit of
 * spacing to the right and below); characters outside 32..126 are drawn as {@code '?'}.
 */
public final class BitmapFont {

    /** Glyph width in font units. */
    public static final int GLYPH_WIDTH = 5;
    /** Glyph height in font units. */
    public static final int GLYPH_HEIGHT = 7;
    /** Horizontal advance per character in font units (glyph plus one unit of spacing). */
    public static final int ADVANCE = GLYPH_WIDTH + 1;

    private static final int FIRST = 32;
    private static final int LAST = 126;

    // Seven rows per glyph, top to bottom; each row is 5 bits, 0x10 being the leftmost column.
    private static final String[] ROWS = {
        "00 00 00 00 00 00 00", // space
        "04 04 04 04 04 00 04", // !
        "0A 0A 00 00 00 00 00", // "
        "0A 0A 1F 0A 1F 0A 0A", // #
        "04 0F 14 0E 05 1E 04", // $
        "18 19 02 04 08 13 03", // %
        "0C 12 14 08 15 12 0D", // &
        "04 04 00 00 00 00 00", // '
        "02 04 08 08 08 04 02", // (
        "08 04 02 02 02 04 08", // )
        "00 04 15 0E 15 04 00", // *
        "00 04 04 1F 04 04 00", // +
        "00 00 00 00 0C 04 08", // ,
        "00 00 00 1F 00 00 00", // -
        "00 00 00 00 00 0C 0C", // .
        "00 01 02 04 08 10 00", // /
        "0E 11 13 15 19 11 0E", // 0
        "04 0C 04 04 04 04 0E", // 1
        "0E 11 01 02 04 08 1F", // 2
        "1F 02 04 02 01 11 0E", // 3
        "02 06 0A 12 1F 02 02", // 4
        "1F 10 1E 01 01 11 0E", // 5
        "06 08 10 1E 11 11 0E", // 6
        "1F 01 02 04 08 08 08", // 7
        "0E 11 11 0E 11 11 0E", // 8
        "0E 11 11 0F 01 02 0C", // 9
        "00 0C 0C 00 0C 0C 00", // :
        "00 0C 0C 00 0C 04 08", // ;
        "02 04 08 10 08 04 02", // <
        "00 00 1F 00 1F 00 00", // =
        "08 04 02 01 02 04 08", // >
        "0E 11 01 02 04 00 04", // ?
        "0E 11 01 0D 15 15 0E", // @
        "0E 11 11 11 1F 11 11", // A
        "1E 11 11 1E 11 11 1E", // B
        "0E 11 10 10 10 11 0E", // C
        "1C 12 11 11 11 12 1C", // D
        "1F 10 10 1E 10 10 1F", // E
        "1F 10 10 1E 10 10 10", // F
        "0E 11 10 17 11 11 0F", // G
        "11 11 11 1F 11 11 11", // H
        "0E 04 04 04 04 04 0E", // I
        "07 02 02 02 02 12 0C", // J
        "11 12 14 18 14 12 11", // K
        "10 10 10 10 10 10 1F", // L
        "11 1B 15 15 11 11 11", // M
        "11 11 19 15 13 11 11", // N
        "0E 11 11 11 11 11 0E", // O
        "1E 11 11 1E 10 10 10", // P
        "0E 11 11 11 15 12 0D", // Q
        "1E 11 11 1E 14 12 11", // R
        "0F 10 10 0E 01 01 1E", // S
        "1F 04 04 04 04 04 04", // T
        "11 11 11 11 11 11 0E", // U
        "11 11 11 11 11 0A 04", // V
        "11 11 11 15 15 15 0A", // W
        "11 11 0A 04 0A 11 11", // X
        "11 11 11 0A 04 04 04", // Y
        "1F 01 02 04 08 10 1F", // Z
        "0E 08 08 08 08 08 0E", // [
        "00 10 08 04 02 01 00", // backslash
        "0E 02 02 02 02 02 0E", // ]
        "04 0A 11 00 00 00 00", // ^
        "00 00 00 00 00 00 1F", // _
        "08 04 00 00 00 00 00", // `
        "00 00 0E 01 0F 11 0F", // a
        "10 10 16 19 11 11 1E", // b
        "00 00 0E 10 10 11 0E", // c
        "01 01 0D 13 11 11 0F", // d
        "00 00 0E 11 1F 10 0E", // e
        "06 09 08 1C 08 08 08", // f
        "00 0F 11 11 0F 01 0E", // g
        "10 10 16 19 11 11 11", // h
        "04 00 0C 04 04 04 0E", // i
        "02 00 06 02 02 12 0C", // j
        "10 10 12 14 18 14 12", // k
        "0C 04 04 04 04 04 0E", // l
        "00 00 1A 15 15 11 11", // m
        "00 00 16 19 11 11 11", // n
        "00 00 0E 11 11 11 0E", // o
        "00 00 1E 11 1E 10 10", // p
        "00 00 0D 13 0F 01 01", // q
        "00 00 16 19 10 10 10", // r
        "00 00 0E 10 0E 01 1E", // s
        "08 08 1C 08 08 09 06", // t
        "00 00 11 11 11 13 0D", // u
        "00 00 11 11 11 0A 04", // v
        "00 00 11 11 15 15 0A", // w
        "00 00 11 0A 04 0A 11", // x
        "00 00 11 11 0F 01 0E", // y
        "00 00 1F 02 04 08 1F", // z
        "02 04 04 08 04 04 02", // {
        "04 04 04 04 04 04 04", // |
        "08 04 04 02 04 04 08", // }
        "00 00 08 15 02 00 00", // ~
    };

    private static final byte[][] GLYPHS = parse();

    private BitmapFont() {
    }

    private static byte[][] parse() {
        if (ROWS.length != LAST - FIRST + 1) {
            throw new AssertionError("glyph table has " + ROWS.length + " entries");
        }
        byte[][] glyphs = new byte[ROWS.length][];
        for (int i = 0; i < ROWS.length; i++) {
            String[] hex = ROWS[i].split(" ");
            if (hex.length != GLYPH_HEIGHT) {
                throw new AssertionError("glyph " + (char) (FIRST + i) + " has " + hex.length + " rows");
            }
            glyphs[i] = new byte[GLYPH_HEIGHT];
            for (int r = 0; r < GLYPH_HEIGHT; r++) {
                glyphs[i][r] = (byte) Integer.parseInt(hex[r], 16);
            }
        }
        return glyphs;
    }

    /** True if {@code c} has its own glyph (printable ASCII); other characters draw as '?'. */
    public static boolean hasGlyph(char c) {
        return c >= FIRST && c <= LAST;
    }

    /** Whether the glyph of {@code c} sets font unit ({@code col}, {@code row}), 0-based from top left. */
    public static boolean pixel(char c, int col, int row) {
        if (col < 0 || col >= GLYPH_WIDTH || row < 0 || row >= GLYPH_HEIGHT) {
            return false;
        }
        byte[] g = GLYPHS[(hasGlyph(c) ? c : '?') - FIRST];
        return (g[row] >> (GLYPH_WIDTH - 1 - col) & 1) != 0;
    }

    /** Width in pixels of {@code text} at {@code scale} (no trailing spacing); 0 for empty text. */
    public static int textWidth(String text, int scale) {
        checkScale(scale);
        return text.isEmpty() ? 0 : (text.length() * ADVANCE - 1) * scale;
    }

    /** Height in pixels of one line of text at {@code scale}. */
    public static int textHeight(int scale) {
        checkScale(scale);
        return GLYPH_HEIGHT * scale;
    }

    /**
     * {@code text} shortened with a trailing {@code ".."} so that it is at most {@code maxWidth}
     * pixels wide at {@code scale}; returned unchanged if it already fits, empty if nothing fits.
     */
    public static String fit(String text, int maxWidth, int scale) {
        if (textWidth(text, scale) <= maxWidth) {
            return text;
        }
        for (int n = text.length() - 1; n > 0; n--) {
            String candidate = text.substring(0, n) + "..";
            if (textWidth(candidate, scale) <= maxWidth) {
                return candidate;
            }
        }
        return textWidth("..", scale) <= maxWidth ? ".." : "";
    }

    /**
     * Draws {@code text} with its top-left corner at ({@code x}, {@code y}). Pixels outside the image
     * are clipped.
     *
     * @param argb text colour; its alpha blends over what is there
     */
    public static void draw(BufferedImage img, String text, int x, int y, int scale, int argb) {
        checkScale(scale);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int cx = x + i * ADVANCE * scale;
            for (int row = 0; row < GLYPH_HEIGHT; row++) {
                for (int col = 0; col < GLYPH_WIDTH; col++) {
                    if (pixel(c, col, row)) {
                        fillRect(img, cx + col * scale, y + row * scale, scale, scale, argb);
                    }
                }
            }
        }
    }

    /**
     * Draws {@code text} in {@code fgArgb} surrounded by an outline of {@code outlineArgb}, so it stays
     * readable on any background. The outline is {@code max(1, scale / 2)} pixels thick and lies
     * outside the box of {@link #textWidth} x {@link #textHeight} at ({@code x}, {@code y}).
     */
    public static void drawOutlined(BufferedImage img, String text, int x, int y, int scale,
                                    int fgArgb, int outlineArgb) {
        checkScale(scale);
        int t = outlineThickness(scale);
        int w = textWidth(text, scale);
        int h = textHeight(scale);
        if (w == 0) {
            return;
        }
        boolean[] ink = new boolean[w * h];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            for (int py = 0; py < h; py++) {
                for (int px = i * ADVANCE * scale; px < Math.min(w, (i * ADVANCE + GLYPH_WIDTH) * scale); px++) {
                    if (pixel(c, px / scale - i * ADVANCE, py / scale)) {
                        ink[py * w + px] = true;
                    }
                }
            }
        }
        // Outline: every pixel within t (Chebyshev distance) of ink but not ink itself.
        for (int py = -t; py < h + t; py++) {
            for (int px = -t; px < w + t; px++) {
                if (inside(ink, w, h, px, py)) {
                    continue;
                }
                boolean near = false;
                for (int dy = -t; dy <= t && !near; dy++) {
                    for (int dx = -t; dx <= t && !near; dx++) {
                        near = inside(ink, w, h, px + dx, py + dy);
                    }
                }
                if (near) {
                    blend(img, x + px, y + py, outlineArgb);
                }
            }
        }
        for (int py = 0; py < h; py++) {
            for (int px = 0; px < w; px++) {
                if (ink[py * w + px]) {
                    blend(img, x + px, y + py, fgArgb);
                }
            }
        }
    }

    /** Outline thickness in pixels used by {@link #drawOutlined} at {@code scale}. */
    public static int outlineThickness(int scale) {
        return Math.max(1, scale / 2);
    }

    private static boolean inside(boolean[] ink, int w, int h, int px, int py) {
        return px >= 0 && py >= 0 && px < w && py < h && ink[py * w + px];
    }

    /** Fills a rectangle, clipped to the image, blending {@code argb} by its alpha. */
    static void fillRect(BufferedImage img, int x, int y, int w, int h, int argb) {
        int x0 = Math.max(0, x);
        int y0 = Math.max(0, y);
        int x1 = Math.min(img.getWidth(), x + w);
        int y1 = Math.min(img.getHeight(), y + h);
        for (int py = y0; py < y1; py++) {
            for (int px = x0; px < x1; px++) {
                blend(img, px, py, argb);
            }
        }
    }

    /** Blends {@code argb} over pixel (x, y) by its alpha; a no-op outside the image. */
    static void blend(BufferedImage img, int x, int y, int argb) {
        if (x < 0 || y < 0 || x >= img.getWidth() || y >= img.getHeight()) {
            return;
        }
        int a = argb >>> 24;
        if (a == 255) {
            img.setRGB(x, y, argb);
            return;
        }
        if (a == 0) {
            return;
        }
        int dst = img.getRGB(x, y);
        int r = mix(dst >> 16, argb >> 16, a);
        int g = mix(dst >> 8, argb >> 8, a);
        int b = mix(dst, argb, a);
        img.setRGB(x, y, (dst & 0xFF000000) | (r << 16) | (g << 8) | b);
    }

    private static int mix(int dst, int src, int alpha) {
        int d = dst & 0xFF;
        int s = src & 0xFF;
        return (d * (255 - alpha) + s * alpha + 127) / 255;
    }

    private static void checkScale(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("font scale must be >= 1, got " + scale);
        }
    }
}
