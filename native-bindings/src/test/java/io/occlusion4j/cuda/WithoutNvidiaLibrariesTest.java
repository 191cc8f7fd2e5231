// Where the NVIDIA libraries are missing, every entry into them fails with a typed exception naming what and why.
package io.occlusion4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;
import io.occlusion4j.cuda.bindings.NativeLibraryUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The negative paths: runs in native-bindings' {@code without-nvidia-libraries} test run (and in any run on a
 * machine without them); skipped, saying so, where the libraries are present.
 */
class WithoutNvidiaLibrariesTest {

    private static void assumeMissing(CudaLibrary library) {
        assumeFalse(NativeLibraries.load(library).isFound(), () -> library.displayName()
                + " is present here; the run without the NVIDIA libraries (native-bindings' without-nvidia-libraries) "
                + "checks its absence");
    }

    @Test
    void callsIntoAMissingNvrtcSayWhichLibraryAndHowToPointAtIt() {
        assumeMissing(CudaLibrary.NVRTC);
        assertThatThrownBy(NvrtcCompiler::version).isInstanceOfSatisfying(NativeLibraryUnavailableException.class, e -> {
            assertThat(e.library()).isEqualTo(CudaLibrary.NVRTC);
            assertThat(e.symbol()).isEqualTo("nvrtcVersion");
            assertThat(e.getMessage()).contains("NVRTC").contains("OCCLUSION4J_NVRTC_LIBRARY");
        });
        assertThatThrownBy(() -> NvrtcCompiler.withoutCache().compile("k.cu", "", "sm_90", List.of(),
                NvrtcCompiler.Output.CUBIN)).isInstanceOf(NativeLibraryUnavailableException.class);
    }

    @Test
    void callsIntoAMissingCudnnOrCublasSayWhich() {
        assumeMissing(CudaLibrary.CUDNN);
        assumeMissing(CudaLibrary.CUBLAS);
        assertThatThrownBy(Cudnn::version).isInstanceOfSatisfying(NativeLibraryUnavailableException.class,
                e -> assertThat(e.library()).isEqualTo(CudaLibrary.CUDNN));
        assertThatThrownBy(() -> CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 1, 1, 1, 1))
                .isInstanceOf(NativeLibraryUnavailableException.class);
        assertThatThrownBy(CublasHandle::version).isInstanceOfSatisfying(NativeLibraryUnavailableException.class,
                e -> assertThat(e.getMessage()).contains("cuBLAS"));
    }

    @Test
    void theProbeReportsEachMissingLibraryWithWhatItTried() {
        assumeMissing(CudaLibrary.NVRTC);
        NativeProbe.ProbeReport report = NativeProbe.probe();
        NativeProbe.LibraryReport nvrtc = report.libraries().stream().filter(r -> r.library().equals("nvrtc")).findFirst()
                .orElseThrow();
        assertThat(nvrtc.found()).isFalse();
        assertThat(nvrtc.reason()).contains("not found").contains("-Docclusion4j.nvrtc.library");
        assertThat(nvrtc.tried()).isNotEmpty();
        assertThat(report.render()).contains("MISSING");
    }
}
