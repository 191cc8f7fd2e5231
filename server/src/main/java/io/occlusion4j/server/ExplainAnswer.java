// The answer to an explain request: the JSON document of a map, or its heatmap as PNG.
package io.occlusion4j.server;

import io.occlusion4j.ExplainOptions;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Summaries;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * One explanation as the server answers it.
 *
 * @param labels one label per target ({@link Summaries#labels})
 * @param kind   {@code "image"} or {@code "tensor"}: what the request sent
 */
record ExplainAnswer(String modelName, SensitivityMap map, List<String> labels, ExplainParams params, Tensor input, String kind) {

    /**
     * {@code model}, {@code input}, {@code input_shape}, the settings ({@code window}, {@code stride}, {@code edge},
     * {@code fill}, {@code per_channel}, {@code score}, {@code reduce}, {@code output}), {@code targets},
     * {@code grid_shape}, {@code pixel_shape}, the maps the request asked for and {@code stats}.
     */
    Map<String, Object> json() {
        ExplainOptions o = params.options();
        Map<String, Object> doc = new LinkedHashMap<>();
        int axes = input.rank() - 1;
        doc.put("model", modelName);
        doc.put("input", kind);
        doc.put("input_shape", input.shape());
        doc.put("window", o.window(axes));
        doc.put("stride", o.stride(axes));
        doc.put("edge", o.edge().name().toLowerCase(Locale.ROOT));
        doc.put("fill", o.fillText());
        doc.put("per_channel", o.perChannel());
        doc.put("score", o.score().name().toLowerCase(Locale.ROOT));
        doc.put("reduce", o.reduce().name().toLowerCase(Locale.ROOT));
        doc.put("output", map.output());
        doc.put("targets", Summaries.targets(map, labels));
        doc.put("grid_shape", map.gridShape());
        doc.put("pixel_shape", map.pixelShape());
        if (params.gridMaps()) {
            doc.put("grid_maps", array(map.gridMaps(), params.base64()));
        }
        if (params.pixelMaps()) {
            doc.put("pixel_maps", array(map.pixelMaps(), params.base64()));
        }
        doc.put("stats", Summaries.stats(map.stats()));
        return doc;
    }

    /** {@code {"shape": [...], "dtype": "float32", "data": [...]}} or with {@code "base64"} (little-endian float32). */
    static Map<String, Object> array(Tensor t, boolean base64) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", t.shape());
        m.put("dtype", "float32");
        if (base64) {
            ByteBuffer bb = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(t.data());
            m.put("byte_order", "little");
            m.put("base64", Base64.getEncoder().encodeToString(bb.array()));
        } else {
            m.put("data", t.data());
        }
        return m;
    }

    /** The heatmap over {@code picture}, one panel per target, as PNG bytes. */
    byte[] png(BufferedImage picture) {
        HeatmapRenderer renderer = new HeatmapRenderer(HeatmapRenderer.Options.defaults().withAlpha(params.alpha())
                .withColormap(params.colormap()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // an in-memory stream: ImageIO.write to a plain OutputStream goes through a cache file in java.io.tmpdir
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageIO.write(renderer.renderPanels(HeatmapRenderer.panels(map, picture, labels)), "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the PNG", e);
        }
        return bytes.toByteArray();
    }
}
