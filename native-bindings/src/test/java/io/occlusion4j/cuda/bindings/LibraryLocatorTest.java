// The search order and the readable trail of library discovery, with fake environments.
package io.occlusion4j.cuda.bindings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LibraryLocatorTest {

    /** A real shared library to stand in for an NVIDIA one: the locator only needs something loadable. */
    private static Optional<Path> anyLoadableLibrary() {
        return List.of("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/lib64/libm.so.6",
                        "/usr/lib64/libm.so.6", "/lib/aarch64-linux-gnu/libm.so.6")
                .stream().map(Path::of).filter(Files::isRegularFile).findFirst();
    }

    private static LibraryLocator locator(Map<String, String> properties, Map<String, String> environment,
                                          List<Path> cudaRoots, List<Path> sites) {
        return new LibraryLocator(properties::get, environment::get, () -> cudaRoots, () -> sites);
    }

    private static void assumeNotOnLoaderPath(CudaLibrary library) {
        LoadedLibrary real = locator(Map.of(), Map.of(), List.of(), List.of()).locate(library);
        assumeFalse(real.isFound(), library.displayName() + " is on this machine's loader path: "
                + "the fake folders would never be reached");
    }

    @Test
    void nothingFoundGivesOneReasonPerStep() {
        assumeNotOnLoaderPath(CudaLibrary.CUBLAS);
        LoadedLibrary result = locator(Map.of(), Map.of(), List.of(), List.of()).locate(CudaLibrary.CUBLAS);
        assertThat(result.isFound()).isFalse();
        assertThat(result.path()).isEmpty();
        assertThat(result.reason())
                .startsWith("cuBLAS not found")
                .contains("-Docclusion4j.cublas.library", "$OCCLUSION4J_CUBLAS_LIBRARY")
                .contains("libcublas.so.13", "not on the loader path")
                .contains("no /usr/local/cuda* folder")
                .contains("no python3 on the PATH");
        assertThat(result.tried()).contains("libcublas.so.13: not on the loader path");
    }

    @Test
    void anExplicitPathThatDoesNotExistIsReportedAndTheSearchGoesOn(@TempDir Path dir) {
        assumeNotOnLoaderPath(CudaLibrary.NVRTC);
        Path missing = dir.resolve("libnvrtc.so.13");
        LoadedLibrary result = locator(Map.of("occlusion4j.nvrtc.library", missing.toString()), Map.of(),
                List.of(), List.of()).locate(CudaLibrary.NVRTC);
        assertThat(result.isFound()).isFalse();
        assertThat(result.tried().getFirst()).isEqualTo(missing + ": no such file");
        assertThat(result.reason()).contains("the explicit path " + missing + " did not load");
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentVariable(@TempDir Path dir) throws IOException {
        Path library = anyLoadableLibrary().orElse(null);
        assumeTrue(library != null, "no libm.so.6 to stand in for a CUDA library");
        Path viaProperty = Files.createSymbolicLink(dir.resolve("libcudnn.so.9"), library);
        LoadedLibrary result = locator(Map.of("occlusion4j.cudnn.library", viaProperty.toString()),
                Map.of("OCCLUSION4J_CUDNN_LIBRARY", dir.resolve("elsewhere.so").toString()),
                List.of(), List.of()).locate(CudaLibrary.CUDNN);
        assertThat(result.isFound()).isTrue();
        assertThat(result.path()).contains(viaProperty);
        assertThat(result.reason()).contains("explicit path");
    }

    @Test
    void aBrokenCandidateIsRecordedAndAPythonWheelFolderIsFoundAfterTheToolkit(@TempDir Path dir) throws IOException {
        assumeNotOnLoaderPath(CudaLibrary.CUBLAS);
        Path library = anyLoadableLibrary().orElse(null);
        assumeTrue(library != null, "no libm.so.6 to stand in for a CUDA library");
        Path toolkit = Files.createDirectories(dir.resolve("cuda-13.0/lib64"));
        Path broken = Files.writeString(toolkit.resolve("libcublas.so.13"), "not an ELF file");
        Path wheel = Files.createDirectories(dir.resolve("site-packages/nvidia/cublas/lib"));
        Path good = Files.createSymbolicLink(wheel.resolve("libcublas.so.13"), library);
        Files.createSymbolicLink(wheel.resolve("libcublasLt.so.13"), library);

        LoadedLibrary result = locator(Map.of(), Map.of(), List.of(dir.resolve("cuda-13.0")),
                List.of(dir.resolve("site-packages"))).locate(CudaLibrary.CUBLAS);

        assertThat(result.isFound()).isTrue();
        assertThat(result.path()).contains(good);
        assertThat(result.reason()).contains("Python wheel folder").doesNotContain("did not load");
        assertThat(result.tried()).anySatisfy(t -> assertThat(t).startsWith(broken + ": failed to load"));
        assertThat(result.tried().getLast()).isEqualTo(good + ": loaded");
    }

    @Test
    void wheelFoldersAreTheLibFoldersOfEveryNvidiaPackage(@TempDir Path site) throws IOException {
        Files.createDirectories(site.resolve("nvidia/cudnn/lib"));
        Files.createDirectories(site.resolve("nvidia/cuda_nvrtc/lib"));
        Files.createDirectories(site.resolve("nvidia/cublas/include"));
        assertThat(LibraryLocator.nvidiaWheelLibFolders(site)).containsExactly(
                site.resolve("nvidia/cuda_nvrtc/lib"), site.resolve("nvidia/cudnn/lib"));
        assertThat(LibraryLocator.nvidiaWheelLibFolders(site.resolve("absent"))).isEmpty();
    }

    @Test
    void toolkitRootsPutTheUnversionedLinkFirstThenTheNewest(@TempDir Path local) throws IOException {
        for (String name : List.of("cuda-12.4", "cuda", "cuda-13.0", "lib")) {
            Files.createDirectories(local.resolve(name));
        }
        assertThat(LibraryLocator.cudaRootsUnder(local)).containsExactly(
                local.resolve("cuda"), local.resolve("cuda-13.0"), local.resolve("cuda-12.4"));
    }

    @Test
    void fileNamesMatchTheLibraryButNotItsCompanions() {
        assertThat(CudaLibrary.CUBLAS.matchesFileName("libcublas.so.13.0.2")).isTrue();
        assertThat(CudaLibrary.CUBLAS.matchesFileName("libcublasLt.so.13")).isFalse();
        assertThat(CudaLibrary.CUBLAS.isCompanion("libcublasLt.so.13")).isTrue();
        assertThat(CudaLibrary.NVRTC.matchesFileName("libnvrtc-builtins.so.13.0")).isFalse();
        assertThat(CudaLibrary.NVRTC.isCompanion("libnvrtc-builtins.so.13.0")).isTrue();
        assertThat(CudaLibrary.CUDNN.isCompanion("libcudnn_cnn.so.9")).isTrue();
        assertThat(CudaLibrary.DRIVER.matchesFileName("libcuda.so.580.65.06")).isTrue();
    }
}
