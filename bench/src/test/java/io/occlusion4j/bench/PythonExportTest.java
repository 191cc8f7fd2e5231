// The benchmark scripts export ONNX with the TorchScript exporter, which needs nothing the device lacks.
package io.occlusion4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * PyTorch 2.9 made the dynamo exporter {@code torch.onnx.export}'s default; it needs {@code onnxscript}, which
 * the GPU machines do not have, so every export in {@code bench/python} must ask for the TorchScript exporter
 * ({@code dynamo=False}, passed only where the installed torch knows the option).
 */
class PythonExportTest {

    @Test
    void everyOnnxExportAsksForTheTorchScriptExporter() throws IOException {
        Path dir = Path.of("python");
        List<String> calls = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".py")).sorted().toList()) {
                String text = Files.readString(f);
                int at = text.indexOf("torch.onnx.export(");
                while (at >= 0) {
                    String call = callText(text, at + "torch.onnx.export".length());
                    calls.add(f.getFileName() + ": " + call);
                    assertThat(call).as("%s: %s", f.getFileName(), call).contains("**torchscript_exporter()");
                    at = text.indexOf("torch.onnx.export(", at + 1);
                }
                if (text.contains("**torchscript_exporter()")) {
                    assertThat(text).as(f.getFileName().toString()).contains("{\"dynamo\": False}");
                }
            }
        }
        assertThat(calls).as("the exports in %s", dir.toAbsolutePath()).isNotEmpty();
    }

    /** The argument list starting at the '(' at {@code open}, up to its matching ')'. */
    private static String callText(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth == 0) {
                return text.substring(open, i + 1);
            }
        }
        throw new AssertionError("unbalanced call at " + open);
    }
}
