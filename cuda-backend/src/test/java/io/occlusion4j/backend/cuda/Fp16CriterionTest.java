// The FP16 criterion: passes the right fp16 plan, rejects a wrong one the fixed tolerance lets through.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Fp16Simulation;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.ReferenceExecutor;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.HostKernels;
import io.occlusion4j.onnx.TestModels;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Fp16Criterion} on made-up outputs (each rule alone) and on ResNet-18's fp16-storage plan run on the host:
 * the right lowering passes; the same plan with its output perturbed, or with one convolution's filter uploaded 3%
 * off (what a wrong fold or a wrong weight layout does to one layer), fails.
 */
class Fp16CriterionTest {
    private static HostKernels host;

    @BeforeAll
    static void load() {
        host = HostKernels.open();
    }

    @AfterAll
    static void unload() {
        host.close();
    }

    @Test
    void theBoundIsTwiceTheSimulatedErrorAndTop1MustHold() {
        float[] ref = {1.0f, 3.0f, 2.0f, 0.5f, -1.0f, 0.0f};
        float[] sim = {1.01f, 3.0f, 2.0f, 0.5f, -1.0f, 0.0f};
        Fp16Criterion.Verdict same = Fp16Criterion.judge(ref, sim, sim.clone(), 2);
        assertThat(same.passed()).as(same.detail()).isTrue();
        assertThat(same.simulatedError()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-6));

        float[] within = {1.0f, 3.0f, 2.0f, 0.5f, -1.0f, 0.019f};
        assertThat(Fp16Criterion.judge(ref, sim, within, 2).passed()).isTrue();
        float[] beyond = {1.0f, 3.0f, 2.0f, 0.5f, -1.0f, 0.021f};
        Fp16Criterion.Verdict over = Fp16Criterion.judge(ref, sim, beyond, 2);
        assertThat(over.passed()).isFalse();
        assertThat(over.detail()).contains("exceeds 2x the simulated fp16 error");

