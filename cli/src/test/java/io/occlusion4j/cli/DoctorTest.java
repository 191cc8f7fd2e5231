package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** doctor: Java, the CPU back end (really run), and the CUDA back end's provider report. */
class DoctorTest {
    @Test
    void reportsJavaTheCpuBackEndAndEachGpuLibraryThroughTheCudaProvider() {
        Cli.Result r = Cli.run("doctor");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("java      " + System.getProperty("java.version"))
                .contains(System.getProperty("java.vendor"))
                .contains("cpu       OK: ONNX Runtime 1.");
        // The CLI carries the CUDA back end: its provider answers, whatever this machine has.
        assertThat(r.out()).containsPattern("(?m)^cuda      (AVAILABLE|unavailable): ");
        for (String library : new String[] {"cuda", "nvrtc", "cublas", "cudnn"}) {
            assertThat(r.out()).containsPattern("(?m)^  " + library + " +(found, version \\d+\\.\\d+|MISSING)");
        }
        assertThat(r.out()).containsPattern("(?m)^  device");
        // bin/check hands the tests the real NVRTC, cuBLAS and cuDNN: then doctor names their versions.
        for (String library : new String[] {"NVRTC", "CUBLAS", "CUDNN"}) {
            String given = System.getenv("OCCLUSION4J_" + library + "_LIBRARY");
            String key = library.toLowerCase(java.util.Locale.ROOT);
            if (given != null && !given.isBlank()) {
                assertThat(r.out()).containsPattern("(?m)^  " + key + " +found, version \\d+\\.\\d+");
            }
        }
    }

    @Test
    void versionAndHelp() {
        Cli.Result v = Cli.run("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("occlusion4j ");
        Cli.Result h = Cli.run("explain", "--help");
        assertThat(h.code()).isZero();
        for (String flag : new String[] {"--model", "--image", "--tensor", "--window", "--stride", "--edge", "--fill",
                "--per-channel", "--score", "--output", "--reduce", "--target", "--top-k", "--batch", "--backend", "--size",
                "--mean", "--std", "--bgr", "--layout", "--labels", "--out-png", "--out-npy", "--out-grid-npy", "--out-json",
                "--quiet", "--verbose"}) {
            assertThat(h.out()).contains(flag);
        }
        assertThat(h.out()).contains("Exit codes").doesNotContain("--progress-delay-ms");
    }
}
