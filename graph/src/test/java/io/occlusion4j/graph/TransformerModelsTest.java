package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.onnx.TransformerModels;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The ViT-like and ConvNeXt-like test models: the reference executor and the rewritten plan (shape sub-graphs
 * folded away, LayerNorm and GELU patterns fused) agree with ONNX Runtime, and the output responds to the input.
 */
class TransformerModelsTest {

    @Test
    void vitLikeMatchesOnnxRuntimeAndFoldsItsShapeSubgraph() throws OrtException {
        TestModels.TestModel m = TransformerModels.vitLike(2, 31L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "vit_like");
        Plan plan = ModelParityTest.check("vit_like", m.onnx(), g, Map.of(TestModels.INPUT,
                ModelParityTest.random(m.inputShape(2), 3)), 0, 0);
        assertThat(g.nodes()).extracting(Node::opType).contains("Equal", "Where", "Expand", "Range", "Mod",
                "ConstantOfShape", "Erf");
        assertNoShapeWork(plan);
        assertThat(plan.steps()).extracting(s -> s.node().opType()).as("the erf GELU fused").contains("Gelu")
                .doesNotContain("Erf");
        respondsToInput(g, m);
    }

    @Test
    void convNextLikeMatchesOnnxRuntime() throws OrtException {
        TestModels.TestModel m = TransformerModels.convNextLike(32L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "convnext_like");
        Plan plan = ModelParityTest.check("convnext_like", m.onnx(), g, Map.of(TestModels.INPUT,
                ModelParityTest.random(m.inputShape(2), 4)), 0, 0);
        assertThat(g.nodes()).extracting(Node::opType).contains("Pow", "Sqrt", "Erf", "ReduceMean");
        assertNoShapeWork(plan);
        assertThat(plan.steps()).extracting(s -> s.node().opType()).as("written-out LayerNorms and GELUs fused")
                .contains("LayerNormalization", "Gelu").doesNotContain("Pow", "Sqrt", "Erf", "ReduceMean");
        assertThat(plan.steps().stream().filter(s -> s.node().opType().equals("LayerNormalization")).count())
                .as("stem, two blocks, downsample, head").isEqualTo(5);
        respondsToInput(g, m);
    }

    @Test
    void swinLikeMatchesOnnxRuntimeAndFoldsItsMask() throws OrtException {
        TestModels.TestModel m = TransformerModels.swinLike(33L);
        Graph g = OnnxModelReader.read(m.onnx(), null, "swin_like");
        Plan plan = ModelParityTest.check("swin_like", m.onnx(), g, Map.of(TestModels.INPUT,
                ModelParityTest.random(m.inputShape(2), 5)), 0, 0);
        assertThat(g.nodes()).extracting(Node::opType).contains("ScatterND", "Not", "Equal", "Where", "ConstantOfShape");
        assertNoShapeWork(plan);
        assertThat(plan.steps()).extracting(s -> s.node().opType()).doesNotContain("ScatterND", "Not", "Unsqueeze");
        respondsToInput(g, m);
    }

    /** The tanh GELU as torch writes it out, in both orders of its final products, fused into one Gelu. */
    @Test
    void theTanhGeluPatternIsFused() throws OrtException {
        for (boolean halfFirst : new boolean[] {true, false}) {
            io.occlusion4j.onnx.OnnxGraphBuilder b = new io.occlusion4j.onnx.OnnxGraphBuilder("gelu_tanh")
                    .input("x", Dim.shape("N", 3, 8))
                    .floatInitializer("three", new long[0], new float[] {3f})
                    .floatInitializer("c", new long[0], new float[] {0.044715f})
                    .floatInitializer("k", new long[0], new float[] {(float) Math.sqrt(2 / Math.PI)})
                    .floatInitializer("one", new long[0], new float[] {1f})
                    .floatInitializer("half", new long[0], new float[] {0.5f})
                    .node("Pow", "p", "x", "three").node("Mul", "q", "p", "c").node("Add", "r", "x", "q")
                    .node("Mul", "s", "k", "r").node("Tanh", "t", "s").node("Add", "u", "t", "one");
            if (halfFirst) {
                b.node("Mul", "a", "x", "half").node("Mul", "y", "a", "u");
            } else {
                b.node("Mul", "a", "u", "x").node("Mul", "y", "a", "half");
            }
            byte[] onnx = b.output("y").toBytes();
            Graph g = OnnxModelReader.read(onnx, null, "gelu_tanh");
            Plan plan = ModelParityTest.check("gelu_tanh", onnx, g, Map.of("x", ModelParityTest.random(new long[] {2, 3,
                    8}, 9)), 0, 0);
            assertThat(plan.steps()).hasSize(1);
            assertThat(plan.steps().getFirst().node().opType()).isEqualTo("Gelu");
            assertThat(plan.steps().getFirst().node().stringAttr("approximate", "")).isEqualTo("tanh");
        }
    }

    static void assertNoShapeWork(Plan plan) {
        for (PlanStep s : plan.steps()) {
            boolean integral = s.outputs().stream().anyMatch(o -> o instanceof PlanStep.Operand.Activation a
                    && a.slot().type() != DataType.FLOAT);
            assertThat(integral).as("step %s computes integer or shape values at run time", s.node().name()).isFalse();
            assertThat(List.of("Shape", "Equal", "Where", "Range", "ConstantOfShape", "Mod", "ScatterND", "Not"))
                    .as("shape operators left").doesNotContain(s.node().opType());
        }
    }

    /** Two different inputs give outputs that differ by more than 1 % of the output's range. */
    static void respondsToInput(Graph g, TestModels.TestModel m) {
        TensorValue a = ReferenceExecutor.run(g, Map.of(TestModels.INPUT, ModelParityTest.random(m.inputShape(1), 5)))
                .get(TestModels.OUTPUT);
        TensorValue b = ReferenceExecutor.run(g, Map.of(TestModels.INPUT, ModelParityTest.random(m.inputShape(1), 6)))
                .get(TestModels.OUTPUT);
        double range = 0;
        double diff = 0;
        for (int i = 0; i < a.size(); i++) {
            range = Math.max(range, Math.abs(a.get(i)));
            diff = Math.max(diff, Math.abs(a.get(i) - b.get(i)));
        }
        assertThat(diff).as("the output responds to the input (range %s)", range).isGreaterThan(0.01 * range);
    }
}
