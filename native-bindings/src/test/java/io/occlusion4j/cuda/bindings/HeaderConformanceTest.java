// Compiles a small C program against the real headers: prototypes, constants, struct sizes and offsets.
package io.occlusion4j.cuda.bindings;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * For each header class: every bound prototype is assigned to a pointer of the header's own function
 * type (a mismatch fails the compile under -Werror), every constant and every struct size and field
 * offset is printed by the C compiler and compared with the Java side. Skips, naming what is absent,
 * where gcc or the header is missing (cudnn.h usually is, outside a cuDNN developer install).
 */
class HeaderConformanceTest {

    static List<Path> includeDirectories() {
        List<Path> dirs = new ArrayList<>();
        String cudaHome = System.getenv("CUDA_HOME");
        if (cudaHome != null) {
            dirs.add(Path.of(cudaHome, "include"));
        }
        String extra = System.getenv("OCCLUSION4J_INCLUDE");
        if (extra != null) {
            for (String p : extra.split(":")) {
                dirs.add(Path.of(p));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/include"));
        dirs.add(Path.of("/usr/include"));
        dirs.add(Path.of("/usr/include/x86_64-linux-gnu"));
        return dirs;
    }

    static Optional<Path> findHeader(String header) {
        return includeDirectories().stream().filter(d -> Files.isRegularFile(d.resolve(header))).findFirst();
    }

    static Optional<Path> gcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "gcc");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda_h", "nvrtc_h", "cublas_h", "cudnn_h"})
    void bindingsAgreeWithTheHeader(String headerClass, @TempDir Path work) throws Exception {
        SymbolLists list = SymbolLists.of(headerClass);
        Optional<Path> gcc = gcc();
        assumeTrue(gcc.isPresent(), "gcc is not on the PATH: cannot compile the header check");
        Optional<Path> include = findHeader(list.header());
        assumeTrue(include.isPresent(), list.header() + " not found in " + includeDirectories()
                + " (set CUDA_HOME or OCCLUSION4J_INCLUDE): header check skipped");

        List<SymbolLists.Struct> structs = SymbolLists.structs().stream()
                .filter(s -> s.header().equals(list.header())).toList();
        StringBuilder c = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n#include <")
                .append(list.header()).append(">\n");
        for (SymbolLists.Prototype p : list.functions()) {
            String params = p.parameters().isEmpty() ? "void" : p.parameters();
            // A compile-time comparison: nothing is linked, so no NVIDIA library is needed to run it.
            c.append("_Static_assert(__builtin_types_compatible_p(__typeof__(&").append(p.name()).append("), ")
                    .append(p.returnType()).append(" (*)(").append(params).append(")), \"")
                    .append(p.name()).append(" is bound with a prototype the header does not declare\");\n");
        }
        c.append("int main(void) {\n");
        for (String constant : list.constants().keySet()) {
            c.append("  printf(\"const ").append(constant).append(" %lld\\n\", (long long) (").append(constant).append("));\n");
        }
        for (SymbolLists.Struct s : structs) {
            c.append("  printf(\"sizeof ").append(s.name()).append(" %zu\\n\", sizeof(").append(s.name()).append("));\n");
            for (String field : s.fields()) {
                c.append("  printf(\"offset ").append(s.name()).append('.').append(field).append(" %zu\\n\", offsetof(")
                        .append(s.name()).append(", ").append(field).append("));\n");
            }
        }
        c.append("  return 0;\n}\n");
        Path source = work.resolve("check.c");
        Files.writeString(source, c);
        Path binary = work.resolve("check");
        Process compile = new ProcessBuilder(gcc.get().toString(), "-std=c11", "-Wall", "-Werror",
                "-Wno-unused-variable", "-I" + include.get(), "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String compileOutput = read(compile);
        if (compile.exitValue() != 0) {
            fail("the bound prototypes or names disagree with " + list.header() + ":\n" + compileOutput);
        }
        Process run = new ProcessBuilder(binary.toString()).redirectErrorStream(true).start();
        String output = read(run);
        assertThat(run.exitValue()).isZero();

        Map<String, Long> values = new HashMap<>();
        for (String line : output.lines().toList()) {
            String[] parts = line.split(" ");
            values.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
        }
        for (var constant : list.constants().entrySet()) {
            assertThat(values.get("const " + constant.getKey())).as(constant.getKey())
                    .isEqualTo(constant.getValue().longValue());
        }
        for (SymbolLists.Struct s : structs) {
            Class<?> type = Class.forName("io.occlusion4j.cuda.bindings." + s.name());
            GroupLayout layout = (GroupLayout) type.getMethod("layout").invoke(null);
            assertThat(layout.byteSize()).as("sizeof " + s.name()).isEqualTo(values.get("sizeof " + s.name()));
            for (String field : s.fields()) {
                long javaOffset = layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
                long constantOffset = type.getField(field + "$OFFSET").getLong(null);
                long cOffset = values.get("offset " + s.name() + "." + field);
                assertThat(javaOffset).as(s.name() + "." + field).isEqualTo(cOffset);
                assertThat(constantOffset).as(s.name() + "." + field + "$OFFSET").isEqualTo(cOffset);
            }
        }
    }

    private static String read(Process process) throws IOException, InterruptedException {
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("timed out");
        }
        return out;
    }
}
