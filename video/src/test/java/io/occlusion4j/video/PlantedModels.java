package io.occlusion4j.video;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import java.nio.file.Path;

/**
 * Models whose output depends only on one planted region of the input: {@code x * mask} (mask 1 inside
 * the box, 0 elsewhere) -> GlobalAveragePool -> Flatten -> MatMul to K classes. Class 0 has weights
 * (1, 1, 1), so its score is proportional to the sum of the input inside the box; the other classes
 * have small weights.
 */
final class PlantedModels {
    static final int CLASSES = 3;

    private PlantedModels() {}

    /** A 3-D model for {@code [N, 3, T, H, W]} with the box {@code [t0, t1) x [y0, y1) x [x0, x1)}. */
    static Path clipModel(Path file, int t, int h, int w, int[] box) {
        float[] mask = new float[t * h * w];
        for (int f = box[0]; f < box[1]; f++) {
            for (int y = box[2]; y < box[3]; y++) {
                for (int x = box[4]; x < box[5]; x++) {
                    mask[(f * h + y) * w + x] = 1f;
                }
            }
        }
        return build(file, "planted_clip", new long[] {1, 1, t, h, w}, mask, Dim.shape("N", 3, t, h, w));
    }

    /** A frame-wise 2-D model for {@code [N, 3, H, W]} with the box {@code [y0, y1) x [x0, x1)}. */
    static Path frameModel(Path file, int h, int w, int[] box) {
        float[] mask = new float[h * w];
        for (int y = box[0]; y < box[1]; y++) {
            for (int x = box[2]; x < box[3]; x++) {
                mask[y * w + x] = 1f;
            }
        }
        return build(file, "planted_frame", new long[] {1, 1, h, w}, mask, Dim.shape("N", 3, h, w));
    }

    private static Path build(Path file, String name, long[] maskDims, float[] mask, java.util.List<Dim> in) {
        // scale so class 0's logit is the box's mean intensity times the weights (GAP divides by the volume)
        float scale = mask.length / (float) count(mask);
        float[] weights = {
            scale, 0.01f, -0.01f,
            scale, 0.02f, 0.01f,
            scale, -0.02f, 0.0f};
        return new OnnxGraphBuilder(name)
                .input("input", in)
                .floatInitializer("mask", maskDims, mask)
                .floatInitializer("W", new long[] {3, CLASSES}, weights)
                .node("Mul").name("mask").inputs("input", "mask").outputs("masked").add()
                .node("GlobalAveragePool").name("gap").inputs("masked").outputs("pooled").add()
                .node("Flatten").name("flatten").inputs("pooled").outputs("flat").intAttr("axis", 1).add()
                .node("MatMul").name("head").inputs("flat", "W").outputs("logits").add()
                .output("logits", Dim.shape("N", CLASSES))
                .write(file);
    }

    private static int count(float[] mask) {
        int n = 0;
        for (float v : mask) {
            n += v != 0 ? 1 : 0;
        }
        return n;
    }
}
