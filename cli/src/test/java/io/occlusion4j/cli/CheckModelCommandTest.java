package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check-model} through the command line, with the CUDA back end found at run time as the CLI finds it (the
 * CLI compiles against none of it): a supported model passes with its differences reported, a model with an
 * unsupported operator fails naming the node and the reason, bad arguments are usage errors, and the JSON form has
 * the documented fields.
 */
class CheckModelCommandTest {
    @TempDir
    Path dir;

    private Path smallCnn() throws IOException {
        return Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 32, 32, 10, 1).onnx());
    }

    /** Conv 3 -> 8 -> Sin -> Relu -> Cos: two nodes the plan lacks (no trigonometric kernels). */
    private Path withUnsupported() throws IOException {
        OnnxGraphBuilder g = new OnnxGraphBuilder("sin_cos")
                .input("x", List.of(Dim.sym("N"), Dim.of(3), Dim.of(8), Dim.of(8)))
                .floatInitializer("w", new long[] {8, 3, 3, 3}, new float[8 * 27]);
        g.node("Conv").name("conv").inputs("x", "w").outputs("a").intsAttr("pads", 1, 1, 1, 1).add()
                .node("Sin").name("sin").inputs("a").outputs("b").add()
                .node("Relu").name("relu").inputs("b").outputs("c").add()
                .node("Cos").name("cos").inputs("c").outputs("y").add();
        g.output("y");
        return Files.write(dir.resolve("sin_cos.onnx"), g.toBytes());
    }

    @Test
    void aSupportedModelPassesWithItsDifferencesReported() throws IOException {
        Cli.Result r = Cli.run("check-model", smallCnn(), "--batch", 2);
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("device     host (the kernels' host build")
                .contains("inputs     input [2, 3, 32, 32]")
                .contains("operators  8 nodes: ")
                .contains("Conv 2")
                .contains("support    every node runs on the CUDA plan")
                .contains("io.occlusion4j.FusedConv 0 -> 2")
                .containsPattern("fp32       PASS max \\|diff\\| \\d\\.\\d\\de-\\d\\d vs ONNX Runtime on 'logits'")
                .containsPattern("fp16       PASS max \\|diff\\| [0-9.e+-]+ vs ONNX Runtime on 'logits'.*simulated fp16")
                .contains("verdict    runs on the CUDA back end");
    }

    @Test
    void aModelWithAnUnsupportedOperatorFailsNamingTheNodeAndTheReason() throws IOException {
        Cli.Result r = Cli.run("check-model", withUnsupported());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("support    2 node(s) the CUDA plan cannot run:")
                .contains("node 'sin' (Sin): no Sin in the CUDA plan's operator set")
                .contains("node 'cos' (Cos): ")
                .contains("operators  4 nodes: Conv 1, Cos 1, Relu 1, Sin 1")
                .contains("verdict    does not run on the CUDA back end (2 unsupported node(s))")
                .doesNotContain("fp32       ");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void badArgumentsAreUsageErrorsNamingTheFlag() throws IOException {
        Path m = smallCnn();
        Cli.Result size = Cli.run("check-model", m, "--size", "224by224");
        assertThat(size.code()).isEqualTo(2);
        assertThat(size.err()).contains("invalid value for --size '224by224'").contains("HEIGHTxWIDTH");
        Cli.Result batch = Cli.run("check-model", m, "--batch", 0);
        assertThat(batch.code()).isEqualTo(2);
        assertThat(batch.err()).contains("invalid value for --batch '0'");
        Cli.Result none = Cli.run("check-model");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("MODEL.onnx");
        Cli.Result missing = Cli.run("check-model", dir.resolve("nothing.onnx"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nothing.onnx is not a file");
        Cli.Result device = Cli.run("check-model", m, "--device", "tpu");
        assertThat(device.code()).isEqualTo(2);
        assertThat(device.err()).contains("invalid value for --device 'tpu': expected host or gpu");
        Cli.Result wrongSize = Cli.run("check-model", m, "--size", "64x64");
        assertThat(wrongSize.code()).isEqualTo(1);
        assertThat(wrongSize.err()).contains("input 'input' has the fixed shape").contains("--size 64x64 does not fit it");
    }

    @Test
    void jsonCarriesTheDocumentedFields() throws IOException {
        Cli.Result ok = Cli.run("check-model", smallCnn(), "--json");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(ok.out());
        assertThat(j.get("backend").asText()).isEqualTo("cuda");
        assertThat(j.get("device").asText()).startsWith("host");
        assertThat(j.get("supported").asBoolean()).isTrue();
        assertThat(j.get("passed").asBoolean()).isTrue();
        assertThat(j.get("inputs").get("input")).hasSize(4);
        assertThat(j.get("nodes").asInt()).isEqualTo(8);
        assertThat(j.get("operators").get("Conv").asInt()).isEqualTo(2);
        assertThat(j.get("steps").asInt()).isBetween(1, 8);
        assertThat(j.get("rewrites").isArray()).isTrue();
        assertThat(j.get("lowering").get("cuDNN convolutions").asInt()).isEqualTo(2);
        assertThat(j.get("unsupported")).isEmpty();
        JsonNode fp32 = j.get("fp32");
        assertThat(fp32.get("passed").asBoolean()).isTrue();
        assertThat(fp32.get("maxDifference").asDouble()).isLessThanOrEqualTo(1e-4 * fp32.get("outputRange").asDouble());
        assertThat(fp32.get("output").asText()).isEqualTo("logits");
        assertThat(fp32.get("hostMillis").asDouble()).isPositive();
        JsonNode fp16 = j.get("fp16");
        assertThat(fp16.get("passed").asBoolean()).isTrue();
        assertThat(fp16.get("simulatedDifference").asDouble()).isPositive();
        assertThat(fp16.get("bound").asDouble()).isGreaterThanOrEqualTo(2 * fp16.get("simulatedDifference").asDouble());
        assertThat(fp16.get("top1Changed").asInt()).isZero();
        assertThat(j.get("notes").isArray()).isTrue();

        Cli.Result bad = Cli.run("check-model", withUnsupported(), "--json");
        assertThat(bad.code()).isEqualTo(1);
        JsonNode b = new ObjectMapper().readTree(bad.out());
        assertThat(b.get("supported").asBoolean()).isFalse();
        assertThat(b.get("passed").asBoolean()).isFalse();
        assertThat(b.get("fp32").isNull()).isTrue();
        assertThat(b.get("unsupported")).hasSize(2);
        assertThat(b.get("unsupported").get(0).get("node").asText()).isEqualTo("sin");
        assertThat(b.get("unsupported").get(0).get("operator").asText()).isEqualTo("Sin");
        assertThat(b.get("unsupported").get(0).get("reason").asText()).isNotBlank();
    }
}
