// The gpu-std benchmark's arguments and output, checked without a GPU.
package io.occlusion4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.Tensor;
import io.occlusion4j.backend.cuda.Precision;
import io.occlusion4j.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuStdBenchmarkArgsTest {
    @TempDir
    Path dir;

    private String[] args(String... extra) throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), new byte[] {1});
        Path input = dir.resolve("input.npy");
        Npy.write(input, Tensor.zeros(3, 224, 224));
        String[] base = {"--model", model.toString(), "--input", input.toString(), "--out", dir.resolve("out").toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void defaultsAndOptionsParse() throws Exception {
        GpuStdBenchmark.Settings s = GpuStdBenchmark.parse(args());
        assertThat(s.reps()).isEqualTo(3);
        assertThat(s.planReps()).isEqualTo(20);
        assertThat(s.batch()).isZero();
        assertThat(s.precisions()).containsExactly(Precision.FP32, Precision.TF32, Precision.FP16);
        assertThat(Files.isDirectory(s.out())).isTrue();
        s = GpuStdBenchmark.parse(args("--reps", "5", "--plan-reps", "7", "--precisions", "fp16,TF32", "--batch", "64"));
        assertThat(s.reps()).isEqualTo(5);
        assertThat(s.planReps()).isEqualTo(7);
        assertThat(s.batch()).isEqualTo(64);
        assertThat(s.precisions()).containsExactly(Precision.FP16, Precision.TF32);
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        assertThatThrownBy(() -> GpuStdBenchmark.parse(new String[0])).hasMessageContaining("required");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--reps", "0"))).hasMessageContaining("--reps must be >= 1");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--reps", "x"))).hasMessageContaining("whole number");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--precisions", "FP64"))).hasMessageContaining("'FP64'");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--bogus", "1"))).hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--reps"))).hasMessageContaining("--reps needs a value");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(new String[] {"--model", dir.resolve("none.onnx").toString(), "--input",
                "x", "--out", dir.toString()})).hasMessageContaining("no model file");
    }

    @Test
    void anInputOfAnotherShapeIsRefused() throws Exception {
        Path other = dir.resolve("other.npy");
        Npy.write(other, Tensor.zeros(3, 32, 32));
        assertThatThrownBy(() -> GpuStdBenchmark.readInput(other)).hasMessageContaining("[3, 32, 32]");
        assertThat(GpuStdBenchmark.readInput(Path.of(args()[3])).shape()).containsExactly(3, 224, 224);
    }

    @Test
    void figuresBecomeJsonWithTheOverheadAndErrors() throws Exception {
        GpuStdBenchmark.Settings s = GpuStdBenchmark.parse(args());
        var ok = new GpuStdBenchmark.Figures(Precision.TF32, 256, 12, 7, 1.5f, new double[] {0.3, 0.1, 0.2}, 10.0, 100, 200, null,
                List.of());
        assertThat(ok.medianSeconds()).isEqualTo(0.2);
        assertThat(ok.overhead()).isCloseTo(0.2 / 0.12, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ok.planImagesPerSecond()).isCloseTo(25600, org.assertj.core.data.Offset.offset(1e-9));
        var bad = new GpuStdBenchmark.Figures(Precision.FP16, 0, 0, -1, Float.NaN, new double[0], Double.NaN, 0, 0, "Boom: \"x\"",
                List.of());
        String json = GpuStdBenchmark.json(s, List.of(ok, bad));
        assertThat(json).contains("\"TF32\": {\"batch\": 256").contains("\"overhead\": 1.66667")
                .contains("\"FP16\": {\"error\": \"Boom: \\\"x\\\"\"}");
    }

    @Test
    void incrementalModesLabelAndDryRunParse() throws Exception {
        GpuStdBenchmark.Settings s = GpuStdBenchmark.parse(args());
        assertThat(s.modes()).isEmpty();
        assertThat(s.label()).isEqualTo("gpu-std");
        assertThat(s.dryRun()).isFalse();
        s = GpuStdBenchmark.parse(args("--incremental", "off,ON", "--dry-run", "--label", "vit_b_16"));
        assertThat(s.modes()).containsExactly(Incremental.OFF, Incremental.ON);
        assertThat(s.label()).isEqualTo("vit_b_16");
        assertThat(s.dryRun()).isTrue();
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--incremental", "on,sometimes")))
                .hasMessageContaining("'sometimes' is not one of");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--incremental", "on,on"))).hasMessageContaining("given twice");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--label", "a/b"))).hasMessageContaining("--label takes");
        assertThat(s.device()).isEqualTo("gpu");
        assertThat(GpuStdBenchmark.parse(args("--device", "host")).device()).isEqualTo("host");
        assertThatThrownBy(() -> GpuStdBenchmark.parse(args("--device", "tpu"))).hasMessageContaining("--device is gpu or host");
        // The dry run reads the model: a file that is no ONNX model fails it, with the reason.
        assertThat(GpuStdBenchmark.dryRun(s)).isEqualTo(1);
    }

    @Test
    void incrementalRunsBecomeJsonAndMarkdownRows() throws Exception {
        GpuStdBenchmark.Settings s = GpuStdBenchmark.parse(args("--incremental", "off,on"));
        var off = new IncrementalRuns.ModeRun(Incremental.OFF, 256, 11, new double[] {2.0, 1.0, 3.0},
                new IncrementalStats("off", false, "", 0, 1, 1, Double.NaN, 1, "--incremental off"), 0);
        var on = new IncrementalRuns.ModeRun(Incremental.ON, 256, 11, new double[] {0.5, 0.4, 0.6},
                new IncrementalStats("on", true, "layer2.0.relu", 9, 3.1, 0.3, 2.4, 1, "the cost model's switch point"), 2e-6);
        var f = new GpuStdBenchmark.Figures(Precision.FP32, 256, 11, 3, 1f, off.seconds(), 5.0, 1, 2, null, List.of(off, on));
        String json = GpuStdBenchmark.json(s, List.of(f));
        assertThat(json).contains("\"incremental_modes\": \"[OFF, ON]\"").contains("\"incremental_runs\": {\"off\": {")
                .contains("\"on\": {\"batch\": 256").contains("\"speedup_vs_reference\": 4.00000")
                .contains("\"switch_layer\": \"layer2.0.relu\"").contains("\"measured_speedup\": 2.40000")
                .contains("\"measured_speedup\": null");
        String md = GpuStdBenchmark.incrementalTable(s, List.of(f));
        assertThat(md).contains("| FP32 | on | 256 | 11 | 0.5000 | 5618.0 | 4.00x | yes | layer2.0.relu | 9 | 3.10x | 2.40x | 2.0e-06 |")
                .contains("| FP32 | off | 256 | 11 | 2.0000 | 1404.5 | 1.00x | no | - | 0 | 1.00x | - |");
    }
}
