package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanRewritesTest {

    /** x [1, 1, 2, 2] -> Conv 1x1 (W = [2, 3], B = [1, -1]) -> BN -> (Relu) -> y. */
    private static OnnxGraphBuilder convBn(boolean extraReader) {
        OnnxGraphBuilder b = new OnnxGraphBuilder("convbn")
                .input("x", Dim.shape(1, 1, 2, 2))
                .floatInitializer("w", new long[] {2, 1, 1, 1}, new float[] {2, 3})
                .floatInitializer("b", new long[] {2}, new float[] {1, -1})
                .floatInitializer("scale", new long[] {2}, new float[] {1, 2})
                .floatInitializer("beta", new long[] {2}, new float[] {0.5f, 0})
                .floatInitializer("mean", new long[] {2}, new float[] {1, 0})
                .floatInitializer("var", new long[] {2}, new float[] {3, 15})
                .node("Conv").name("conv").inputs("x", "w", "b").outputs("c").intsAttr("kernel_shape", 1, 1).add()
                .node("BatchNormalization").name("bn").inputs("c", "scale", "beta", "mean", "var").outputs("n")
                .floatAttr("epsilon", 1f).add()
                .node("Relu").name("relu").inputs("n").outputs("y").add()
                .output("y");
        if (extraReader) {
            b.node("Sigmoid").name("side").inputs("c").outputs("s").add().output("s");
        }
        return b;
    }

    @Test
    void batchNormFoldsIntoTheConvWithTheHandComputedWeights() {
        Graph g = ShapeInference.infer(OnnxModelReader.read(convBn(false).toBytes(), null, "convbn"));
        Graph folded = BatchNormFolding.apply(g);
        // a = scale / sqrt(var + eps) = [1/2, 2/4]; W' = W a = [1, 1.5]; B' = (B - mean) a + beta = [0.5, -0.5].
        assertThat(folded.opTypes()).containsExactly("Conv", "Relu");
        Node conv = folded.nodes().get(0);
        assertThat(conv.outputs()).containsExactly("n");
        assertThat(folded.constants().get(conv.input(1)).floats()).containsExactly(1f, 1.5f);
        assertThat(folded.constants().get(conv.input(2)).floats()).containsExactly(0.5f, -0.5f);
        assertThat(folded.constants()).doesNotContainKeys("scale", "beta", "mean", "var", "w", "b");

        TensorValue x = TensorValue.ofFloats(new long[] {1, 1, 2, 2}, new float[] {0, 1, -2, 4});
        float[] before = ReferenceExecutor.run(g, Map.of("x", x)).get("y").floats();
        float[] after = ReferenceExecutor.run(folded, Map.of("x", x)).get("y").floats();
        // Channel 0: relu(x + 0.5); channel 1: relu(1.5 x - 0.5).
        assertThat(after).containsExactly(0.5f, 1.5f, 0f, 4.5f, 0f, 1f, 0f, 5.5f);
        assertThat(before).containsExactly(after);
    }

    @Test
    void batchNormIsNotFoldedWhenTheConvOutputHasAnotherReader() {
        Graph g = ShapeInference.infer(OnnxModelReader.read(convBn(true).toBytes(), null, "convbn2"));
        assertThat(BatchNormFolding.apply(g).opTypes()).contains("BatchNormalization");
    }

    @Test
    void convReluAndResidualAddReluFuse() {
        Graph g = OnnxModelReader.read(TestModels.resnet18(10, 3L).onnx(), null, "r18");
        Graph fused = PlanBuilder.rewrite(g, PlanBuilder.Options.all());
        List<Node> f = fused.nodes().stream().filter(n -> n.opType().equals(Operators.FUSED_CONV)).toList();
        assertThat(f).hasSize(17);
        assertThat(f.stream().filter(n -> n.hasInput(3)).count()).isEqualTo(8);
        // layer1.0: conv2's sum with the block input, then relu2, is one node writing relu2's output.
        Node block = f.stream().filter(n -> n.name().equals("layer1.0.conv2")).findFirst().orElseThrow();
        assertThat(block.outputs()).containsExactly("layer1.0.relu2.out");
        assertThat(block.input(3)).isEqualTo("maxpool.out");
        assertThat(block.stringAttr("activation", "")).isEqualTo("Relu");
        // In a downsampling block both Add operands are (folded) convolutions: the one computed last, the
        // 1x1 downsample, is fused, and the main branch's output becomes its residual.
        Node down = f.stream().filter(n -> n.name().equals("layer2.0.downsample.0")).findFirst().orElseThrow();
        assertThat(down.input(3)).isEqualTo("layer2.0.bn2.out");
        assertThat(down.outputs()).containsExactly("layer2.0.relu2.out");
    }

    @Test
    void buffersLiveAtTheSameTimeNeverOverlap() {
        Map<Graph, long[]> cases = new java.util.LinkedHashMap<>();
        cases.put(OnnxModelReader.read(TestModels.resnet18(10, 3L).onnx(), null, "r18"), new long[] {2, 3, 224, 224});
        cases.put(OnnxModelReader.read(ModelParityTest.MODELS.resolve("blazeface_front_128.onnx")),
                new long[] {1, 128, 128, 3});
        cases.put(OnnxModelReader.read(ModelParityTest.MODELS.resolve("ppocr_mobile_v2_cls.onnx")),
                new long[] {2, 3, 48, 192});
        for (Map.Entry<Graph, long[]> c : cases.entrySet()) {
            Graph g = c.getKey();
            Map<String, long[]> shapes = Map.of(g.inputNames().get(0), c.getValue());
            for (PlanBuilder.Options o : List.of(PlanBuilder.Options.none(), PlanBuilder.Options.all())) {
                Plan p = PlanBuilder.build(g, shapes, o);
                List<BufferSlot> roots = new ArrayList<>();
                for (BufferSlot s : p.slots().values()) {
                    if (s.viewOf() == null) {
                        roots.add(s);
                    }
                    assertThat(s.offset() % BufferPlanner.ALIGNMENT).isZero();
                    assertThat(s.offset() + s.bytes()).isLessThanOrEqualTo(p.arenaBytes());
                }
                for (int i = 0; i < roots.size(); i++) {
                    for (int j = i + 1; j < roots.size(); j++) {
                        BufferSlot a = roots.get(i);
                        BufferSlot b = roots.get(j);
                        if (a.overlapsInTime(b)) {
                            assertThat(a.overlapsInMemory(b)).as("%s and %s in %s", a, b, g.name()).isFalse();
                        }
                    }
                }
                // Sharing happened: the arena is well below one buffer per value.
                assertThat(p.arenaBytes()).as(g.name()).isLessThan(p.unsharedBytes() / 2);
            }
        }
    }

    @Test
    void aChainNeedsTwoBuffersAndViewsShareTheirInput() {
        OnnxGraphBuilder b = new OnnxGraphBuilder("chain").input("x", Dim.shape(1, 64));
        String prev = "x";
        for (int i = 0; i < 6; i++) {
            b.node("Relu").name("r" + i).inputs(prev).outputs("v" + i).add();
            prev = "v" + i;
        }
        b.node("Flatten").name("flat").inputs(prev).outputs("f").add().output("f");
        Plan p = PlanBuilder.build(OnnxModelReader.read(b.toBytes(), null, "chain"), Map.of("x", new long[] {1, 64}),
                PlanBuilder.Options.none());
        // The input keeps its own bytes to the end of the plan; the six Relu outputs ping-pong in two more.
        assertThat(p.arenaBytes()).isEqualTo(3 * BufferPlanner.ALIGNMENT);
        assertThat(p.slot("f").viewOf()).isEqualTo("v5");
        assertThat(p.slot("f").offset()).isEqualTo(p.slot("v5").offset());
        assertThat(p.steps().get(6).isView()).isTrue();
        TensorValue x = ModelParityTest.random(new long[] {1, 64}, 9);
        assertThat(ReferenceExecutor.runPlan(p, Map.of("x", x)).get("f").floats()).containsExactly(x.floats());
    }

    @Test
    void convStepsCarryResolvedDescriptors() {
        Plan p = PlanBuilder.build(OnnxModelReader.read(TestModels.resnet18(10, 3L).onnx(), null, "r18"), 1,
                PlanBuilder.Options.all());
        PlanStep first = p.steps().get(0);
        assertThat(first.node().opType()).isEqualTo(Operators.FUSED_CONV);
        ConvDescriptor d = first.conv();
        assertThat(d.kernel()).containsExactly(7, 7);
        assertThat(d.strides()).containsExactly(2, 2);
        assertThat(d.padsBegin()).containsExactly(3, 3);
        assertThat(d.symmetric()).isTrue();
        assertThat(d.hasBias()).isTrue(); // the folded BatchNorm's bias
        assertThat(d.relu()).isTrue();
        assertThat(d.hasResidual()).isFalse();
        assertThat(first.inputs().get(0)).isInstanceOf(PlanStep.Operand.Activation.class);
        assertThat(first.inputs().get(1)).isInstanceOf(PlanStep.Operand.Weight.class);
        assertThat(p.slot(TestModels.INPUT).firstStep()).isEqualTo(-1);
        assertThat(p.slot(TestModels.OUTPUT).lastStep()).isEqualTo(p.steps().size());
    }

    @Test
    void theLargestBatchThatFitsIsChosen() {
        Graph g = OnnxModelReader.read(TestModels.smallCnn(3, 64, 64, 10, 5L).onnx(), null, "cnn");
        Plan one = PlanBuilder.build(g, 1, PlanBuilder.Options.all());
        long reserve = 1 << 20;
        long free = reserve + one.weightBytes() + 10 * one.arenaBytes();
        int batch = PlanBuilder.largestBatch(g, free, reserve, 1024);
        assertThat(batch).isBetween(8, 10);
        assertThat(PlanBuilder.build(g, batch, PlanBuilder.Options.all()).arenaBytes() + one.weightBytes() + reserve)
                .isLessThanOrEqualTo(free);
        assertThat(PlanBuilder.build(g, batch + 1, PlanBuilder.Options.all()).arenaBytes() + one.weightBytes() + reserve)
                .isGreaterThan(free);
        assertThat(PlanBuilder.largestBatch(g, reserve, reserve, 1024)).isZero();
    }

    @Test
    void anUnsupportedOperatorNamesTheNodeAndPointsToTheCpuBackend() {
        byte[] onnx = new OnnxGraphBuilder("gelu")
                .input("x", Dim.shape("N", 8))
                .node("Relu").name("first").inputs("x").outputs("a").add()
                .node("Sin").name("blocks.3.mlp.sin").inputs("a").outputs("b").add()
                .node("Sin").name("blocks.4.mlp.sin").inputs("b").outputs("y").add()
                .output("y")
                .toBytes();
        Graph g = OnnxModelReader.read(onnx, null, "gelu");
        assertThatThrownBy(() -> PlanBuilder.build(g, 4, PlanBuilder.Options.all()))
                .isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("operator Sin at node 'blocks.3.mlp.sin' is not supported")
                .hasMessageContaining("other unsupported nodes: {Sin=1}")
                .hasMessageContaining("--backend cpu")
                .satisfies(e -> {
                    UnsupportedOperatorException u = (UnsupportedOperatorException) e;
                    assertThat(u.opType()).isEqualTo("Sin");
                    assertThat(u.nodeName()).isEqualTo("blocks.3.mlp.sin");
                });
        // The reference executor refuses it the same way.
        assertThatThrownBy(() -> ReferenceExecutor.run(g, Map.of("x", ModelParityTest.random(new long[] {1, 8}, 1))))
                .isInstanceOf(UnsupportedOperatorException.class).hasMessageContaining("blocks.3.mlp.sin");
        // A custom-domain operator is named with its domain.
        byte[] custom = new OnnxGraphBuilder("ms").opset("com.microsoft", 1)
                .input("x", Dim.shape(1, 8))
                .node("FusedGemm").domain("com.microsoft").name("fg").inputs("x").outputs("y").add()
                .output("y").toBytes();
        assertThatThrownBy(() -> PlanBuilder.build(OnnxModelReader.read(custom, null, "ms"), 1, PlanBuilder.Options.all()))
                .hasMessageContaining("operator com.microsoft.FusedGemm at node 'fg'");
    }

    @Test
    void anUnsupportedVariantOfASupportedOperatorIsNamedToo() {
        byte[] onnx = new OnnxGraphBuilder("pad").opset(13)
                .input("x", Dim.shape(1, 4))
                .int64Initializer("pads", new long[] {4}, new long[] {0, 1, 0, 1})
                .node("Pad").name("p").inputs("x", "pads").outputs("y").stringAttr("mode", "wrap").add()
                .output("y").toBytes();
        Graph g = OnnxModelReader.read(onnx, null, "pad");
        assertThatThrownBy(() -> ReferenceExecutor.run(g, Map.of("x", ModelParityTest.random(new long[] {1, 4}, 1))))
                .isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("operator Pad at node 'p'").hasMessageContaining("mode 'wrap'");
    }

    @Test
    void everyRewriteKeepsTheReferenceOutputs() {
        Graph g = OnnxModelReader.read(ModelParityTest.MODELS.resolve("ppocr_mobile_v2_cls.onnx"));
        Map<String, long[]> shapes = Map.of("x", new long[] {2, 3, 48, 96});
        Map<String, TensorValue> in = Map.of("x", ModelParityTest.random(shapes.get("x"), 77));
        Graph bound = ShapeInference.bindInputs(g, shapes);
        float[] expected = ReferenceExecutor.run(bound, in).values().iterator().next().floats();
        for (PlanBuilder.Options o : List.of(new PlanBuilder.Options(true, false, false),
                new PlanBuilder.Options(true, true, false), new PlanBuilder.Options(false, true, true),
                PlanBuilder.Options.all())) {
            Plan p = PlanBuilder.build(g, shapes, o);
            float[] got = ReferenceExecutor.runPlan(p, in).values().iterator().next().floats();
            for (int i = 0; i < expected.length; i++) {
                assertThat(got[i]).as("%s element %d", o, i).isCloseTo(expected[i], within(1e-5f));
            }
        }
    }
}
