// The CUDA plan's element-wise and layout lowering, run through the host build of plan_ops.cu, against the reference executor.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ReferenceExecutor;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.kernels.HostKernels;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One-node models, planned by the engine, lowered by {@link PlanLowering}, and every launch run on the host
 * build of the kernels over a host arena laid out exactly as the device arena; the output slot must match
 * {@link ReferenceExecutor#runPlan} to 1e-6 (relative, absolute below 1).
 */
class HostPlanKernelsTest {
    private static final long[] X = {2, 3, 5, 6};
    private static HostKernels host;

    @BeforeAll
    static void load() {
        host = HostKernels.open();
    }

    @AfterAll
    static void unload() {
        host.close();
    }

    private record Case(String name, Consumer<OnnxGraphBuilder> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Arguments op(String name, Consumer<OnnxGraphBuilder> body) {
        return Arguments.of(new Case(name, body));
    }

    static Stream<Arguments> cases() {
        float[] c3 = {0.5f, -1.25f, 2f};
        float[] c6 = {1f, -2f, 0.25f, 3f, -0.5f, 0.75f};
        return Stream.of(
                op("Relu", g -> g.node("Relu", "y", "x")),
                op("LeakyRelu", g -> g.node("LeakyRelu").inputs("x").outputs("y").floatAttr("alpha", 0.3f).add()),
                op("Sigmoid", g -> g.node("Sigmoid", "y", "x")),
                op("Tanh", g -> g.node("Tanh", "y", "x")),
                op("HardSigmoid", g -> g.node("HardSigmoid").inputs("x").outputs("y").floatAttr("alpha", 0.3f)
                        .floatAttr("beta", 0.4f).add()),
                op("HardSwish", g -> g.node("HardSwish", "y", "x")),
                op("Clip", g -> g.floatInitializer("lo", new long[0], new float[] {-0.5f})
                        .floatInitializer("hi", new long[0], new float[] {0.7f}).node("Clip", "y", "x", "lo", "hi")),
                op("Add broadcast [3,1,1]", g -> g.floatInitializer("c", new long[] {3, 1, 1}, c3).node("Add", "y", "x", "c")),
                op("Mul broadcast [6]", g -> g.floatInitializer("c", new long[] {6}, c6).node("Mul", "y", "c", "x")),
                op("Sub self", g -> g.node("Sub", "y", "x", "x")),
                op("Div broadcast [6]", g -> g.floatInitializer("c", new long[] {6}, c6).node("Div", "y", "x", "c")),
                op("PRelu", g -> g.floatInitializer("s", new long[] {3, 1, 1}, c3).node("PRelu", "y", "x", "s")),
                op("BatchNormalization", g -> g.floatInitializer("sc", new long[] {3}, c3)
                        .floatInitializer("b", new long[] {3}, new float[] {0.1f, 0.2f, -0.3f})
                        .floatInitializer("m", new long[] {3}, new float[] {0.05f, -0.1f, 0.2f})
                        .floatInitializer("v", new long[] {3}, new float[] {0.9f, 1.1f, 0.5f})
                        .node("BatchNormalization", "y", "x", "sc", "b", "m", "v")),
                op("Concat axis 1", g -> g.node("Relu", "r", "x").node("Concat").inputs("x", "r", "x").outputs("y")
                        .intAttr("axis", 1).add()),
                op("Transpose", g -> g.node("Transpose").inputs("x").outputs("y").intsAttr("perm", 0, 2, 3, 1).add()),
                op("Slice with step", g -> g.int64Initializer("st", new long[] {2}, new long[] {1, -1})
                        .int64Initializer("en", new long[] {2}, new long[] {5, -7})
                        .int64Initializer("ax", new long[] {2}, new long[] {2, 3})
                        .int64Initializer("sp", new long[] {2}, new long[] {2, -2})
                        .node("Slice", "y", "x", "st", "en", "ax", "sp")),
                op("Pad constant", g -> g.int64Initializer("p", new long[] {8}, new long[] {0, 0, 1, 2, 0, 0, 2, 1})
                        .floatInitializer("v", new long[0], new float[] {0.5f}).node("Pad", "y", "x", "p", "v")),
                op("Pad reflect", g -> g.int64Initializer("p", new long[] {8}, new long[] {0, 0, 2, 3, 0, 0, 3, 2})
                        .node("Pad").inputs("x", "p").outputs("y").stringAttr("mode", "reflect").add()),
                op("Pad edge", g -> g.int64Initializer("p", new long[] {8}, new long[] {0, 1, 1, 0, 0, 0, 2, 1})
                        .node("Pad").inputs("x", "p").outputs("y").stringAttr("mode", "edge").add()),
                op("Softmax axis 1", g -> g.node("Softmax").inputs("x").outputs("y").intAttr("axis", 1).add()),
                op("Softmax last", g -> g.node("Softmax", "y", "x")),
                op("GlobalAveragePool", g -> g.node("GlobalAveragePool", "y", "x")),
                op("GlobalMaxPool", g -> g.node("GlobalMaxPool", "y", "x")),
                op("ReduceMean [2,3]", g -> g.node("ReduceMean").inputs("x").outputs("y").intsAttr("axes", 2, 3)
                        .intAttr("keepdims", 0).add()),
                op("ReduceMean [1,3] (not adjacent)", g -> g.node("ReduceMean").inputs("x").outputs("y")
                        .intsAttr("axes", 1, 3).add()),
                op("ReduceMean [0,2] (not adjacent, no keepdims)", g -> g.node("ReduceMean").inputs("x").outputs("y")
                        .intsAttr("axes", 0, -2).intAttr("keepdims", 0).add()),
                op("MaxPool 3x3/2 asymmetric pads ceil", g -> g.node("MaxPool").inputs("x").outputs("y")
                        .intsAttr("kernel_shape", 3, 3).intsAttr("strides", 2, 2).intsAttr("pads", 1, 0, 0, 1)
                        .intAttr("ceil_mode", 1).add()),
                op("AveragePool count_include_pad", g -> g.node("AveragePool").inputs("x").outputs("y")
                        .intsAttr("kernel_shape", 3, 2).intsAttr("strides", 1, 2).intsAttr("pads", 1, 1, 1, 1)
                        .intAttr("count_include_pad", 1).add()),
                op("AveragePool SAME_UPPER dilated", g -> g.node("AveragePool").inputs("x").outputs("y")
                        .intsAttr("kernel_shape", 2, 3).intsAttr("dilations", 1, 2).stringAttr("auto_pad", "SAME_UPPER")
                        .add()),
                op("Flatten then Softmax", g -> g.node("Flatten").inputs("x").outputs("f").intAttr("axis", 1).add()
                        .node("Softmax", "y", "f")),
                op("Erf", g -> g.node("Erf", "y", "x")),
                op("Sqrt of a square", g -> g.node("Mul", "s", "x", "x").node("Sqrt", "y", "s")),
                op("Gelu", g -> g.node("Gelu", "y", "x")),
                op("Gelu tanh", g -> g.node("Gelu").inputs("x").outputs("y").stringAttr("approximate", "tanh").add()),
                op("Pow scalar 3", g -> g.floatInitializer("e", new long[0], new float[] {3f}).node("Pow", "y", "x", "e")),
                op("Pow per channel", g -> g.floatInitializer("e", new long[] {3, 1, 1}, new float[] {2f, 1f, 4f})
                        .node("Pow", "y", "x", "e")),
                op("LayerNormalization last axis", g -> g.floatInitializer("sc", new long[] {X[3]}, random(new long[] {X[3]}, 5))
                        .floatInitializer("b", new long[] {X[3]}, random(new long[] {X[3]}, 6))
                        .node("LayerNormalization").inputs("x", "sc", "b").outputs("y").floatAttr("epsilon", 1e-3f).add()),
                op("LayerNormalization axis 1 no bias", g -> g.floatInitializer("sc", new long[] {X[1], X[2], X[3]},
                        random(new long[] {X[1], X[2], X[3]}, 8))
                        .node("LayerNormalization").inputs("x", "sc").outputs("y").intAttr("axis", 1).add()),
                op("Where constant condition", g -> g.floatInitializer("c", new long[] {3, 1, 1}, c3)
                        .initializer(io.occlusion4j.onnx.proto.TensorProto.newBuilder().setName("cond")
                                .setDataType(io.occlusion4j.onnx.proto.TensorProto.DataType.BOOL.getNumber())
                                .addDims(X[3]).addInt32Data(1).addInt32Data(0).addInt32Data(0).addInt32Data(1)
                                .addInt32Data(1).addInt32Data(0).build())
                        .node("Where", "y", "cond", "x", "c")),
                op("Gather float indices [2, 0] axis 1", g -> g.int64Initializer("i", new long[] {2}, new long[] {2, 0})
                        .node("Gather").inputs("x", "i").outputs("y").intAttr("axis", 1).add()),
                op("Gather float scalar index axis 3", g -> g.int64Initializer("i", new long[0], new long[] {-1})
                        .node("Gather").inputs("x", "i").outputs("y").intAttr("axis", 3).add()),
                op("Expand to a new leading axis", g -> g.int64Initializer("s", new long[] {5}, new long[] {2, 1, 1, 1, 1})
                        .node("Expand", "y", "x", "s")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void loweredStepsMatchTheReferenceExecutor(Case c) {
        Graph graph = model(c.body());
        Plan plan = PlanBuilder.build(graph, Map.of("x", X), PlanBuilder.Options.none());
        TensorValue x = TensorValue.ofFloats(X, random(X, 7));
        TensorValue expected = ReferenceExecutor.runPlan(plan, Map.of("x", x)).get("y");
        float[] actual = runOnHost(plan, x);
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            float e = expected.floats()[i];
            assertThat((double) actual[i]).as("%s element %d", c, i).isCloseTo(e, org.assertj.core.data.Offset.offset(
                    1e-6 * Math.max(1, Math.abs(e))));
        }
    }

    @Test
    void castKernelsRoundTripHalf() {
        float[] v = {0f, -0f, 1f, -2.5f, 65504f, 1e-7f, 6.1e-5f, 3.14159f, Float.POSITIVE_INFINITY};
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocateFrom(ValueLayout.JAVA_FLOAT, v);
            MemorySegment half = a.allocate(2L * v.length);
            MemorySegment back = a.allocate(4L * v.length);
            host.launch("occ_plan_to_half", 2, 4, in, half, (long) v.length);
            host.launch("occ_plan_to_float", 2, 4, half, back, (long) v.length);
            float[] r = HostKernels.toFloats(back, v.length);
            for (int i = 0; i < v.length; i++) {
                float expected = Float.float16ToFloat(Float.floatToFloat16(v[i]));
                assertThat(r[i]).as("value %s", v[i]).isEqualTo(expected);
            }
        }
    }

    @Test
    void anUnsupportedRuntimeOperatorIsNamedWithTheCpuHint() {
        Graph graph = model(g -> g.node("Shape", "s", "x").node("Cast").inputs("s").outputs("c").intAttr("to", 1).add()
                .node("Mul", "y", "x", "x"));
        Plan plan = PlanBuilder.build(graph, Map.of("x", X), PlanBuilder.Options.none());
        boolean hasShape = plan.steps().stream().anyMatch(s -> s.node().opType().equals("Shape"));
        if (hasShape) {
            assertThatThrownBy(() -> PlanLowering.lower(plan)).isInstanceOf(UnsupportedOperatorException.class)
                    .hasMessageContaining("Shape").hasMessageContaining("--backend cpu");
        } else {
            // Folded away: every remaining step lowers.
            assertThat(PlanLowering.lower(plan).steps()).isNotEmpty();
        }
    }

    @Test
    void convolutionWithAsymmetricPadsIsPrePaddedIntoScratch() {
        Graph graph = model(g -> g.floatInitializer("w", new long[] {4, 3, 3, 3}, random(new long[] {4, 3, 3, 3}, 3))
                .node("Conv").inputs("x", "w").outputs("y").intsAttr("pads", 0, 1, 2, 1).add());
        Plan plan = PlanBuilder.build(graph, Map.of("x", X), PlanBuilder.Options.all());
        PlanLowering.Lowering l = PlanLowering.lower(plan);
        Lowered.Convolution conv = (Lowered.Convolution) l.steps().stream().filter(s -> s instanceof Lowered.Convolution)
                .findFirst().orElseThrow();
        assertThat(conv.prePad()).isNotNull();
        assertThat(conv.inputShape()).containsExactly(2, 3, 7, 8);
        assertThat(conv.padsBegin()).containsExactly(0, 0);
        assertThat(l.scratchBytes()).isEqualTo(4L * 2 * 3 * 7 * 8);
    }

    // ---------------------------------------------------------------------------------------------- harness

    private static Graph model(Consumer<OnnxGraphBuilder> body) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("plan-op").input("x", dims(X));
        body.accept(g);
        g.output("y");
        return OnnxModelReader.read(g.build(), null, "plan-op test model");
    }

    private static List<Dim> dims(long[] shape) {
        List<Dim> d = new ArrayList<>();
        for (long s : shape) {
            d.add(Dim.of(s));
        }
        return d;
    }

    static float[] random(long[] shape, long seed) {
        Random r = new Random(seed);
        float[] v = new float[(int) LoweringOperands.count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 2);
        }
        return v;
    }

    /** Runs the lowered plan (fp32 storage) on the host, {@link HostPlanRunner}; returns output "y". */
    static float[] runOnHost(Plan plan, TensorValue x) {
        return HostPlanRunner.run(host, plan, PlanLowering.lower(plan), Map.of("x", x)).get("y");
    }
}
