// The CLI carries the CUDA back end: without a GPU, --backend cuda says so in one line and auto runs on the CPU;
// on the host device (the back end's operations on the CPU) it runs, checks itself and says so in the JSON.
package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Tensor;
import io.occlusion4j.core.BackendChoice;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaBackendCliTest {
    /** The CUDA provider's switch to its host device ({@code CudaBackendProvider.DEVICE_PROPERTY}). */
    private static final String DEVICE = "occlusion4j.cuda.device";

    @TempDir
    static Path dir;
    static Path model;
    static Path input;

    @BeforeAll
    static void files() throws IOException {
        model = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 12, 12, 4, 3).onnx());
        float[] x = new float[3 * 12 * 12];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        input = dir.resolve("x.npy");
        Npy.write(input, Tensor.of(x, 3, 12, 12));
    }

    private static BackendProvider cuda() {
        return BackendChoice.discover().stream().filter(p -> p.name().equals("cuda")).findFirst().orElseThrow();
    }

    private static JsonNode explain(String backend, String... more) throws IOException {
        Path json = Files.createTempFile(dir, "map", ".json");
        String[] args = {"explain", "--model", model.toString(), "--tensor", input.toString(), "--window", "4", "--stride", "4",
            "--backend", backend, "--out-json", json.toString(), "--quiet"};
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        Cli.Result r = Cli.run((Object[]) all);
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void withoutAGpuBackendCudaFailsWithOneLineAndAutoRunsOnTheCpu() throws IOException {
        assumeFalse(cuda().probe().available(), "this machine has a GPU: the no-GPU answers cannot be shown here");
        Cli.Result r = Cli.run("explain", "--model", model.toString(), "--tensor", input.toString(), "--window", "4",
                "--backend", "cuda");
        assertThat(r.code()).isEqualTo(Main.EXIT_RUNTIME);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("no GPU or NVIDIA driver found").contains("--backend cpu");
        JsonNode auto = explain("auto");
        assertThat(auto.get("backend").asText()).isEqualTo("cpu");
        assertThat(auto.has("verified")).as("the CPU back end is the reference itself").isFalse();
    }

    @Test
    void onTheHostDeviceBackendCudaChecksItselfAgainstOnnxRuntimeAndTheJsonSaysSo() throws IOException {
        System.setProperty(DEVICE, "host");
        try {
            JsonNode checked = explain("cuda");
            assertThat(checked.get("backend").asText()).isEqualTo("cuda");
            assertThat(checked.get("device").asText()).startsWith("host");
            assertThat(checked.get("verified").asBoolean()).isTrue();
            assertThat(checked.get("verification").asText()).startsWith("verified against ONNX Runtime");
            JsonNode unchecked = explain("cuda", "--no-verify");
            assertThat(unchecked.get("verified").asBoolean()).isFalse();
            assertThat(unchecked.get("verification").asText()).contains("--no-verify");
            assertThat(explain("auto").get("backend").asText()).as("auto takes the available CUDA back end").isEqualTo("cuda");
        } finally {
            System.clearProperty(DEVICE);
        }
    }
}
