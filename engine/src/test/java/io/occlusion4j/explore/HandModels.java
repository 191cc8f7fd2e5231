package io.occlusion4j.explore;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small hand-built ONNX models whose scores are known in closed form. */
public final class HandModels {
    private HandModels() {}

    /** {@code [N, C, H, W] -> Flatten -> MatMul W [C*H*W, K] -> [N, K]}. */
    public static Path linear(Path file, int c, int h, int w, float[] weights, int classes) {
        byte[] onnx = new OnnxGraphBuilder("hand-linear")
                .input("input", Dim.shape("N", c, h, w))
                .floatInitializer("W", new long[] {(long) c * h * w, classes}, weights)
                .node("Flatten").inputs("input").outputs("flat").intAttr("axis", 1).add()
                .node("MatMul").inputs("flat", "W").outputs("logits").add()
                .output("logits", Dim.shape("N", classes))
                .toBytes();
        return write(file, onnx);
    }

    /**
     * {@code [N, 1, H, W]}: {@code a} = mean over region A, {@code b} = mean over region B (masks over the
     * H*W elements), score = {@code min(a, b)} ("AND", {@code op = "ReduceMin"}) or {@code max(a, b)} ("OR",
     * {@code op = "ReduceMax"}), plus {@code extra * (a + b)}; output {@code [N, 1]}.
     */
    public static Path twoRegions(Path file, int h, int w, boolean[] maskA, boolean[] maskB, String op, float extra) {
        int n = h * w;
        float[] pair = new float[n * 2];
        float[] lin = new float[n];
        int ca = count(maskA);
        int cb = count(maskB);
        for (int i = 0; i < n; i++) {
            pair[i * 2] = maskA[i] ? 1f / ca : 0f;
            pair[i * 2 + 1] = maskB[i] ? 1f / cb : 0f;
            lin[i] = extra * ((maskA[i] ? 1f / ca : 0f) + (maskB[i] ? 1f / cb : 0f));
        }
        byte[] onnx = new OnnxGraphBuilder("two-regions")
                .input("input", Dim.shape("N", 1, h, w))
                .floatInitializer("Wab", new long[] {n, 2}, pair)
                .floatInitializer("Wlin", new long[] {n, 1}, lin)
                .node("Flatten").inputs("input").outputs("flat").intAttr("axis", 1).add()
                .node("MatMul").inputs("flat", "Wab").outputs("ab").add()
                .node(op).inputs("ab").outputs("joint").intsAttr("axes", 1).intAttr("keepdims", 1).add()
                .node("MatMul").inputs("flat", "Wlin").outputs("lin").add()
                .node("Add").inputs("joint", "lin").outputs("score").add()
                .output("score", Dim.shape("N", 1))
                .toBytes();
        return write(file, onnx);
    }

    private static int count(boolean[] m) {
        int c = 0;
        for (boolean b : m) {
            c += b ? 1 : 0;
        }
        return c;
    }

    static Path write(Path file, byte[] onnx) {
        try {
            return Files.write(file, onnx);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
