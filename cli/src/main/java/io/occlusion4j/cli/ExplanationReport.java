// What the CLI makes of one SensitivityMap: the JSON summary, the heatmap PNG, the NPY files, the console lines.
package io.occlusion4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.occlusion4j.RunStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.AtomicFiles;
import io.occlusion4j.io.Npy;
import io.occlusion4j.io.Summaries;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One explanation with what is needed to show it.
 *
 * @param map      the result
 * @param labels   one label per target, in the map's order
 * @param picture  what the map is drawn over (the original image, or a picture of a tensor input); null
 *                 when the input is not 2-D
 * @param settings the run's settings as they go into the JSON (model, input, window, stride, ...), in order
 */
record ExplanationReport(SensitivityMap map, List<String> labels, BufferedImage picture, Map<String, Object> settings) {

    ExplanationReport {
        if (labels.size() != map.targetCount()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + map.targetCount() + " targets");
        }
    }

    /** The JSON document: settings, then targets with labels and base scores, grid shape and run statistics. */
    Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>(settings);
        root.put("output", map.output());
        List<Map<String, Object>> targets = Summaries.targets(map, labels);
        if (picture != null && !map.perChannel()) {
            for (Map<String, Object> target : targets) {
                int[] at = (int[]) target.get("max_drop_at");
                if (at.length == 2) {
                    target.put("max_drop_at_image_xy", imagePoint(at));
                }
            }
        }
        root.put("targets", targets);
        root.put("window_grid_shape", map.gridShape());
        root.put("pixel_map_shape", map.pixelShape());
        root.putAll(Summaries.stats(map.stats()));
        return root;
    }

    /** The centre of map element {@code at = [y, x]} in the picture's pixel coordinates {@code [x, y]}. */
    int[] imagePoint(int[] at) {
        return imagePoint(at, map.pixelShape(), picture);
    }

    /** The centre of element {@code at = [y, x]} of a 2-D map of {@code shape} in {@code picture}'s pixel coordinates {@code [x, y]}. */
    static int[] imagePoint(int[] at, int[] shape, BufferedImage picture) {
        int x = (int) Math.floor((at[1] + 0.5) * picture.getWidth() / shape[1]);
        int y = (int) Math.floor((at[0] + 0.5) * picture.getHeight() / shape[0]);
        return new int[] {x, y};
    }

    void writeJson(Path file) {
        writeJson(file, json());
    }

    byte[] jsonBytes() {
        return encode(json());
    }

    /** Writes any JSON document (indented) atomically. */
    static void writeJson(Path file, Map<String, Object> document) {
        AtomicFiles.write(file, encode(document));
    }

    private static byte[] encode(Map<String, Object> document) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the JSON summary", e);
        }
    }

    /** Pixel maps {@code [targets, (C,) D1..Dk]}, float32. */
    void writePixelNpy(Path file) {
        Npy.write(file, map.pixelMaps());
    }

    /** Grid maps {@code [targets, (C,) G1..Gk]}, float32. */
    void writeGridNpy(Path file) {
        Npy.write(file, map.gridMaps());
    }

    /** One panel per target (per target and channel for per-channel maps), side by side. */
    BufferedImage render(HeatmapRenderer renderer) {
        if (picture == null) {
            throw new UsageException("--out-png draws 2-D maps over a picture; this input has "
                    + map.grid().spatialShape().length + " spatial axes (write --out-npy instead)");
        }
        List<HeatmapRenderer.Panel> panels = HeatmapRenderer.panels(map, picture, labels);
        return renderer.renderPanels(panels);
    }

    /** Images stacked top to bottom, left-aligned; narrower ones are padded on the right with the background. */
    static BufferedImage stacked(List<BufferedImage> rows) {
        int width = 0;
        long height = 0;
        for (BufferedImage r : rows) {
            width = Math.max(width, r.getWidth());
            height += r.getHeight();
        }
        if (height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("stacked image of " + width + "x" + height + " is too large");
        }
        BufferedImage out = new BufferedImage(width, (int) height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(new Color(HeatmapRenderer.BACKGROUND, true));
            g.fillRect(0, 0, width, (int) height);
            int y = 0;
            for (BufferedImage r : rows) {
                g.drawImage(r, 0, y, null);
                y += r.getHeight();
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    static void writePng(BufferedImage image, Path file) {
        try {
            HeatmapRenderer.writePng(image, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A few lines for the console: per target its base score and largest drop, then the run's cost. */
    void printSummary(PrintWriter out) {
        int[] indices = map.targets();
        float[] base = map.baseScores();
        for (int t = 0; t < indices.length; t++) {
            Tensor pixelMap = map.pixelMap(t);
            float[] pixels = pixelMap.data();
            int arg = pixelMap.argmax();
            int[] at = pixelMap.coordinates(arg);
            String where = Arrays.toString(at);
            if (picture != null && !map.perChannel() && at.length == 2) {
                int[] p = imagePoint(at);
                where = "x " + p[0] + ", y " + p[1];
            }
            out.printf(Locale.ROOT, "target %d (%s): base score %s, largest drop %s at %s%n", indices[t], labels.get(t),
                    HeatmapRenderer.formatScore(base[t]), HeatmapRenderer.formatScore(pixels[arg]), where);
        }
        RunStats s = map.stats();
        out.printf(Locale.ROOT, "%d windows (grid %s) in %d forwards of %d, %.2f s, %.1f variants/s, %s back end (%s)%n",
                s.windows(), dims(map.gridShape()), s.forwards(), s.batchSize(), s.seconds(), s.variantsPerSecond(),
                s.backend(), s.device());
    }

    static String dims(int[] shape) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return b.toString();
    }

    static int argmax(float[] v) {
        return Tensor.of(v, v.length).argmax();
    }
}
