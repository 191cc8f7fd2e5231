// Status codes become typed exceptions with the call, the code and its name.
package io.occlusion4j.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class StatusCodesTest {

    @Test
    void theDriverTableIsExactlyCuResultOfTheInstalledHeader() throws Exception {
        Path header = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include", "cuda.h");
        assumeTrue(Files.isRegularFile(header), header + " is absent: cannot compare with CUresult");
        String text = Files.readString(header);
        int start = text.indexOf("typedef enum cudaError_enum");
        int end = text.indexOf("} CUresult;", start);
        assertThat(start).isNotNegative();
        Map<Integer, String> fromHeader = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+(CUDA_[A-Z0-9_]+)\\s*=\\s*(\\d+)").matcher(text.substring(start, end));
        while (m.find()) {
            fromHeader.put(Integer.parseInt(m.group(2)), m.group(1));
        }
        assertThat(fromHeader).hasSizeGreaterThan(50);
        assertThat(StatusCodes.cudaTable()).isEqualTo(fromHeader);
    }

    @Test
    void namesPerLibrary() {
        assertThat(StatusCodes.cuda(2)).isEqualTo("CUDA_ERROR_OUT_OF_MEMORY");
        assertThat(StatusCodes.cuda(700)).isEqualTo("CUDA_ERROR_ILLEGAL_ADDRESS");
        assertThat(StatusCodes.cuda(123456)).isEqualTo("CUDA_ERROR_123456");
        assertThat(StatusCodes.nvrtc(6)).isEqualTo("NVRTC_ERROR_COMPILATION");
        assertThat(StatusCodes.cublas(13)).isEqualTo("CUBLAS_STATUS_EXECUTION_FAILED");
        assertThat(StatusCodes.cudnn(2000)).isEqualTo("CUDNN_STATUS_BAD_PARAM");
        assertThat(StatusCodes.cudnn(3007)).isEqualTo("CUDNN_STATUS_NOT_SUPPORTED(3007)");
        assertThat(StatusCodes.cudnn(42)).isEqualTo("CUDNN_STATUS_42");
    }

    @Test
    void successPassesAndFailureCarriesCallCodeAndName() {
        assertThatCode(() -> CudaException.check(0, "cuInit")).doesNotThrowAnyException();
        // The driver's description is looked up when it is loaded; without it the exception still forms.
        assertThatThrownBy(() -> CudaException.check(2, "cuMemAlloc_v2", "1024 bytes"))
                .isInstanceOfSatisfying(CudaException.class, e -> {
                    assertThat(e.call()).isEqualTo("cuMemAlloc_v2");
                    assertThat(e.code()).isEqualTo(2);
                    assertThat(e.codeName()).isEqualTo("CUDA_ERROR_OUT_OF_MEMORY");
                })
                .hasMessageStartingWith("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)")
                .hasMessageContaining("1024 bytes");
        assertThatThrownBy(() -> CublasException.check(7, "cublasSgemm_v2"))
                .isInstanceOf(CublasException.class)
                .hasMessage("cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7)");
        assertThatThrownBy(() -> CudnnException.check(2000, "cudnnConvolutionForward"))
                .isInstanceOfSatisfying(CudnnException.class, e -> assertThat(e.codeName()).isEqualTo("CUDNN_STATUS_BAD_PARAM"));
    }

    @Test
    void aCompileErrorCarriesTheWholeLog() {
        String log = "kernel.cu(3): error: identifier \"x\" is undefined\n1 error detected";
        NvrtcException e = new NvrtcException("nvrtcCompileProgram", 6, log);
        assertThat(e.log()).isEqualTo(log);
        assertThat(e.getMessage()).startsWith("nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION (6)").endsWith(log);
        assertThat(e).isInstanceOf(NativeCallException.class);
    }
}