        // A top-1 swap the reference separates clearly (3 vs 2) fails even if the error bound were met.
        float[] loose = {1.0f, 3.0f, 2.0f, 0.5f, -1.0f, 0.0f};
        float[] bigSim = {1.0f, 2.0f, 3.0f, 0.5f, -1.0f, 0.0f}; // a simulation 1.0 off allows a bound of 2.0
        float[] swapped = {1.0f, 2.2f, 2.4f, 0.5f, -1.0f, 0.0f};
        Fp16Criterion.Verdict swap = Fp16Criterion.judge(loose, bigSim, swapped, 2);
        assertThat(swap.top1Changed()).as("the reference's 3 vs 2 lies within the bound of 2: a near tie").isZero();
        // Within the error bound (0.2) the plan may still swap elements the reference puts 0.3 apart: that fails.
        float[] apart = {1.0f, 3.0f, 2.7f, 0.5f, -1.0f, 0.0f};
        float[] smallSim = {1.0f, 2.9f, 2.7f, 0.5f, -1.0f, 0.0f};
        float[] swappedSmall = {1.0f, 2.82f, 2.85f, 0.5f, -1.0f, 0.0f};
        Fp16Criterion.Verdict changed = Fp16Criterion.judge(apart, smallSim, swappedSmall, 2);
        assertThat(changed.planError()).isLessThanOrEqualTo(changed.bound());
        assertThat(changed.top1Changed()).isEqualTo(1);
        assertThat(changed.passed()).isFalse();
        assertThat(changed.detail()).contains("sample 0: top-1 element 2");
    }

    @Test
    void anExactSimulationLeavesTheFp32FloorAndNanFails() {
        float[] ref = {100f, -50f};
        Fp16Criterion.Verdict exact = Fp16Criterion.judge(ref, ref.clone(), new float[] {100.0005f, -50f}, 1);
        assertThat(exact.bound()).isEqualTo(1e-5 * 100);
        assertThat(exact.passed()).isTrue();
        assertThat(Fp16Criterion.judge(ref, ref.clone(), new float[] {100.01f, -50f}, 1).passed()).isFalse();
        assertThat(Fp16Criterion.judge(ref, ref.clone(), new float[] {Float.NaN, -50f}, 1).passed()).isFalse();
        assertThatThrownBy(() -> Fp16Criterion.judge(ref, ref, new float[3], 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fp16Criterion.judge(new float[3], new float[3], new float[3], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("equal rows");
    }

    @Test
    void resnetsFp16PlanPassesAndAPerturbedOrMisloweredOneFails() {
        Plan plan = PlanBuilder.build(OnnxModelReader.read(TestModels.resnet18(1000, 3).onnx(), null, "resnet18"),
                Map.of("input", new long[] {1, 3, 224, 224}), PlanBuilder.Options.all());
        long[] shape = {1, 3, 224, 224};
        Map<String, TensorValue> in = Map.of("input", TensorValue.ofFloats(shape, HostPlanKernelsTest.random(shape, 31)));
        float[] ref = ReferenceExecutor.runPlan(plan, in).get("logits").toFloats();
        float[] sim = Fp16Simulation.runPlan(plan, in).get("logits").toFloats();
        float[] got = HostPlanRunner.run(host, plan, PlanLowering.lower(plan, true), in).get("logits");
        Fp16Criterion.Verdict right = Fp16Criterion.judge(ref, sim, got, 1);
        System.out.println("[fp16-criterion] resnet18 right lowering: " + right.detail());
        assertThat(right.passed()).as(right.detail()).isTrue();
        assertThat(right.simulatedError()).as("fp16 rounding changes the output").isGreaterThan(0);

        // The plan's output moved by 3x the simulated error at one element.
        float[] moved = got.clone();
        moved[17] += (float) (3 * right.simulatedError());
        Fp16Criterion.Verdict perturbed = Fp16Criterion.judge(ref, sim, moved, 1);
        assertThat(perturbed.passed()).as(perturbed.detail()).isFalse();

        // A lowering that uploads one convolution's filter 3% off: within the old fixed 1e-2, yet rejected.
        Plan wrong = withScaledWeight(plan, "layer3.1.conv2", 1.03f);
        float[] bad = HostPlanRunner.run(host, wrong, PlanLowering.lower(wrong, true), in).get("logits");
        Fp16Criterion.Verdict misLowered = Fp16Criterion.judge(ref, sim, bad, 1);
        double oldError = 0;
        double scale = Precision.scale(ref);
        for (int i = 0; i < ref.length; i++) {
            oldError = Math.max(oldError, Precision.FP16.error(bad[i], ref[i], scale));
        }
        System.out.printf("[fp16-criterion] resnet18 with one filter 3%% off: %s; the fixed criterion's error %.3e (tolerance %.0e)%n",
                misLowered.detail(), oldError, Precision.FP16.tolerance());
        assertThat(misLowered.passed()).as(misLowered.detail()).isFalse();
        assertThat(oldError).as("the fixed FP16 tolerance lets this wrong plan through").isLessThan(Precision.FP16.tolerance());
    }

    /** {@code plan} with the filter of the convolution named {@code node} multiplied by {@code factor}. */
    static Plan withScaledWeight(Plan plan, String node, float factor) {
        PlanStep step = plan.steps().stream().filter(s -> s.node().name().equals(node)).findFirst().orElseThrow();
        String name = ((PlanStep.Operand.Weight) step.inputs().get(1)).name();
        TensorValue w = plan.weights().get(name);
        float[] f = w.floats().clone();
        for (int i = 0; i < f.length; i++) {
            f[i] *= factor;
        }
        Map<String, TensorValue> weights = new LinkedHashMap<>(plan.weights());
        weights.put(name, TensorValue.ofFloats(w.shape(), f));
        return new Plan(plan.graph(), plan.steps(), plan.slots(), plan.arenaBytes(), plan.unsharedBytes(), weights);
    }
}
