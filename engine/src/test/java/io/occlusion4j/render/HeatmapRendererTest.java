package io.occlusion4j.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.occlusion4j.render.HeatmapRenderer.ColorScale;
import io.occlusion4j.render.HeatmapRenderer.Options;
import io.occlusion4j.render.HeatmapRenderer.Panel;
import io.occlusion4j.render.HeatmapRenderer.PanelLayout;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeatmapRendererTest {

    private static BufferedImage gray(int w, int h, int level) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        BitmapFont.fillRect(img, 0, 0, w, h, 0xFF000000 | level * 0x010101);
        return img;
    }

    /** A map whose left half is {@code left} and right half {@code right}. */
    private static float[] halves(int h, int w, float left, float right) {
        float[] m = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m[y * w + x] = x < w / 2 ? left : right;
            }
        }
        return m;
    }

    private static int r(int rgb) {
        return rgb >> 16 & 0xFF;
    }

    private static int g(int rgb) {
        return rgb >> 8 & 0xFF;
    }

    private static int b(int rgb) {
        return rgb & 0xFF;
    }

    private static int luma(int rgb) {
        return (299 * r(rgb) + 587 * g(rgb) + 114 * b(rgb)) / 1000;
    }

    @Test
    void panelSizeFollowsTheLayout() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        BufferedImage out = renderer.render(gray(512, 512, 100), new float[16 * 16], 16, 16, "cat", 0.5);
        // 512x512 is drawn 1:1; margins left/right, title band above, colour bar section below
        assertThat(out.getWidth()).isEqualTo(512 + 2 * HeatmapRenderer.PAD);
        assertThat(out.getHeight()).isEqualTo(HeatmapRenderer.TITLE_HEIGHT + 512 + HeatmapRenderer.BAR_SECTION_HEIGHT);
        PanelLayout lay = renderer.layout(512, 512);
        assertThat(lay.imageArea()).isEqualTo(new Rectangle(HeatmapRenderer.PAD, HeatmapRenderer.TITLE_HEIGHT, 512, 512));
        assertThat(new Rectangle(0, 0, out.getWidth(), out.getHeight()).contains(lay.barArea())).isTrue();
    }

    @Test
    void smallInputsAreScaledUpForReadability() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        PanelLayout lay = renderer.layout(128, 128);
        assertThat(lay.imageArea().width).isEqualTo(384);
        assertThat(lay.imageArea().height).isEqualTo(384);
        BufferedImage out = renderer.render(gray(128, 128, 50), new float[4], 2, 2, "x", 1);
        assertThat(out.getWidth()).isEqualTo(lay.width()).isEqualTo(400);
        assertThat(out.getHeight()).isEqualTo(lay.height());

        // a flat text strip is scaled up but kept within the maximum width
        PanelLayout strip = renderer.layout(248, 20);
        assertThat(strip.imageArea().width).isEqualTo(1024);
        assertThat(strip.imageArea().height).isEqualTo(83);
        // a huge image is scaled down
        PanelLayout big = renderer.layout(4000, 2000);
        assertThat(big.imageArea().width).isEqualTo(1024);
        assertThat(big.imageArea().height).isEqualTo(512);
        // a tall narrow image keeps a minimum panel width for the text, image centred
        PanelLayout narrow = renderer.layout(10, 1000);
        assertThat(narrow.imageArea().height).isEqualTo(1024); // up to the 1024 height limit
        assertThat(narrow.imageArea().width).isEqualTo(10);
        assertThat(narrow.width()).isEqualTo(HeatmapRenderer.MIN_CONTENT_WIDTH + 2 * HeatmapRenderer.PAD);
        assertThat(narrow.imageArea().x).isGreaterThan(HeatmapRenderer.PAD);
    }

    @Test
    void divergingOverlayLeavesZeroRegionsUntouchedAndIsOpaqueAtTheExtremes() {
        HeatmapRenderer renderer = new HeatmapRenderer(HeatmapRenderer.Options.defaults().withAlpha(1.0));
        int h = 8;
        int w = 8;
        float[] map = halves(h, w, 0f, 0f);
        map[0] = 1f;
        map[1] = -1f;
        BufferedImage out = renderer.render(gray(200, 200, 128), map, h, w, "t", 0.9);
        Rectangle ia = renderer.layout(200, 200).imageArea();
        int zero = out.getRGB(ia.x + ia.width * 7 / 8, ia.y + ia.height * 7 / 8);
        assertThat(r(zero)).isEqualTo(128);
        assertThat(g(zero)).isEqualTo(128);
        assertThat(b(zero)).isEqualTo(128);
        int peak = out.getRGB(ia.x, ia.y);
        assertThat(peak & 0xffffff).isEqualTo(Colormap.BLUE_WHITE_RED.rgb(1));
    }

    @Test
    void hotRegionIsBrighterThanColdRegionWithViridis() {
        HeatmapRenderer renderer = new HeatmapRenderer(HeatmapRenderer.Options.defaults().withAlpha(0.5));
        int h = 8;
        int w = 8;
        float[] map = halves(h, w, 1f, 0f);
        BufferedImage out = renderer.render(gray(200, 200, 128), map, h, w, "t", 0.9);
        Rectangle ia = renderer.layout(200, 200).imageArea();
        int hot = out.getRGB(ia.x + ia.width / 8, ia.y + ia.height / 2);
        int cold = out.getRGB(ia.x + ia.width * 7 / 8, ia.y + ia.height / 2);
        // auto range for a non-negative map is [0, max]: hot = top of viridis (yellow), cold = bottom (purple)
        int yellow = Colormap.VIRIDIS.rgb(1);
        int purple = Colormap.VIRIDIS.rgb(0);
        assertThat(r(hot)).isCloseTo((128 + r(yellow)) / 2, within(2));
        assertThat(g(hot)).isCloseTo((128 + g(yellow)) / 2, within(2));
        assertThat(b(hot)).isCloseTo((128 + b(yellow)) / 2, within(2));
        assertThat(r(cold)).isCloseTo((128 + r(purple)) / 2, within(2));
        assertThat(g(cold)).isCloseTo((128 + g(purple)) / 2, within(2));
        assertThat(b(cold)).isCloseTo((128 + b(purple)) / 2, within(2));
        assertThat(luma(hot)).isGreaterThan(luma(cold) + 50);
    }

    @Test
    void signedMapUsesDivergingColoursAroundZero() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        float[] map = halves(4, 4, 0.3f, -0.3f);
        assertThat(renderer.colorScale(map)).isEqualTo(new ColorScale(Colormap.BLUE_WHITE_RED, -0.3f, 0.3f));
        BufferedImage out = renderer.render(gray(100, 100, 128), map, 4, 4, "t", 0.9);
        Rectangle ia = renderer.layout(100, 100).imageArea();
        int positive = out.getRGB(ia.x + 5, ia.y + ia.height / 2);
        int negative = out.getRGB(ia.x + ia.width - 5, ia.y + ia.height / 2);
        assertThat(r(positive)).isGreaterThan(b(positive) + 30);
        assertThat(b(negative)).isGreaterThan(r(negative) + 30);
    }

    @Test
    void alphaZeroLeavesTheImageAndOneShowsPureColour() {
        float[] map = halves(4, 4, 1f, 0f);
        HeatmapRenderer none = new HeatmapRenderer(Options.defaults().withAlpha(0));
        Rectangle ia = none.layout(100, 100).imageArea();
        BufferedImage out = none.render(gray(100, 100, 77), map, 4, 4, "t", 0.9);
        assertThat(out.getRGB(ia.x + 3, ia.y + 50) & 0xFFFFFF).isEqualTo(77 * 0x010101);
        HeatmapRenderer full = new HeatmapRenderer(Options.defaults().withAlpha(1)
                .withOneSignedColormap(Colormap.INFERNO));
        out = full.render(gray(100, 100, 77), map, 4, 4, "t", 0.9);
        assertThat(out.getRGB(ia.x + 3, ia.y + 50) & 0xFFFFFF).isEqualTo(Colormap.INFERNO.rgb(1));
        assertThat(out.getRGB(ia.x + ia.width - 3, ia.y + 50) & 0xFFFFFF).isEqualTo(Colormap.INFERNO.rgb(0));
    }

    @Test
    void mapIsResizedBilinearly() {
        // a 1x2 map [0, 1] over a 384-wide image: values rise smoothly from left to right
        HeatmapRenderer renderer = new HeatmapRenderer(Options.defaults().withAlpha(1)
                .withColormap(Colormap.INFERNO));
        BufferedImage out = renderer.render(gray(384, 96, 0), new float[] {0f, 1f}, 1, 2, "", 0);
        Rectangle ia = renderer.layout(384, 96).imageArea();
        int y = ia.y + 40;
        int prev = -1;
        int distinct = 0;
        for (int x = ia.x; x < ia.x + ia.width; x++) {
            int l = luma(out.getRGB(x, y));
            assertThat(l).isGreaterThanOrEqualTo(prev - 1);
            if (l != prev) {
                distinct++;
            }
            prev = l;
        }
        assertThat(distinct).as("a gradient, not two blocks").isGreaterThan(50);
        // the middle is the colour of 0.5
        int mid = out.getRGB(ia.x + ia.width / 2, y) & 0xFFFFFF;
        int expect = Colormap.INFERNO.rgb(0.5);
        assertThat(Math.abs(r(mid) - r(expect)) + Math.abs(g(mid) - g(expect)) + Math.abs(b(mid) - b(expect)))
                .isLessThan(12);
    }

    @Test
    void nanValuesLeaveTheImageUncoloured() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        float[] map = halves(4, 4, Float.NaN, 1f);
        BufferedImage out = renderer.render(gray(100, 100, 90), map, 4, 4, "t", Double.NaN);
        Rectangle ia = renderer.layout(100, 100).imageArea();
        assertThat(out.getRGB(ia.x + 5, ia.y + 50) & 0xFFFFFF).isEqualTo(90 * 0x010101);
        assertThat(out.getRGB(ia.x + ia.width - 5, ia.y + 50) & 0xFFFFFF).isNotEqualTo(90 * 0x010101);
    }

    @Test
    void titleAreaHoldsTheLabelAndScoreText() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        float[] map = new float[4];
        BufferedImage withText = renderer.render(gray(128, 128, 0), map, 2, 2, "label 7", 0.25);
        BufferedImage blank = renderer.render(gray(128, 128, 0), map, 2, 2, "", 0.25);
        Rectangle title = renderer.layout(128, 128).titleArea();
        int white = 0;
        int differing = 0;
        for (int y = title.y; y < title.y + title.height; y++) {
            for (int x = title.x; x < title.x + title.width; x++) {
                int p = withText.getRGB(x, y) & 0xFFFFFF;
                if (p == 0xFFFFFF) {
                    white++;
                }
                if (p != (blank.getRGB(x, y) & 0xFFFFFF)) {
                    differing++;
                }
            }
        }
        assertThat(white).as("text pixels in the title band").isGreaterThan(200);
        assertThat(differing).as("the label's pixels").isGreaterThan(100);
        // the score is drawn right-aligned in both
        int right = title.x + title.width - HeatmapRenderer.PAD - 1;
        boolean scoreInk = false;
        for (int x = right - BitmapFont.textWidth("score 0.2500", 2); x <= right; x++) {
            for (int y = title.y; y < title.y + title.height; y++) {
                scoreInk |= (blank.getRGB(x, y) & 0xFFFFFF) == 0xFFFFFF;
            }
        }
        assertThat(scoreInk).isTrue();
    }

    @Test
    void colourBarShowsTheMapFromLowToHigh() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        BufferedImage out = renderer.render(gray(128, 128, 0), new float[] {0, 2}, 1, 2, "", 0);
        Rectangle bar = renderer.layout(128, 128).barArea();
        int y = bar.y + bar.height / 2;
        assertThat(out.getRGB(bar.x, y) & 0xFFFFFF).isEqualTo(Colormap.VIRIDIS.rgb(0));
        assertThat(out.getRGB(bar.x + bar.width - 1, y) & 0xFFFFFF).isEqualTo(Colormap.VIRIDIS.rgb(1));
        // tick labels: there is white text below the bar
        int white = 0;
        for (int yy = bar.y + bar.height; yy < out.getHeight(); yy++) {
            for (int x = 0; x < out.getWidth(); x++) {
                if ((out.getRGB(x, yy) & 0xFFFFFF) == 0xFFFFFF) {
                    white++;
                }
            }
        }
        assertThat(white).isGreaterThan(50);
    }

    @Test
    void colourScaleChoice() {
        HeatmapRenderer auto = new HeatmapRenderer();
        assertThat(auto.colorScale(new float[] {0, 0.5f, 2f})).isEqualTo(new ColorScale(Colormap.VIRIDIS, 0, 2));
        // tiny negative noise (within 1% of max|v|) does not make a map signed
        assertThat(auto.colorScale(new float[] {-0.001f, 0.5f, 1f}).colormap()).isEqualTo(Colormap.VIRIDIS);
        assertThat(auto.colorScale(new float[] {-0.5f, 1f}))
                .isEqualTo(new ColorScale(Colormap.BLUE_WHITE_RED, -1, 1));
        assertThat(auto.colorScale(new float[] {-3f, -1f})).isEqualTo(new ColorScale(Colormap.VIRIDIS, -3, 0));
        assertThat(auto.colorScale(new float[] {0, 0})).isEqualTo(new ColorScale(Colormap.VIRIDIS, 0, 1));
        assertThat(auto.colorScale(new float[] {Float.NaN, 1f})).isEqualTo(new ColorScale(Colormap.VIRIDIS, 0, 1));

        HeatmapRenderer forcedDiverging = new HeatmapRenderer(Options.defaults().withColormap(Colormap.BLUE_WHITE_RED));
        assertThat(forcedDiverging.colorScale(new float[] {0.1f, 0.4f}))
                .isEqualTo(new ColorScale(Colormap.BLUE_WHITE_RED, -0.4f, 0.4f));
        HeatmapRenderer forcedInferno = new HeatmapRenderer(Options.defaults().withColormap(Colormap.INFERNO));
        assertThat(forcedInferno.colorScale(new float[] {-0.5f, 1f}))
                .isEqualTo(new ColorScale(Colormap.INFERNO, -0.5f, 1f));
        HeatmapRenderer fixed = new HeatmapRenderer(Options.defaults().withRange(-2, 5));
        assertThat(fixed.colorScale(new float[] {0, 1})).isEqualTo(new ColorScale(Colormap.VIRIDIS, -2, 5));
        HeatmapRenderer halfFixed = new HeatmapRenderer(Options.defaults().withRange(Double.NaN, 3));
        assertThat(halfFixed.colorScale(new float[] {-1, 1})).isEqualTo(new ColorScale(Colormap.BLUE_WHITE_RED, -3, 3));
        HeatmapRenderer badRange = new HeatmapRenderer(Options.defaults().withRange(5, Double.NaN));
        assertThatThrownBy(() -> badRange.colorScale(new float[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("range");
    }

    @Test
    void rendersDivergingTicksWithZero() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        BufferedImage signed = renderer.render(gray(128, 128, 0), new float[] {-1, 1}, 1, 2, "", 0);
        BufferedImage positive = renderer.render(gray(128, 128, 0), new float[] {0, 1}, 1, 2, "", 0);
        Rectangle bar = renderer.layout(128, 128).barArea();
        int cx = bar.x + bar.width / 2;
        int labelTop = bar.y + bar.height;
        assertThat(countWhite(signed, cx - 8, labelTop, cx + 8, signed.getHeight())).isGreaterThan(10);
        assertThat(countWhite(positive, cx - 8, labelTop, cx + 8, positive.getHeight())).isZero();
    }

    private static int countWhite(BufferedImage img, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == 0xFFFFFF) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void panelsSitSideBySide() {
        HeatmapRenderer renderer = new HeatmapRenderer();
        Panel a = new Panel(gray(128, 128, 10), new float[] {1, 0, 0, 0}, 2, 2, "top-1", 0.7);
        Panel b = new Panel(gray(512, 256, 10), new float[] {0, 0, 1, 0}, 2, 2, "top-2", 0.2);
        BufferedImage ra = renderer.render(a);
        BufferedImage rb = renderer.render(b);
        BufferedImage both = renderer.renderPanels(List.of(a, b));
        assertThat(both.getWidth()).isEqualTo(ra.getWidth() + rb.getWidth());
        assertThat(both.getHeight()).isEqualTo(Math.max(ra.getHeight(), rb.getHeight()));
        // the second panel starts right after the first
        for (int y = 0; y < rb.getHeight(); y += 7) {
            assertThat(both.getRGB(ra.getWidth() + 20, y)).isEqualTo(rb.getRGB(20, y));
        }
        assertThat(both.getRGB(5, 5)).isEqualTo(ra.getRGB(5, 5));
        assertThatThrownBy(() -> renderer.renderPanels(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsBadInput() {
        BufferedImage img = gray(10, 10, 0);
        assertThatThrownBy(() -> new Panel(img, new float[5], 2, 2, "x", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5").hasMessageContaining("2x2");
        assertThatThrownBy(() -> new Panel(img, new float[0], 0, 0, "x", 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.defaults().withAlpha(1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha");
        assertThatThrownBy(() -> Options.defaults().withRange(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.defaults().withRange(0, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.defaults().withOneSignedColormap(Colormap.BLUE_WHITE_RED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Panel(img, new float[1], 1, 1, null, 0).label()).isEmpty();
    }

    @Test
    void formatsNumbers() {
        assertThat(HeatmapRenderer.formatValue(0)).isEqualTo("0");
        assertThat(HeatmapRenderer.formatValue(0.41234)).isEqualTo("0.412");
        assertThat(HeatmapRenderer.formatValue(-0.5)).isEqualTo("-0.5");
        assertThat(HeatmapRenderer.formatValue(12.0)).isEqualTo("12");
        assertThat(HeatmapRenderer.formatValue(1.5e-5)).isEqualTo("1.50e-5");
        assertThat(HeatmapRenderer.formatValue(123456)).isEqualTo("1.23e5");
        assertThat(HeatmapRenderer.formatScore(0.92101)).isEqualTo("0.9210");
        assertThat(HeatmapRenderer.formatScore(Double.NaN)).isEqualTo("n/a");
    }

    @Test
    void writePngIsReadableAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        BufferedImage img = new HeatmapRenderer().render(gray(64, 64, 30), new float[] {0, 1}, 1, 2, "t", 1);
        Path target = dir.resolve("sub/heat.png");
        HeatmapRenderer.writePng(img, target);
        HeatmapRenderer.writePng(img, target); // replacing an existing file works too
        BufferedImage back = ImageIO.read(target.toFile());
        assertThat(back.getWidth()).isEqualTo(img.getWidth());
        assertThat(back.getHeight()).isEqualTo(img.getHeight());
        for (int y = 0; y < img.getHeight(); y += 5) {
            for (int x = 0; x < img.getWidth(); x += 5) {
                assertThat(back.getRGB(x, y)).isEqualTo(img.getRGB(x, y));
            }
        }
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("heat.png");
        }
    }

    @Test
    void failedWriteLeavesNothingBehind(@TempDir Path dir) throws IOException {
        BufferedImage img = gray(8, 8, 0);
        Path occupied = dir.resolve("taken");
        Files.createDirectories(occupied.resolve("child")); // a non-empty folder cannot be replaced
        assertThatThrownBy(() -> HeatmapRenderer.writePng(img, occupied)).isInstanceOf(IOException.class);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("taken");
        }
    }

    @Test
    void realImageWithGaussianBlobPeaksWhereTheBlobIs() throws IOException {
        Path astronaut = Path.of("..", "assets", "images", "astronaut.png");
        BufferedImage img = Files.exists(astronaut) ? ImageIO.read(astronaut.toFile()) : gray(512, 512, 128);
        int n = 32;
        float[] map = new float[n * n];
        // blob centred on the face (x 225, y 125 in the 512x512 image)
        double cx = 225 / 16.0 - 0.5;
        double cy = 125 / 16.0 - 0.5;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                map[y * n + x] = (float) Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 18);
            }
        }
        HeatmapRenderer renderer = new HeatmapRenderer(Options.defaults().withAlpha(1));
        BufferedImage out = renderer.render(img, map, n, n, "face", 0.92);
        Rectangle ia = renderer.layout(img.getWidth(), img.getHeight()).imageArea();
        // with alpha 1 the lightest overlay pixel is the blob's centre (viridis: lightness rises with t)
        double best = -1;
        int bx = -1;
        int by = -1;
        for (int y = ia.y; y < ia.y + ia.height; y++) {
            for (int x = ia.x; x < ia.x + ia.width; x++) {
                double l = ColormapTest.lightness(out.getRGB(x, y) & 0xFFFFFF);
                if (l > best) {
                    best = l;
                    bx = x - ia.x;
                    by = y - ia.y;
                }
            }
        }
        assertThat(bx).isBetween(215, 235);
        assertThat(by).isBetween(115, 135);
    }
}
