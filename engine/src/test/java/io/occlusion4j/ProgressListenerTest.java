package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress hook: one call per forward, counts rising to the run's variant count. */
class ProgressListenerTest {
    @TempDir
    Path dir;

    @Test
    void reportsEveryForwardUpToTheVariantCount() {
        Path model = ModelFiles.write(dir, "lin.onnx", TestModels.linear(1, new int[] {8, 8}, 3, 5).onnx());
        List<int[]> calls = new ArrayList<>();
        Tensor x = Tensor.of(ModelFiles.random(4, 64), 1, 8, 8);
        // 4 x 4 = 16 windows, batches of 5 jobs (the unoccluded sample rides in the first): 4 forwards.
        try (Occlusion o = Occlusion.builder().model(model).window(2, 2).batchSize(5)
                .progress((done, total) -> calls.add(new int[] {done, total})).build()) {
            SensitivityMap m = o.explain(x);
            assertThat(m.stats().forwards()).isEqualTo(4);
        }
        assertThat(calls).extracting(c -> c[0]).containsExactly(4, 9, 14, 16);
        assertThat(calls).extracting(c -> c[1]).containsOnly(16);
    }

    @Test
    void derivedExplainersKeepTheListenerAndNoneIsFine() {
        Path model = ModelFiles.write(dir, "lin2.onnx", TestModels.linear(1, new int[] {6, 6}, 2, 6).onnx());
        Tensor x = Tensor.of(ModelFiles.random(5, 36), 1, 6, 6);
        int[] last = {-1};
        try (Occlusion o = Occlusion.builder().model(model).window(3, 3).build();
             Occlusion withProgress = o.with(b -> b.progress((done, total) -> last[0] = done))) {
            o.explain(x);
            assertThat(last[0]).isEqualTo(-1);
            withProgress.explain(x);
            assertThat(last[0]).isEqualTo(4);
        }
    }
}
