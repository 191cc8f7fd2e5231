package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.onnx.TestModels;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reference executor in simulated fp16: IEEE half rounding, and a run whose error is fp16-sized, not zero. */
class Fp16SimulationTest {

    @Test
    void roundsToTheNearestHalfValue() {
        assertThat(Fp16Simulation.round(1.0f)).isEqualTo(1.0f);
        assertThat(Fp16Simulation.round(0.1f)).isEqualTo(0.0999755859375f);
        assertThat(Fp16Simulation.round(1.0f + 1.0f / 4096)).as("ties to even").isEqualTo(1.0f);
        assertThat(Fp16Simulation.round(70000f)).isInfinite();
        assertThat(Fp16Simulation.round(TensorValue.ofInt64(new long[] {1}, new long[] {123456789}))
                .longs()).containsExactly(123456789);
    }

    @Test
    void aNetworkRunInSimulatedFp16DiffersFromFp32ByRoundingSizedErrorsOnly() {
        Graph graph = OnnxModelReader.read(TestModels.smallCnn(3, 16, 16, 10, 1).onnx(), null, "small");
        long[] shape = {2, 3, 16, 16};
        Plan plan = PlanBuilder.build(graph, Map.of("input", shape), PlanBuilder.Options.all());
        float[] x = new float[2 * 3 * 16 * 16];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        Map<String, TensorValue> in = Map.of("input", TensorValue.ofFloats(shape, x));
        float[] fp32 = ReferenceExecutor.runPlan(plan, in).get("logits").toFloats();
        float[] fp16 = Fp16Simulation.runPlan(plan, in).get("logits").toFloats();
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < fp32.length; i++) {
            worst = Math.max(worst, Math.abs(fp32[i] - fp16[i]));
            scale = Math.max(scale, Math.abs(fp32[i]));
            assertThat(fp16[i]).as("every output is an fp16 value").isEqualTo(Fp16Simulation.round(fp16[i]));
        }
        assertThat(worst).as("rounding changes the result").isPositive();
        assertThat(worst / Math.max(1, scale)).as("by fp16-sized amounts").isLessThan(1e-2);
        assertThat(ReferenceExecutor.runPlan(plan, in).get("logits").toFloats()).as("the fp32 run is unchanged").containsExactly(fp32);
    }
}
