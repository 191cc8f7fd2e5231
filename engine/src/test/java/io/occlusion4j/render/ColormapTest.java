package io.occlusion4j.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ColormapTest {

    static int r(int rgb) {
        return rgb >> 16 & 0xFF;
    }

    static int g(int rgb) {
        return rgb >> 8 & 0xFF;
    }

    static int b(int rgb) {
        return rgb & 0xFF;
    }

    /** CIE L* (D65) of an sRGB colour. */
    static double lightness(int rgb) {
        double y = 0.2126 * linear(r(rgb)) + 0.7152 * linear(g(rgb)) + 0.0722 * linear(b(rgb));
        double f = y > 216.0 / 24389 ? Math.cbrt(y) : (24389.0 / 27 * y + 16) / 116;
        return 116 * f - 16;
    }

    private static double linear(int c) {
        double v = c / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    @Test
    void viridisEndpointsArePublishedColours() {
        assertThat(Colormap.VIRIDIS.rgb(0)).isEqualTo(0x440154);
        assertThat(Colormap.VIRIDIS.rgb(1)).isEqualTo(0xFDE725);
        // a mid anchor: the fifth of ten evenly spaced samples (t = 4/9)
        assertThat(Colormap.VIRIDIS.rgb(4.0 / 9)).isEqualTo(0x26828E);
    }

    @Test
    void infernoEndpointsArePublishedColours() {
        assertThat(Colormap.INFERNO.rgb(0)).isEqualTo(0x000004);
        assertThat(Colormap.INFERNO.rgb(1)).isEqualTo(0xFCFFA4);
        assertThat(Colormap.INFERNO.rgb(5.0 / 9)).isEqualTo(0xCF4446);
    }

    @ParameterizedTest
    @EnumSource(value = Colormap.class, names = {"VIRIDIS", "INFERNO"})
    void oneSignedMapsHaveRisingLightness(Colormap cm) {
        // fine sampling: never falls by more than one byte step of rounding (< 0.5 L*)
        double prev = -1;
        int n = 1024;
        for (int i = 0; i <= n; i++) {
            double l = lightness(cm.rgb((double) i / n));
            assertThat(l).as("%s L* at t=%d/%d", cm, i, n).isGreaterThan(prev - 0.5);
            prev = l;
        }
        // coarse sampling: strictly rising, by a clear step each time
        prev = -1;
        for (int i = 0; i <= 32; i++) {
            double l = lightness(cm.rgb(i / 32.0));
            assertThat(l).as("%s L* at t=%d/32", cm, i).isGreaterThan(prev + 1);
            prev = l;
        }
        assertThat(lightness(cm.rgb(1)) - lightness(cm.rgb(0))).as("lightness span").isGreaterThan(60);
        assertThat(cm.diverging()).isFalse();
    }

    @Test
    void divergingIsWhiteAtCentreBlueAtLowRedAtHigh() {
        Colormap cm = Colormap.BLUE_WHITE_RED;
        assertThat(cm.diverging()).isTrue();
        assertThat(cm.rgb(0.5)).isEqualTo(0xFFFFFF);
        int low = cm.rgb(0);
        int high = cm.rgb(1);
        assertThat(b(low)).isGreaterThan(r(low) + 60);
        assertThat(r(high)).isGreaterThan(b(high) + 60);
        // symmetric darkening away from the centre
        for (int i = 1; i <= 50; i++) {
            double d = i / 100.0;
            assertThat(lightness(cm.rgb(0.5 - d))).isLessThan(lightness(cm.rgb(0.5 - d + 0.01)) + 1e-9);
            assertThat(lightness(cm.rgb(0.5 + d))).isLessThan(lightness(cm.rgb(0.5 + d - 0.01)) + 1e-9);
        }
        // blue side stays blue-ish and red side red-ish all the way
        for (int i = 0; i < 50; i++) {
            int lo = cm.rgb(i / 100.0);
            int hi = cm.rgb(1 - i / 100.0);
            assertThat(b(lo)).isGreaterThan(r(lo));
            assertThat(r(hi)).isGreaterThan(b(hi));
        }
    }

    @Test
    void clampsOutOfRangeAndRejectsNaN() {
        assertThat(Colormap.VIRIDIS.rgb(-3)).isEqualTo(Colormap.VIRIDIS.rgb(0));
        assertThat(Colormap.VIRIDIS.rgb(7)).isEqualTo(Colormap.VIRIDIS.rgb(1));
        assertThatThrownBy(() -> Colormap.INFERNO.rgb(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }

    @Test
    void interpolatesBetweenAnchors() {
        // halfway between the first two viridis anchors 0x440154 and 0x482878
        int mid = Colormap.VIRIDIS.rgb(0.5 / 9);
        assertThat(r(mid)).isEqualTo(70);
        assertThat(g(mid)).isEqualTo(21);   // (1 + 40) / 2 = 20.5 rounds to 21
        assertThat(b(mid)).isEqualTo(102);
    }

    @Test
    void parsesNames() {
        assertThat(Colormap.parse("Viridis")).isEqualTo(Colormap.VIRIDIS);
        assertThat(Colormap.parse(" inferno ")).isEqualTo(Colormap.INFERNO);
        assertThat(Colormap.parse("bwr")).isEqualTo(Colormap.BLUE_WHITE_RED);
        assertThat(Colormap.parse("blue_white_red")).isEqualTo(Colormap.BLUE_WHITE_RED);
        for (Colormap cm : Colormap.values()) {
            assertThat(Colormap.parse(cm.cliName())).isEqualTo(cm);
        }
        assertThatThrownBy(() -> Colormap.parse("jet"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jet")
                .hasMessageContaining("viridis");
        assertThat(Colormap.parseOrAuto("AUTO")).isNull();
        assertThat(Colormap.parseOrAuto("inferno")).isEqualTo(Colormap.INFERNO);
        assertThatThrownBy(() -> Colormap.parseOrAuto("jet")).hasMessageContaining("jet");
    }
}
