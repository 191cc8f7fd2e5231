package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** serve's flags: bad defaults are usage errors (exit 2) before any model is loaded or port bound. */
class ServeCommandTest {
    @Test
    void negativeWindowIsAUsageError() {
        Cli.Result r = Cli.run("serve", "--model", "no-such.onnx", "--window", "-3");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("--window").contains("positive");
    }

    @Test
    void badFillAndTargetTogetherWithTopK() {
        assertThat(Cli.run("serve", "--model", "m.onnx", "--fill", "purple").err()).contains("--fill");
        Cli.Result r = Cli.run("serve", "--model", "m.onnx", "--target", "1", "--top-k", "2");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("mutually exclusive");
    }

    @Test
    void missingModelIsARuntimeError() {
        Cli.Result r = Cli.run("serve", "--model", "no-such.onnx", "--port", "0");
        assertThat(r.code()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(r.err()).contains("no-such.onnx");
    }

    @Test
    void helpListsTheServerFlags() {
        Cli.Result r = Cli.run("serve", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--port").contains("--host").contains("--token-file").contains("--queue").contains("--window");
    }
}
