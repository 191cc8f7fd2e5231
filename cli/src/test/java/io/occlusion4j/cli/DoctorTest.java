package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** doctor: Java, the CPU back end (really run), and the GPU probe's absence from this build. */
class DoctorTest {
    @Test
    void reportsJavaTheCpuBackEndAndTheGpuProbe() {
        Cli.Result r = Cli.run("doctor");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("java      " + System.getProperty("java.version"))
                .contains(System.getProperty("java.vendor"))
                .contains("cpu       OK: ONNX Runtime 1.");
        boolean probeOnClassPath;
        try {
            Class.forName(DoctorCommand.PROBE_CLASS);
            probeOnClassPath = true;
        } catch (ClassNotFoundException e) {
            probeOnClassPath = false;
        }
        if (probeOnClassPath) {
            assertThat(r.out()).contains("cuda").contains("nvrtc").contains("cublas").contains("cudnn").contains("devices");
        } else {
            assertThat(r.out()).contains("GPU probe not available in this build");
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
