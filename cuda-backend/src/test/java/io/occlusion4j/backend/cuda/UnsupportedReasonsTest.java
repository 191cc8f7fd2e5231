// Each node the CUDA plan cannot run is refused with the real reason.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.proto.TensorProto;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The lowering's refusals name what is wrong with the node: a float Gather whose indices are computed at run time, a
 * Where whose condition is, an operator with no float kernel, and only for a node that really computes on integer
 * or boolean values the "integer, boolean or shape values" message. Every refusal names the node and the
 * {@code --backend cpu} way out.
 */
class UnsupportedReasonsTest {
    private static final String INTEGER_MESSAGE = "integer, boolean or shape values";

    private static Plan plan(Consumer<OnnxGraphBuilder> body) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("reasons").input("x", List.of(Dim.of(2), Dim.of(4)))
                .input("i", TensorProto.DataType.INT64, List.of(Dim.of(4)));
        body.accept(g);
        g.output("y");
        Graph graph = OnnxModelReader.read(g.build(), null, "reasons");
        return PlanBuilder.build(graph, Map.of("x", new long[] {2, 4}, "i", new long[] {4}), PlanBuilder.Options.all());
    }

    @Test
    void aFloatGatherWithRunTimeIndicesSaysSo() {
        Plan p = plan(g -> g.node("Gather").inputs("x", "i").outputs("y").intAttr("axis", 1).add());
        assertThatThrownBy(() -> PlanLowering.lower(p)).isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("Gather").hasMessageContaining("indices known before running")
                .hasMessageNotContaining(INTEGER_MESSAGE).hasMessageContaining("--backend cpu");
    }

    @Test
    void aWhereWithARunTimeConditionSaysSo() {
        Plan p = plan(g -> g.floatInitializer("zero", new long[0], new float[] {0f}).node("Greater", "c", "x", "zero")
                .node("Where", "y", "c", "x", "zero"));
        // The Greater step comes first and does compute a boolean at run time.
        assertThatThrownBy(() -> PlanLowering.lower(p)).isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("Greater").hasMessageContaining(INTEGER_MESSAGE);
        Plan where = plan(g -> g.initializer(TensorProto.newBuilder().setName("c").setDataType(
                        TensorProto.DataType.BOOL.getNumber()).addDims(4).addInt32Data(1).addInt32Data(0).addInt32Data(1)
                        .addInt32Data(0).build())
                .node("Where", "y", "c", "x", "x"));
        assertThat(PlanLowering.lower(where).steps()).as("a constant condition lowers").isNotEmpty();
    }

    @Test
    void aFloatOperatorWithoutAKernelSaysSoAndNotIntegers() {
        Plan p = plan(g -> g.floatInitializer("m", new long[0], new float[] {0.75f})
                .node("Mod").inputs("x", "m").outputs("y").intAttr("fmod", 1).add());
        assertThatThrownBy(() -> PlanLowering.lower(p)).isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("no kernel for Mod on float tensors").hasMessageNotContaining(INTEGER_MESSAGE);
    }

    @Test
    void integerWorkAtRunTimeGetsTheIntegerMessage() {
        Plan p = plan(g -> g.node("Add", "s", "i", "i").node("Cast").inputs("s").outputs("f").intAttr("to", 1).add()
                .node("Mul", "y", "x", "f"));
        assertThatThrownBy(() -> PlanLowering.lower(p)).isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining(INTEGER_MESSAGE);
    }
}
