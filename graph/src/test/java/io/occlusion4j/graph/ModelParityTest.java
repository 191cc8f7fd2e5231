package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import io.occlusion4j.onnx.SplitMix64;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference executor on the graph as read, and the full plan (constants folded, BatchNorm folded,
 * Conv+Relu and Conv+Add+Relu fused, buffers shared by liveness, run through one arena), both against
 * ONNX Runtime, on the project's test models and the two real models in {@code assets/models}.
 */
class ModelParityTest {

    static final double TOLERANCE = 1e-4;

    static final Path MODELS = locateModels();

    private static Path locateModels() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path m = p.resolve("assets/models");
            if (Files.isDirectory(m)) {
                return m;
            }
        }
        throw new IllegalStateException("assets/models not found above " + Path.of("").toAbsolutePath());
    }

    /** Max absolute and relative (to max(1, |ort|)) differences. */
    record Diff(double maxAbs, double maxRel) {
    }

    @Test
    void smallCnn() throws OrtException {
        TestModels.TestModel m = TestModels.smallCnn(3, 32, 28, 10, 11L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "smallCnn");
        check("smallCnn", m.onnx(), g, Map.of(TestModels.INPUT, random(m.inputShape(3), 1)), 2, 0);
    }

    @Test
    void cnn3d() throws OrtException {
        TestModels.TestModel m = TestModels.cnn3d(2, 8, 16, 12, 5, 12L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "cnn3d");
        check("cnn3d", m.onnx(), g, Map.of(TestModels.INPUT, random(m.inputShape(2), 2)), 2, 0);
    }

    /** One Conv (+ Relu, so the fused form is exercised too) with seeded weights. */
    private static byte[] convModel(long[] input, long[] weights, long group, long[] strides, long[] dilations,
                                    long[] pads, long seed) {
        io.occlusion4j.onnx.SplitMix64 rng = new io.occlusion4j.onnx.SplitMix64(seed);
        List<io.occlusion4j.graph.Dim> dims = new java.util.ArrayList<>();
        for (long d : input) {
            dims.add(io.occlusion4j.graph.Dim.of(d));
        }
        return new io.occlusion4j.onnx.OnnxGraphBuilder("conv_variant")
                .input("x", dims)
                .floatInitializer("w", weights, rng.uniformArray(Math.toIntExact(TensorValue.count(weights)), -1f, 1f))
                .floatInitializer("b", new long[] {weights[0]}, rng.uniformArray((int) weights[0], -0.5f, 0.5f))
                .node("Conv").name("conv").inputs("x", "w", "b").outputs("c").intAttr("group", group)
                .intsAttr("strides", strides).intsAttr("dilations", dilations).intsAttr("pads", pads).add()
                .node("Relu").name("relu").inputs("c").outputs("y").add()
                .output("y")
                .toBytes();
    }

    @Test
    void convolutionVariants() throws OrtException {
        // 1-D, 2 groups, dilation 2, asymmetric pads.
        byte[] c1 = convModel(new long[] {2, 4, 30}, new long[] {6, 2, 3}, 2, new long[] {2}, new long[] {2},
                new long[] {1, 3}, 21);
        check("conv1d_grouped_dilated", c1, OnnxModelReader.read(c1, null, "c1"),
                Map.of("x", random(new long[] {2, 4, 30}, 6)), 1, 0);
        // 2-D depthwise with channel multiplier 2, dilation (2, 3), asymmetric pads, stride (1, 2).
        byte[] c2 = convModel(new long[] {1, 5, 17, 19}, new long[] {10, 1, 3, 3}, 5, new long[] {1, 2},
                new long[] {2, 3}, new long[] {0, 2, 3, 1}, 22);
        check("conv2d_depthwise_dilated", c2, OnnxModelReader.read(c2, null, "c2"),
                Map.of("x", random(new long[] {1, 5, 17, 19}, 7)), 1, 0);
        // 3-D, 3 groups, strides (2, 1, 2), asymmetric pads.
        byte[] c3 = convModel(new long[] {1, 6, 7, 8, 9}, new long[] {9, 2, 2, 3, 3}, 3, new long[] {2, 1, 2},
                new long[] {1, 1, 1}, new long[] {1, 0, 2, 0, 1, 1}, 23);
        check("conv3d_grouped", c3, OnnxModelReader.read(c3, null, "c3"),
                Map.of("x", random(new long[] {1, 6, 7, 8, 9}, 8)), 1, 0);
    }

    @Test
    void resnet18() throws OrtException {
        TestModels.TestModel m = TestModels.resnet18(1000, 7L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "resnet18");
        // conv1+bn1+relu, 8 blocks x (conv1+bn1+relu1, conv2+bn2+add+relu2), 3 downsample convs (+bn):
        // 17 fused convolutions and 3 plain (folded) ones; no BatchNormalization left.
        Plan plan = check("resnet18", m.onnx(), g, Map.of(TestModels.INPUT, random(m.inputShape(1), 3)), 17, 8);
        assertThat(plan.graph().opTypes()).doesNotContain("BatchNormalization", "Relu", "Add");
        long convs = plan.steps().stream().filter(s -> s.conv() != null).count();
        assertThat(convs).isEqualTo(20);
    }

    @Test
    void blazeFace() throws OrtException, IOException {
        Path file = MODELS.resolve("blazeface_front_128.onnx");
        Graph g = OnnxModelReader.read(file);
        assertThat(g.inputs()).hasSize(1);
        ValueInfo in = g.inputs().get(0);
        assertThat(in.shape()).isEqualTo(Shape.of(1, 128, 128, 3));
        check("blazeface", Files.readAllBytes(file), g, Map.of(in.name(), random(new long[] {1, 128, 128, 3}, 4)), 1, 0);
    }

    @Test
    void paddleOcrOrientation() throws OrtException, IOException {
        Path file = MODELS.resolve("ppocr_mobile_v2_cls.onnx");
        Graph g = OnnxModelReader.read(file);
        assertThat(g.opset()).isEqualTo(9);
        ValueInfo in = g.inputs().get(0);
        Graph bound = ShapeInference.bindInputs(g, Map.of(in.name(), new long[] {1, 3, 48, 192}));
        check("ppocr_cls", Files.readAllBytes(file), bound, Map.of(in.name(), random(new long[] {1, 3, 48, 192}, 5)),
                1, 0);
    }

    /**
     * Runs ORT, the reference executor on the graph as read, and the fully rewritten plan; asserts both
     * agree with ORT; returns the plan. {@code minFused} / {@code minResidual}: at least that many
     * FusedConv steps, and with a residual input.
     */
    static Plan check(String name, byte[] onnx, Graph graph, Map<String, TensorValue> inputs, int minFused,
                      int minResidual) throws OrtException {
        Map<String, TensorValue> expected;
        try (OrtOracle ort = new OrtOracle(onnx)) {
            expected = ort.run(inputs);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        inputs.forEach((k, v) -> shapes.put(k, v.shape()));
        long t0 = System.nanoTime();
        Map<String, TensorValue> original = ReferenceExecutor.run(graph, inputs);
        long t1 = System.nanoTime();
        Plan plan = PlanBuilder.build(graph, shapes, PlanBuilder.Options.all());
        Map<String, TensorValue> planned = ReferenceExecutor.runPlan(plan, inputs);
        long t2 = System.nanoTime();
        Diff d0 = compare(name + " original", original, expected);
        Diff d1 = compare(name + " rewritten", planned, expected);
        long fused = plan.steps().stream().filter(s -> s.node().opType().equals(Operators.FUSED_CONV)).count();
        long residual = plan.steps().stream().filter(s -> s.conv() != null && s.conv().hasResidual()).count();
        System.out.printf("%s: original max abs %.3g rel %.3g (%d ms); rewritten max abs %.3g rel %.3g (%d ms);"
                        + " %d -> %d nodes, %d fused (%d residual), arena %d bytes vs %d unshared%n",
                name, d0.maxAbs(), d0.maxRel(), (t1 - t0) / 1_000_000, d1.maxAbs(), d1.maxRel(), (t2 - t1) / 1_000_000,
                graph.nodes().size(), plan.steps().size(), fused, residual, plan.arenaBytes(), plan.unsharedBytes());
        assertThat(fused).as("%s fused convolutions", name).isGreaterThanOrEqualTo(minFused);
        assertThat(residual).as("%s fused residual adds", name).isGreaterThanOrEqualTo(minResidual);
        assertThat(plan.arenaBytes()).isLessThanOrEqualTo(plan.unsharedBytes());
        return plan;
    }

    static Diff compare(String what, Map<String, TensorValue> got, Map<String, TensorValue> expected) {
        assertThat(got.keySet()).as(what + " outputs").containsExactlyInAnyOrderElementsOf(expected.keySet());
        double maxAbs = 0;
        double maxRel = 0;
        for (String k : expected.keySet()) {
            TensorValue e = expected.get(k);
            TensorValue g = got.get(k);
            assertThat(g.shape()).as("%s output %s shape", what, k).containsExactly(e.shape());
            double scale = 0;
            for (int i = 0; i < e.size(); i++) {
                scale = Math.max(scale, Math.abs(e.get(i)));
            }
            assertThat(scale).as("%s output %s is not all zeros", what, k).isGreaterThan(1e-3);
            for (int i = 0; i < e.size(); i++) {
                double a = Math.abs(g.get(i) - e.get(i));
                assertThat(a).as("%s output %s element %d: %s vs ORT %s", what, k, i, g.get(i), e.get(i))
                        .isLessThanOrEqualTo(TOLERANCE * Math.max(1, Math.abs(e.get(i))));
                maxAbs = Math.max(maxAbs, a);
                maxRel = Math.max(maxRel, a / Math.max(1e-6, Math.abs(e.get(i))));
            }
        }
        return new Diff(maxAbs, maxRel);
    }

    static TensorValue random(long[] shape, long seed) {
        return TensorValue.ofFloats(shape, new SplitMix64(seed).uniformArray(Math.toIntExact(TensorValue.count(shape)), 0f, 1f));
    }

    static List<Long> list(long[] a) {
        return Arrays.stream(a).boxed().toList();
    }
}
