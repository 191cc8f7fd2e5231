package io.occlusion4j.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BitmapFontTest {

    private static String bits(char c) {
        StringBuilder sb = new StringBuilder();
        for (int row = 0; row < BitmapFont.GLYPH_HEIGHT; row++) {
            for (int col = 0; col < BitmapFont.GLYPH_WIDTH; col++) {
                sb.append(BitmapFont.pixel(c, col, row) ? '#' : '.');
            }
        }
        return sb.toString();
    }

    @Test
    void everyPrintableAsciiCharacterHasItsOwnGlyph() {
        Set<String> seen = new HashSet<>();
        for (char c = 32; c <= 126; c++) {
            String g = bits(c);
            if (c == ' ') {
                assertThat(g).doesNotContain("#");
            } else {
                assertThat(g).as("glyph of '%s'", c).contains("#");
            }
            assertThat(seen.add(g)).as("glyph of '%s' is distinct", c).isTrue();
        }
        assertThat(BitmapFont.hasGlyph('\u00e9')).isFalse();
        assertThat(bits('\u00e9')).isEqualTo(bits('?'));
    }

    @Test
    void glyphShapesAreRecognisable() {
        // 'I': a vertical stroke in the middle column, serifs at top and bottom
        for (int row = 0; row < 7; row++) {
            assertThat(BitmapFont.pixel('I', 2, row)).isTrue();
            assertThat(BitmapFont.pixel('I', 0, row)).isFalse();
        }
        // '-' is one horizontal bar in the middle row
        assertThat(bits('-')).isEqualTo("....." + "....." + "....." + "#####" + "....." + "....." + ".....");
        // 'L': left column, bottom row
        assertThat(bits('L')).isEqualTo("#...." + "#...." + "#...." + "#...." + "#...." + "#...." + "#####");
    }

    @Test
    void metricsScaleWithTheFactor() {
        assertThat(BitmapFont.textWidth("", 3)).isZero();
        assertThat(BitmapFont.textWidth("A", 1)).isEqualTo(5);
        assertThat(BitmapFont.textWidth("AB", 1)).isEqualTo(11);
        assertThat(BitmapFont.textWidth("AB", 3)).isEqualTo(33);
        assertThat(BitmapFont.textHeight(2)).isEqualTo(14);
        assertThatThrownBy(() -> BitmapFont.textWidth("A", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void drawSetsExactlyTheScaledGlyphPixels() {
        BufferedImage img = new BufferedImage(20, 30, BufferedImage.TYPE_INT_RGB);
        BitmapFont.draw(img, "L", 2, 3, 3, 0xFFFFFFFF);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 20; x++) {
                int fx = x - 2;
                int fy = y - 3;
                boolean expected = fx >= 0 && fy >= 0 && BitmapFont.pixel('L', fx / 3, fy / 3);
                assertThat((img.getRGB(x, y) & 0xFFFFFF) == 0xFFFFFF).as("(%d,%d)", x, y).isEqualTo(expected);
            }
        }
    }

    @Test
    void outlinedTextIsReadableOnAWhiteBackground() {
        BufferedImage img = new BufferedImage(60, 30, BufferedImage.TYPE_INT_RGB);
        BitmapFont.fillRect(img, 0, 0, 60, 30, 0xFFFFFFFF);
        BitmapFont.drawOutlined(img, "Hi", 5, 5, 2, 0xFFFFFFFF, 0xFF000000);
        int dark = 0;
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 60; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == 0) {
                    dark++;
                }
            }
        }
        // the white glyphs are invisible on white; the black outline around them is what shows
        assertThat(dark).isGreaterThan(40);
        // inside 'H': left stem at font column 0 stays white (ink), the pixel left of it is outline
        assertThat(img.getRGB(5, 5 + 6) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        assertThat(img.getRGB(4, 5 + 6) & 0xFFFFFF).isZero();
    }

    @Test
    void drawingClipsAtTheImageEdge() {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        BitmapFont.drawOutlined(img, "WWW", -4, -4, 2, 0xFFFFFFFF, 0xFF000000);
        BitmapFont.draw(img, "W", 6, 6, 4, 0xFFFFFFFF);
        assertThat(img.getWidth()).isEqualTo(8);
    }

    @Test
    void fitShortensWithDots() {
        assertThat(BitmapFont.fit("short", 1000, 2)).isEqualTo("short");
        String fitted = BitmapFont.fit("a rather long label", BitmapFont.textWidth("a rather", 2), 2);
        assertThat(fitted).endsWith("..").startsWith("a rat");
        assertThat(BitmapFont.textWidth(fitted, 2)).isLessThanOrEqualTo(BitmapFont.textWidth("a rather", 2));
        assertThat(BitmapFont.fit("abc", 1, 2)).isEmpty();
    }
}
