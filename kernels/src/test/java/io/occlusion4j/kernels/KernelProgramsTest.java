// Every kernel program through the real NVRTC, as the back end compiles it, without a GPU.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both {@link KernelProgram}s compiled by NVRTC ({@code bin/check} provides NVRTC 12.6 from org.bytedeco:cuda's
 * redist jar) for Hopper and Ampere, to PTX and to CUBIN, through {@link KernelProgram#compile} and the compiler's
 * disk cache: the run-time path, so a compile error never waits for a GPU. The PTX entry points' parameter lists
 * must be exactly the launch tables' rows, and the CUBIN must be an sm_XX ELF that holds every kernel.
 */
class KernelProgramsTest {
    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param \\.(\\w+)");

    @TempDir
    static Path cache;

    @BeforeAll
    static void requireNvrtc() {
        LoadedLibrary nvrtc = NativeLibraries.load(CudaLibrary.NVRTC);
        assumeTrue(nvrtc.isFound(), () -> "NVRTC missing (bin/check provides it): " + nvrtc.reason());
    }

    static List<Arguments> programs() {
        List<Arguments> out = new ArrayList<>();
        for (KernelProgram p : KernelProgram.values()) {
            for (String arch : List.of("sm_90", "sm_80")) {
                out.add(Arguments.of(p, arch));
            }
        }
        return out;
    }

    /** The entry points of a PTX text with the kinds of their parameters (pointers and 64-bit ints are both .u64). */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                types.add(p.group(1));
            }
            out.put(m.group(1), types);
        }
        return out;
    }

    private static String ptxType(Kind kind) {
        return switch (kind) {
            case POINTER, I64 -> "u64";
            case I32 -> "u32";
            case F32 -> "f32";
            case F64 -> "f64";
        };
    }

    @ParameterizedTest(name = "{0} for {1}")
    @MethodSource("programs")
    void compilesToPtxWhoseEntriesAreTheLaunchTableAndToCubin(KernelProgram program, String arch) {
        NvrtcCompiler compiler = NvrtcCompiler.cachingIn(cache);
        NvrtcCompiler.Compiled ptx = program.compile(compiler, arch, NvrtcCompiler.Output.PTX);
        String text = new String(ptx.image(), StandardCharsets.UTF_8);
        assertThat(text).contains(".target " + arch);
        Map<String, List<String>> entries = entries(text);
        Map<String, Kind[]> table = program.signatures();
        assertThat(entries.keySet()).as("kernels of %s", program).containsExactlyInAnyOrderElementsOf(table.keySet());
        table.forEach((name, kinds) -> assertThat(entries.get(name)).as("%s parameters", name)
                .containsExactlyElementsOf(java.util.Arrays.stream(kinds).map(KernelProgramsTest::ptxType).toList()));

        NvrtcCompiler.Compiled cubin = program.compile(compiler, arch, NvrtcCompiler.Output.CUBIN);
        byte[] elf = cubin.image();
        assertThat(elf).startsWith(0x7f, 'E', 'L', 'F');
        assertThat((elf[18] & 0xff) | (elf[19] & 0xff) << 8).as("e_machine EM_CUDA").isEqualTo(190);
        assertThat(elf[48] & 0xff).as("SM version in e_flags").isEqualTo(Integer.parseInt(arch.substring(3)));
        String symbols = new String(elf, StandardCharsets.ISO_8859_1);
        for (String name : table.keySet()) {
            assertThat(symbols).as("cubin symbol %s", name).contains(name + "\0");
        }
        assertThat(program.compile(compiler, arch, NvrtcCompiler.Output.CUBIN).fromCache()).isTrue();
        System.out.println("[nvrtc] " + program + " " + arch + ": " + table.size() + " kernels, PTX " + ptx.image().length
                + " B, CUBIN " + elf.length + " B");
    }
}
