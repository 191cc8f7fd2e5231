package io.occlusion4j.onnx;

import io.occlusion4j.graph.Dim;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Test models whose evidence sits where the test says: the approximations (adaptive occlusion) are judged on them.
 *
 * <p>Both are one small CNN, {@code [N, C, H, W]} -> Conv(C->8, 3x3, pad 1) + Relu -> MaxPool 2x2/2 -> Conv(8->16,
 * 3x3, pad 1) + Relu -> Mul by a constant mask {@code [1, 1, H/2, W/2]} -> GlobalAveragePool -> Flatten ->
 * Gemm(16->K). He-uniform weights from a seed; no BatchNorm (so nothing to calibrate). The mask is what places the
 * evidence:
 * <ul>
 *   <li>{@link #region}: 1 inside a box of the input (in input pixels, mapped onto the pooled map), 0 elsewhere. The
 *       score reads only the box and its receptive-field halo (the two 3x3 convolutions and the pool: up to 6 input
 *       pixels outside it): every window that does not reach the halo leaves the score exactly as it is.
 *   <li>{@link #spread}: 1 everywhere, so every part of the image counts (the evidence is spread over it).
 * </ul>
 * The input's spatial sides must be even and at least 4.
 */
public final class EvidenceModels {
    private EvidenceModels() {}

    /**
     * The masked CNN reading only {@code box = {top, left, bottom, right}} (input pixels, bottom and right
     * exclusive), written to {@code file}.
     */
    public static Path region(Path file, int channels, int height, int width, int classes, long seed, int[] box) {
        check(channels, height, width, classes);
        if (box.length != 4 || box[0] < 0 || box[1] < 0 || box[2] > height || box[3] > width || box[0] >= box[2]
                || box[1] >= box[3]) {
            throw new IllegalArgumentException("box must be {top, left, bottom, right} inside " + height + "x" + width
                    + " with top < bottom and left < right, got " + java.util.Arrays.toString(box));
        }
        int ph = height / 2;
        int pw = width / 2;
        float[] mask = new float[ph * pw];
        for (int y = box[0] / 2; y < (box[2] + 1) / 2; y++) {
            for (int x = box[1] / 2; x < (box[3] + 1) / 2; x++) {
                mask[y * pw + x] = 1f;
            }
        }
        return write(file, build("evidence_region", channels, height, width, classes, seed, mask));
    }

    /** The same CNN with a mask of ones: evidence spread over the whole input. */
    public static Path spread(Path file, int channels, int height, int width, int classes, long seed) {
        check(channels, height, width, classes);
        float[] mask = new float[(height / 2) * (width / 2)];
        java.util.Arrays.fill(mask, 1f);
        return write(file, build("evidence_spread", channels, height, width, classes, seed, mask));
    }

    private static byte[] build(String name, int c, int h, int w, int classes, long seed, float[] mask) {
        SplitMix64 rng = new SplitMix64(seed);
        OnnxGraphBuilder g = new OnnxGraphBuilder(name).docString("occlusion4j evidence model: " + name + ", seed " + seed)
                .input(TestModels.INPUT, List.of(Dim.sym(TestModels.BATCH_SYMBOL), Dim.of(c), Dim.of(h), Dim.of(w)));
        conv(g, rng, "conv1", TestModels.INPUT, c, 8);
        g.node("Relu").name("relu1").inputs("conv1.out").outputs("relu1.out").add();
        g.node("MaxPool").name("pool1").inputs("relu1.out").outputs("pool1.out")
                .intsAttr("kernel_shape", 2, 2).intsAttr("strides", 2, 2).intsAttr("pads", 0, 0, 0, 0).add();
        conv(g, rng, "conv2", "pool1.out", 8, 16);
        g.node("Relu").name("relu2").inputs("conv2.out").outputs("relu2.out").add();
        g.floatInitializer("mask", new long[] {1, 1, h / 2, w / 2}, mask);
        g.node("Mul").name("masked").inputs("relu2.out", "mask").outputs("masked.out").add();
        g.node("GlobalAveragePool").name("avgpool").inputs("masked.out").outputs("avgpool.out").add();
        g.node("Flatten").name("flatten").inputs("avgpool.out").outputs("flatten.out").intAttr("axis", 1).add();
        // Scale the head by the area the mask keeps, so a small region still gives logits of order 1.
        double kept = 0;
        for (float m : mask) {
            kept += m;
        }
        float gain = (float) (mask.length / Math.max(1, kept));
        float bound = (float) (gain / Math.sqrt(16));
        g.floatInitializer("fc.weight", new long[] {classes, 16}, rng.uniformArray(classes * 16, -bound, bound));
        g.floatInitializer("fc.bias", new long[] {classes}, rng.uniformArray(classes, -0.1f, 0.1f));
        g.node("Gemm").name("fc").inputs("flatten.out", "fc.weight", "fc.bias").outputs(TestModels.OUTPUT)
                .floatAttr("alpha", 1.0f).floatAttr("beta", 1.0f).intAttr("transB", 1).add();
        g.output(TestModels.OUTPUT, List.of(Dim.sym(TestModels.BATCH_SYMBOL), Dim.of(classes)));
        return g.toBytes();
    }

    private static void conv(OnnxGraphBuilder g, SplitMix64 rng, String name, String x, int cin, int cout) {
        int fanIn = cin * 9;
        float bound = (float) Math.sqrt(6.0 / fanIn);
        g.floatInitializer(name + ".weight", new long[] {cout, cin, 3, 3}, rng.uniformArray(cout * fanIn, -bound, bound));
        g.floatInitializer(name + ".bias", new long[] {cout}, rng.uniformArray(cout, -0.1f, 0.1f));
        g.node("Conv").name(name).inputs(x, name + ".weight", name + ".bias").outputs(name + ".out")
                .intsAttr("kernel_shape", 3, 3).intsAttr("strides", 1, 1).intsAttr("pads", 1, 1, 1, 1)
                .intsAttr("dilations", 1, 1).intAttr("group", 1).add();
    }

    private static void check(int channels, int height, int width, int classes) {
        if (channels < 1 || classes < 1) {
            throw new IllegalArgumentException("channels and classes must be >= 1, got " + channels + " and " + classes);
        }
        if (height < 4 || width < 4 || height % 2 != 0 || width % 2 != 0) {
            throw new IllegalArgumentException("height and width must be even and >= 4, got " + height + "x" + width);
        }
    }

    private static Path write(Path file, byte[] onnx) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, onnx);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
