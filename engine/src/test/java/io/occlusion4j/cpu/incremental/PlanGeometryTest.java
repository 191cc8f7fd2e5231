package io.occlusion4j.cpu.incremental;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Edge;
import io.occlusion4j.ModelFiles;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PlanGeometry}, what the CUDA back end runs, against the plan's own arithmetic written out by hand for the small
 * CNN (Conv 3x3 pad 1 + Relu, MaxPool 2x2/2, Conv 3x3 pad 1 + Relu): context boxes around the patches, padded 2-D
 * boxes on three axes, the patches of each step's output, the cut and the activations the unoccluded run keeps.
 */
class PlanGeometryTest {
    @TempDir
    static Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(IncrementalPlan.STEPS_PROPERTY);
    }

    @Test
    void theSmallCnnsGeometryIsTheHandWorkedOne() {
        Path model = ModelFiles.write(dir, "small.onnx", TestModels.smallCnn(3, 16, 12, 4, 1).onnx());
        WindowGrid grid = WindowGrid.of(new int[] {16, 12}, new int[] {4, 4}, new int[] {4, 4}, Edge.CROP, false);
        System.setProperty(IncrementalPlan.STEPS_PROPERTY, "all");
        IncrementalPlan plan = IncrementalPlan.analyse(model, new long[] {3, 16, 12}, false, grid,
                List.of(TestModels.OUTPUT), 1, 4);
        PlanGeometry geo = PlanGeometry.of(plan);
        assertThat(geo.steps()).hasSize(3);
        PlanGeometry.StepGeometry conv1 = geo.steps().get(0);
        assertThat(conv1.head().opType()).isEqualTo("Conv");
        assertThat(conv1.windowed()).isTrue();
        assertThat(conv1.chain()).extracting(n -> n.opType()).containsExactly("Relu");
        PlanGeometry.Read in = conv1.reads().get(0);
        assertThat(in.value()).isEqualTo(TestModels.INPUT);
        assertThat(in.pad()).isZero();
        // A 4x4 window changes a 6x6 region of conv1's output (the window plus the 3x3 kernel's reach), read from an
        // 8x8 context; position 0 (the window at 0,0): output rows/cols 0..4 clamp to a 6x6 patch at 0, context at -1.
        PlanGeometry.Patches out1 = geo.patches(conv1.output());
        assertThat(out1.dims()).containsExactly(1, 16, 12);
        assertThat(out1.size()).containsExactly(1, 6, 6);
        assertThat(in.size()).containsExactly(1, 8, 8);
        assertThat(java.util.Arrays.copyOfRange(out1.starts(), 0, 3)).containsExactly(0, 0, 0);
        assertThat(java.util.Arrays.copyOfRange(in.starts(), 0, 3)).containsExactly(0, -1, -1);
        // Position 4 (grid 4x3: row 1, col 1; the window at 4,4): changed rows/cols 3..8, context 2..9.
        assertThat(java.util.Arrays.copyOfRange(out1.starts(), 12, 15)).containsExactly(0, 3, 3);
        assertThat(java.util.Arrays.copyOfRange(in.starts(), 12, 15)).containsExactly(0, 2, 2);
        PlanGeometry.StepGeometry pool = geo.steps().get(1);
        assertThat(pool.head().opType()).isEqualTo("MaxPool");
        assertThat(pool.reads().get(0).value()).isEqualTo(conv1.output());
        assertThat(pool.reads().get(0).pad()).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(geo.cut()).containsExactly(geo.steps().get(2).output());
        assertThat(geo.baseValues()).doesNotContain(TestModels.INPUT)
                .contains(conv1.output(), pool.output(), geo.steps().get(2).output());
        assertThat(geo.prefixNodes()).hasSize(5);
    }

    @Test
    void anInfeasiblePlanHasNoGeometry() {
        Path model = ModelFiles.write(dir, "linear.onnx", TestModels.linear(3, new int[] {8, 8}, 2, 1).onnx());
        WindowGrid grid = WindowGrid.of(new int[] {8, 8}, new int[] {4, 4}, new int[] {4, 4}, Edge.CROP, false);
        IncrementalPlan plan = IncrementalPlan.analyse(model, new long[] {3, 8, 8}, false, grid,
                List.of(TestModels.OUTPUT), 1, 4);
        assertThatThrownBy(() -> PlanGeometry.of(plan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not feasible");
    }
}
