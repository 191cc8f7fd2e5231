// What the CUDA plan relies on from the buffer plan and the batch search: inputs kept whole, tensors below 2^31.
package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.onnx.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanLimitsTest {

    /**
     * A forward may be replayed over the same input (a captured CUDA graph after its eager warm-up), and the
     * occlusion loop rewrites only the window regions of the batch it left in the input slot: so no activation
     * may share the input's bytes. BlazeFace at batch 1 had 52 activations placed over its input.
     */
    @Test
    void aGraphInputKeepsItsBytesToTheEndOfThePlan() {
        Map<String, long[]> cases = Map.of("blazeface_front_128.onnx", new long[] {1, 128, 128, 3},
                "ppocr_mobile_v2_cls.onnx", new long[] {1, 3, 48, 192});
        for (Map.Entry<String, long[]> c : cases.entrySet()) {
            Graph g = OnnxModelReader.read(ModelParityTest.MODELS.resolve(c.getKey()));
            String input = g.inputNames().get(0);
            for (PlanBuilder.Options o : new PlanBuilder.Options[] {PlanBuilder.Options.none(), PlanBuilder.Options.all()}) {
                Plan p = PlanBuilder.build(g, Map.of(input, c.getValue()), o);
                BufferSlot in = p.slot(input);
                assertThat(in.lastStep()).as(c.getKey()).isEqualTo(p.steps().size());
                for (BufferSlot s : p.slots().values()) {
                    if (!s.value().equals(input) && s.viewOf() == null) {
                        assertThat(s.overlapsInMemory(in)).as("%s shares the input's bytes in %s", s, c.getKey()).isFalse();
                    }
                }
            }
        }
    }

    /**
     * cuDNN refuses a tensor of 2^31 elements or more ({@code [128, 64, 512, 512]} is NOT_SUPPORTED, one sample
     * fewer is accepted), so memory alone must not size the batch: the small CNN at 512x512 has 8 x 512 x 512
     * elements per sample in its first activation, so 1023 samples is the most.
     */
    @Test
    void theBatchKeepsEveryTensorBelowTwoToTheThirtyOneElements() {
        Graph g = OnnxModelReader.read(TestModels.smallCnn(3, 512, 512, 10, 1).onnx(), null, "small512");
        int batch = PlanBuilder.largestBatch(g, Long.MAX_VALUE / 4, 0, 4096);
        assertThat(batch).isEqualTo(1023);
        long largest = 0;
        for (BufferSlot s : PlanBuilder.build(g, batch, PlanBuilder.Options.all()).slots().values()) {
            largest = Math.max(largest, s.elementCount());
        }
        assertThat(largest).isLessThan(1L << 31);
        long next = 0;
        for (BufferSlot s : PlanBuilder.build(g, batch + 1, PlanBuilder.Options.all()).slots().values()) {
            next = Math.max(next, s.elementCount());
        }
        assertThat(next).isGreaterThanOrEqualTo(1L << 31);
        // Below the cap, memory still decides.
        assertThat(PlanBuilder.largestBatch(g, Long.MAX_VALUE / 4, 0, 16)).isEqualTo(16);
    }
}
