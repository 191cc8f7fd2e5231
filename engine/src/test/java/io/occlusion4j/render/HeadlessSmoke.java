package io.occlusion4j.render;

import java.awt.GraphicsEnvironment;
import java.nio.file.Path;
import java.util.List;

/** Run in a fresh JVM by {@link HeadlessRenderingTest}: renders two panels and writes a PNG. */
public final class HeadlessSmoke {
    private HeadlessSmoke() {
    }

    public static void main(String[] args) throws Exception {
        if (!GraphicsEnvironment.isHeadless()) {
            throw new IllegalStateException("expected a headless JVM");
        }
        var img = new java.awt.image.BufferedImage(128, 128, java.awt.image.BufferedImage.TYPE_INT_RGB);
        float[] map = new float[8 * 8];
        for (int i = 0; i < map.length; i++) {
            map[i] = (i % 8) / 7f - 0.25f;
        }
        HeatmapRenderer r = new HeatmapRenderer();
        var out = r.renderPanels(List.of(new HeatmapRenderer.Panel(img, map, 8, 8, "Headless: ok", 0.5),
                new HeatmapRenderer.Panel(img, map, 8, 8, "second", 0.25)));
        HeatmapRenderer.writePng(out, Path.of(args[0]));
        System.out.println("rendered " + out.getWidth() + "x" + out.getHeight());
    }
}
