// Whole CUDA-plan lowerings, fp32 storage and the FP16 mode's fp16 NHWC regions, run on the host against the
// reference executor.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Fp16Simulation;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.ReferenceExecutor;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.HostKernels;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project's small CNN, 3-D CNN and ResNet-18 shape and the two real models, planned with every rewrite,
 * lowered with fp32 storage and with the FP16 mode's storage, and run by {@link HostPlanRunner}: outputs
 * within 1e-4 of the reference executor relative on max(1, |reference|) with fp32 storage, and with fp16 NHWC
 * regions both within {@link Precision#FP16}'s 1e-2 of the output's scale ({@link Precision#error}: these networks
 * are shallow enough for it) and within {@link Fp16Criterion} of the reference run in simulated fp16.
 */
class HostPlanRunTest {
    private static HostKernels host;

    @BeforeAll
    static void load() {
        host = HostKernels.open();
    }

    @AfterAll
    static void unload() {
        host.close();
    }

    static List<GpuPlanTest.Model> models() {
        List<GpuPlanTest.Model> out = new ArrayList<>();
        for (GpuPlanTest.Model m : GpuPlanTest.models()) {
            // One ResNet-18 sample keeps the plain-Java convolutions to a few seconds.
            out.add(m.name().equals("resnet18") ? new GpuPlanTest.Model(m.name(), m.onnx(), m.file(),
                    Map.of("input", new long[] {1, 3, 224, 224})) : m);
        }
        return out;
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GpuPlanTest.Model m : models()) {
            out.add(Arguments.of(m, false));
            out.add(Arguments.of(m, true));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} fp16 storage {1}")
    @MethodSource("cases")
    void loweredPlanMatchesTheReferenceExecutor(GpuPlanTest.Model model, boolean halfStorage) {
        Graph graph = model.onnx() != null ? OnnxModelReader.read(model.onnx(), null, model.name())
                : OnnxModelReader.read(model.file());
        Plan plan = PlanBuilder.build(graph, model.shapes(), PlanBuilder.Options.all());
        String inputName = model.shapes().keySet().iterator().next();
        long[] shape = model.shapes().get(inputName);
        float[] x = new float[(int) LoweringOperands.count(shape)];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Map<String, TensorValue> inputs = Map.of(inputName, TensorValue.ofFloats(shape, x));
        Map<String, TensorValue> expected = ReferenceExecutor.runPlan(plan, inputs);
        PlanLowering.Lowering lowering = PlanLowering.lower(plan, halfStorage);
        Map<String, float[]> actual = HostPlanRunner.run(host, plan, lowering, inputs);
        double tol = halfStorage ? Precision.FP16.tolerance() : 1e-4;
        // FP16 storage: also the criterion fair to deep networks, against the reference run in simulated fp16.
        Map<String, TensorValue> simulated = halfStorage ? Fp16Simulation.runPlan(plan, inputs) : null;
        for (String out : graph.outputs()) {
            float[] want = expected.get(out).toFloats();
            float[] got = actual.get(out);
            assertThat(got).as("%s output %s length", model, out).hasSize(want.length);
            Precision mode = halfStorage ? Precision.FP16 : Precision.FP32;
            double scale = Precision.scale(want);
            double worst = 0;
            for (int i = 0; i < want.length; i++) {
                double err = mode.error(got[i], want[i], scale);
                assertThat(err).as("%s (fp16 storage %s) output %s element %d: %s vs %s", model, halfStorage, out, i, got[i],
                        want[i]).isLessThanOrEqualTo(tol);
                worst = Math.max(worst, err);
            }
            if (halfStorage) {
                Fp16Criterion.Verdict v = Fp16Criterion.judge(want, simulated.get(out).toFloats(), got, (int) shape[0]);
                System.out.printf("[host-plan] %s fp16 criterion %s: %s%n", model, out, v.detail());
                assertThat(v.passed()).as("%s output %s: %s", model, out, v.detail()).isTrue();
            }
            long convs = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution).count();
            long halfConvs = lowering.steps().stream().filter(l -> l instanceof Lowered.Convolution c && c.half()).count();
            System.out.printf("[host-plan] %s fp16-storage=%s %s: max relative error %.3e (tolerance %.0e); %d of %d "
                    + "convolutions fp16 NHWC, %d values fp16, %d conversion launches, arena %d + %d bytes%n", model,
                    halfStorage, out, worst, tol, halfConvs, convs, lowering.halfValues().size(), conversions(lowering),
                    plan.arenaBytes(), lowering.arenaBytes() - plan.arenaBytes());
        }
        if (!halfStorage) {
            assertThat(lowering.halfValues()).isEmpty();
            assertThat(lowering.arenaBytes()).isLessThanOrEqualTo(plan.arenaBytes() + 255);
        }
    }

    @Test
    void resnetRunsEveryTensorCoreConvolutionInFp16AndTheInputArrivesAsFp16() {
        Graph graph = OnnxModelReader.read(TestModels.resnet18(1000, 3).onnx(), null, "resnet18");
        Plan plan = PlanBuilder.build(graph, Map.of("input", new long[] {2, 3, 224, 224}), PlanBuilder.Options.all());
        PlanLowering.Lowering l = PlanLowering.lower(plan, true);
        List<Lowered.Convolution> convs = l.steps().stream().filter(s -> s instanceof Lowered.Convolution)
                .map(s -> (Lowered.Convolution) s).toList();
        assertThat(convs).hasSizeGreaterThan(15).allSatisfy(c -> assertThat(c.half()).as(c.step().node().name()).isTrue());
        assertThat(l.isHalf("input")).as("the variant writer writes the input as fp16 NHWC").isTrue();
        assertThat(conversions(l)).as("no storage crossings: the global pool reads fp16 and writes fp32").isZero();
        assertThat(l.steps()).anySatisfy(s -> assertThat(s).isInstanceOfSatisfying(Lowered.Launches.class,
                ls -> assertThat(ls.launches()).extracting(PlanLaunch::kernel).contains("occ_plan_reduce_h")));
        assertThat(l.steps()).anySatisfy(s -> assertThat(s).isInstanceOfSatisfying(Lowered.Launches.class,
                ls -> assertThat(ls.launches()).extracting(PlanLaunch::kernel).contains("occ_plan_pool_nhwc_h")));
    }

    @Test
    void aConvolutionKeptInFp32LeavesItsNeighboursInFp16WithOneConversion() {
        // What CudaPlan does when cuDNN refuses one fp16 NHWC convolution: that step alone goes back to fp32.
        Graph graph = OnnxModelReader.read(TestModels.resnet18(1000, 3).onnx(), null, "resnet18");
        long[] shape = {1, 3, 224, 224};
        Plan plan = PlanBuilder.build(graph, Map.of("input", shape), PlanBuilder.Options.all());
        int first = plan.steps().stream().filter(s -> s.conv() != null).findFirst().orElseThrow().index();
        PlanLowering.Lowering l = PlanLowering.lower(plan, true, java.util.Set.of(first));
        List<Lowered.Convolution> convs = l.steps().stream().filter(s -> s instanceof Lowered.Convolution)
                .map(s -> (Lowered.Convolution) s).toList();
        assertThat(convs.getFirst().half()).isFalse();
        assertThat(convs.subList(1, convs.size())).allSatisfy(c -> assertThat(c.half()).isTrue());
        assertThat(l.isHalf("input")).as("only the fp32 convolution reads the input").isFalse();
        assertThat(l.conversions()).as("its output into the fp16 max pool").isEqualTo(1);
        float[] x = HostPlanKernelsTest.random(shape, 21);
        Map<String, TensorValue> in = Map.of("input", TensorValue.ofFloats(shape, x));
        float[] want = ReferenceExecutor.runPlan(plan, in).get("logits").toFloats();
        float[] got = HostPlanRunner.run(host, plan, l, in).get("logits");
        double scale = Precision.scale(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(Precision.FP16.error(got[i], want[i], scale)).as("logit %d: %s vs %s", i, got[i], want[i])
                    .isLessThanOrEqualTo(Precision.FP16.tolerance());
        }
    }

    @Test
    void aRegionWithoutTensorCoreShapesStaysFp32() {
        // Conv 3 -> 5 channels, ReLU, Conv 5 -> 3: no convolution with channels per group a multiple of 8.
        long[] x = {1, 3, 8, 8};
        OnnxGraphBuilder g = new OnnxGraphBuilder("narrow").input("x", List.of(Dim.of(1), Dim.of(3), Dim.of(8), Dim.of(8)))
                .floatInitializer("w1", new long[] {5, 3, 3, 3}, HostPlanKernelsTest.random(new long[] {5, 3, 3, 3}, 1))
                .floatInitializer("w2", new long[] {3, 5, 1, 1}, HostPlanKernelsTest.random(new long[] {3, 5, 1, 1}, 2));
        g.node("Conv").inputs("x", "w1").outputs("a").intsAttr("pads", 1, 1, 1, 1).add()
                .node("Relu", "b", "a").node("Conv").inputs("b", "w2").outputs("y").add();
        g.output("y");
        Plan plan = PlanBuilder.build(OnnxModelReader.read(g.build(), null, "narrow"), Map.of("x", x),
                PlanBuilder.Options.all());
        PlanLowering.Lowering l = PlanLowering.lower(plan, true);
        assertThat(l.halfValues()).isEmpty();
        assertThat(l.steps()).noneSatisfy(s -> assertThat(s).isInstanceOfSatisfying(Lowered.Convolution.class,
                c -> assertThat(c.half()).isTrue()));
    }

    @Test
    void anAsymmetricPadInAnFp16RegionPadsChannelsLastInFp16() {
        long[] x = {2, 8, 7, 6};
        OnnxGraphBuilder g = new OnnxGraphBuilder("asym").input("x", List.of(Dim.of(2), Dim.of(8), Dim.of(7), Dim.of(6)))
                .floatInitializer("w", new long[] {16, 8, 3, 3}, HostPlanKernelsTest.random(new long[] {16, 8, 3, 3}, 3))
                .floatInitializer("b", new long[] {16}, HostPlanKernelsTest.random(new long[] {16}, 4));
        g.node("Conv").inputs("x", "w", "b").outputs("a").intsAttr("pads", 0, 1, 2, 1).add()
                .node("Relu", "r", "a").node("MaxPool").inputs("r").outputs("p").intsAttr("kernel_shape", 2, 2)
                .intsAttr("strides", 2, 2).add().node("GlobalAveragePool", "y", "p");
        g.output("y");
        Plan plan = PlanBuilder.build(OnnxModelReader.read(g.build(), null, "asym"), Map.of("x", x), PlanBuilder.Options.all());
        PlanLowering.Lowering l = PlanLowering.lower(plan, true);
        Lowered.Convolution conv = l.steps().stream().filter(s -> s instanceof Lowered.Convolution)
                .map(s -> (Lowered.Convolution) s).findFirst().orElseThrow();
        assertThat(conv.half()).isTrue();
        assertThat(conv.prePad().kernel()).isEqualTo("occ_plan_pad_h");
        assertThat(conv.inputShape()).containsExactly(2, 8, 9, 8);
        assertThat(l.scratchBytes()).isEqualTo(2L * 2 * 8 * 9 * 8);
        TensorValue in = TensorValue.ofFloats(x, HostPlanKernelsTest.random(x, 5));
        float[] want = ReferenceExecutor.runPlan(plan, Map.of("x", in)).get("y").toFloats();
        float[] got = HostPlanRunner.run(host, plan, l, Map.of("x", in)).get("y");
        double scale = Precision.scale(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(Precision.FP16.error(got[i], want[i], scale)).as("element %d: %s vs %s", i, got[i], want[i])
                    .isLessThanOrEqualTo(Precision.FP16.tolerance());
        }
    }

    @Test
    void everyFp16StepKindMatchesTheReferenceInOneRegion() {
        // Conv 8 -> 16, then constant-first and constant-second broadcast binaries, an activation-activation
        // Add, PRelu, LeakyRelu, Clip, average pooling, Pad, a Concat with a constant, and a Transpose out.
        long[] x = {2, 8, 6, 5};
        OnnxGraphBuilder g = new OnnxGraphBuilder("kinds").input("x", List.of(Dim.of(2), Dim.of(8), Dim.of(6), Dim.of(5)))
                .floatInitializer("w", new long[] {16, 8, 3, 3}, HostPlanKernelsTest.random(new long[] {16, 8, 3, 3}, 11))
                .floatInitializer("c", new long[] {16, 1, 1}, HostPlanKernelsTest.random(new long[] {16, 1, 1}, 12))
                .floatInitializer("d", new long[] {1, 16, 1, 5}, HostPlanKernelsTest.random(new long[] {1, 16, 1, 5}, 13))
                .floatInitializer("slope", new long[] {16, 1, 1}, HostPlanKernelsTest.random(new long[] {16, 1, 1}, 14))
                .floatInitializer("lo", new long[0], new float[] {-3f}).floatInitializer("hi", new long[0], new float[] {4f});
        g.int64Initializer("p", new long[] {8}, new long[] {0, 0, 1, 0, 0, 0, 0, 2});
        // The Concat's constant: [2, 4, 7, 7] (r is [2, 16, 7, 7]).
        g.floatInitializer("zeros", new long[] {2, 4, 7, 7}, HostPlanKernelsTest.random(new long[] {2, 4, 7, 7}, 16));
        g.node("Conv").inputs("x", "w").outputs("a").intsAttr("pads", 1, 1, 1, 1).add()
                .node("Sub", "b", "c", "a").node("Div", "e", "b", "d").node("Add", "f", "e", "a")
                .node("PRelu", "h", "f", "slope").node("LeakyRelu").inputs("h").outputs("i").floatAttr("alpha", 0.2f).add()
                .node("Clip", "j", "i", "lo", "hi")
                .node("AveragePool").inputs("j").outputs("q").intsAttr("kernel_shape", 2, 2).intsAttr("pads", 0, 0, 1, 1).add()
                .node("Pad").inputs("q", "p").outputs("r").stringAttr("mode", "reflect").add()
                .node("Concat").inputs("r", "zeros").outputs("s").intAttr("axis", 1).add()
                .node("Transpose").inputs("s").outputs("y").intsAttr("perm", 0, 2, 3, 1).add();
        g.output("y");
        Plan plan = PlanBuilder.build(OnnxModelReader.read(g.build(), null, "kinds"), Map.of("x", x),
                PlanBuilder.Options.all());
        PlanLowering.Lowering l = PlanLowering.lower(plan, true);
        List<String> kernels = l.steps().stream().filter(s -> s instanceof Lowered.Launches)
                .flatMap(s -> ((Lowered.Launches) s).launches().stream()).map(PlanLaunch::kernel).toList();
        assertThat(kernels).contains("occ_plan_binary_fh", "occ_plan_binary_hf", "occ_plan_binary_hh", "occ_plan_unary_h",
                "occ_plan_pool_nhwc_h", "occ_plan_pad_h", "occ_plan_strided_copy_h", "occ_plan_copy_to_float");
        assertThat(l.isHalf("x")).isTrue();
        assertThat(l.conversions()).isZero();
        TensorValue in = TensorValue.ofFloats(x, HostPlanKernelsTest.random(x, 17));
        float[] want = ReferenceExecutor.runPlan(plan, Map.of("x", in)).get("y").toFloats();
        float[] got = HostPlanRunner.run(host, plan, l, Map.of("x", in)).get("y");
        assertThat(got).hasSize(want.length);
        double scale = Precision.scale(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(Precision.FP16.error(got[i], want[i], scale)).as("element %d: %s vs %s", i, got[i], want[i])
                    .isLessThanOrEqualTo(Precision.FP16.tolerance());
        }
    }

    private static long conversions(PlanLowering.Lowering l) {
        return l.conversions();
    }
}
