package io.occlusion4j.cpu.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Incremental;
import io.occlusion4j.ModelFiles;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncrementalExactnessTest {
    @TempDir
    static Path dir;

    static SensitivityMap run(Path model, Tensor x, Incremental mode, int[] window, int[] stride, Edge edge, Fill fill,
                              boolean perChannel) {
        try (Occlusion occ = Occlusion.builder().model(model).window(window).stride(stride).edge(edge).fill(fill)
                .perChannel(perChannel).incremental(mode).batchSize(7).build()) {
            return occ.explain(x);
        }
    }

    static void assertSame(SensitivityMap full, SensitivityMap inc) {
        float[] a = full.gridMaps().data();
        float[] b = inc.gridMaps().data();
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            lo = Math.min(lo, a[i]);
            hi = Math.max(hi, a[i]);
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        System.out.println("range " + (hi - lo) + " max diff " + maxDiff + " " + inc.stats().incremental());
        assertThat(inc.stats().incremental().used()).isTrue();
        assertThat(hi - lo).isGreaterThan(0f);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4 * (hi - lo));
    }

    @Test
    void smallCnn() {
        Path m = ModelFiles.write(dir, "small.onnx", TestModels.smallCnn(3, 32, 28, 10, 5).onnx());
        Tensor x = Tensor.of(ModelFiles.random(1, 3 * 32 * 28), 3, 32, 28);
        int[] w = {5, 4};
        int[] s = {3, 3};
        assertSame(run(m, x, Incremental.OFF, w, s, Edge.CROP, Fill.constant(0), false),
                run(m, x, Incremental.ON, w, s, Edge.CROP, Fill.constant(0), false));
    }

    @Test
    void resnet18() {
        byte[] onnx = TestModels.resnet18Proto(10, 64, 64, 3, TestModels.Batch.DYNAMIC).toByteArray();
        Path m = ModelFiles.write(dir, "r18.onnx", onnx);
        Tensor x = Tensor.of(ModelFiles.random(2, 3 * 64 * 64), 3, 64, 64);
        int[] w = {8, 8};
        int[] s = {8, 8};
        assertSame(run(m, x, Incremental.OFF, w, s, Edge.CROP, Fill.constant(0), false),
                run(m, x, Incremental.ON, w, s, Edge.CROP, Fill.constant(0), false));
    }
}
