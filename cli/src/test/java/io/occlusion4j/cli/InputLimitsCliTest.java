package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** explain's pixel limit and batch-of-one tensors, and serve's exit code on SIGTERM. */
class InputLimitsCliTest {
    @TempDir
    Path dir;

    private Path linearModel() throws Exception {
        return Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {8, 8}, 4, 11).onnx());
    }

    @Test
    void anImageOverThePixelLimitIsRefusedUnlessMaxPixelsRaisesIt() throws Exception {
        Path model = linearModel();
        Path big = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(5000, 4000, BufferedImage.TYPE_BYTE_BINARY), "png", big.toFile()); // 20 M pixels
        Cli.Result refused = Cli.run("explain", "--model", model, "--image", big, "--window", 4, "--out-npy", dir.resolve("no.npy"), "--quiet");
        assertThat(refused.code()).as(refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("5000x4000").contains("the limits are 16777216 pixels").contains("--max-pixels");
        Path out = dir.resolve("map.npy");
        Cli.Result raised = Cli.run("explain", "--model", model, "--image", big, "--window", 4, "--max-pixels", 20_000_000,
                "--out-npy", out, "--quiet");
        assertThat(raised.code()).as(raised.err()).isZero();
        assertThat(Npy.read(out).shape()).containsExactly(1, 8, 8);
    }

    @Test
    void anNpySavedAsTheModelTakesItIsExplainedAsItsSample() throws Exception {
        Path model = linearModel();
        float[] x = new float[3 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) / 7f;
        }
        Path sample = dir.resolve("sample.npy");
        Path batch = dir.resolve("batch.npy");
        Npy.write(sample, Tensor.of(x, 3, 8, 8));
        Npy.write(batch, Tensor.of(x, 1, 3, 8, 8));
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        assertThat(Cli.run("explain", "--model", model, "--tensor", sample, "--window", 4, "--out-npy", a, "--quiet").code()).isZero();
        Cli.Result r = Cli.run("explain", "--model", model, "--tensor", batch, "--window", 4, "--out-npy", b, "--out-png",
                dir.resolve("b.png"), "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Npy.read(b).data()).containsExactly(Npy.read(a).data());
        Cli.Result multi = Cli.run("explain", "--model", model, "--tensor", batch, "--multi-scale", "--window", "2,4",
                "--out-npy", dir.resolve("m.npy"), "--quiet");
        assertThat(multi.code()).as(multi.err()).isZero();
    }

    @Test
    void serveExitsZeroOnSigtermAfterACleanDrain() throws Exception {
        Path model = linearModel();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", model.toString(), "--port", "0", "--window", "4").redirectErrorStream(true);
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String uri = null;
            for (int i = 0; i < 200 && uri == null; i++) {
                String line = out.readLine();
                if (line == null) {
                    break;
                }
                int at = line.indexOf(" on http://");
                if (line.startsWith("occlusion4j: serving") && at > 0) {
                    uri = line.substring(at + 4, line.indexOf(' ', at + 4));
                }
            }
            assertThat(uri).as("the server's address on its stdout").isNotNull();
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(uri + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code after SIGTERM").isZero();
        } finally {
            p.destroyForcibly();
        }
    }
}
