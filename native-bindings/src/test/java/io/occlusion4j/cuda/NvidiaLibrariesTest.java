// The real NVRTC, cuBLAS and cuDNN without a GPU: compiles, versions, descriptors and their limits, typed failures.
package io.occlusion4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs where bin/check found the NVIDIA libraries (org.bytedeco:cuda's redist jar; NVRTC compiles and cuDNN and
 * cuBLAS answer these calls with no GPU and no driver); each test skips, naming the library, where one is missing.
 */
class NvidiaLibrariesTest {
    private static final String SAXPY = "extern \"C\" __global__ void saxpy(float a, const float* x, float* y, int n) {\n"
            + "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i < n) y[i] = a * x[i] + y[i];\n}\n";

    static void assumeLibrary(CudaLibrary library) {
        LoadedLibrary loaded = NativeLibraries.load(library);
        assumeTrue(loaded.isFound(), () -> library.displayName() + " missing (bin/check provides it): " + loaded.reason());
    }

    @Test
    void nvrtcCompilesPtxAndCubinForHopperAndAmpereAndCachesThem(@TempDir Path cache) {
        assumeLibrary(CudaLibrary.NVRTC);
        NvrtcCompiler compiler = NvrtcCompiler.cachingIn(cache);
        for (String arch : List.of("sm_90", "sm_80")) {
            NvrtcCompiler.Compiled ptx = compiler.compile("saxpy.cu", SAXPY, arch, List.of(), NvrtcCompiler.Output.PTX);
            String text = new String(ptx.image(), StandardCharsets.UTF_8);
            assertThat(text).contains(".target " + arch).contains(".entry saxpy(");
            NvrtcCompiler.Compiled cubin = compiler.compile("saxpy.cu", SAXPY, arch, List.of(), NvrtcCompiler.Output.CUBIN);
            byte[] elf = cubin.image();
            assertThat(elf).startsWith(0x7f, 'E', 'L', 'F');
            // e_machine 190 is EM_CUDA; the ELF's flags carry the SM version in their low byte.
            assertThat((elf[18] & 0xff) | (elf[19] & 0xff) << 8).isEqualTo(190);
            assertThat(elf[48] & 0xff).isEqualTo(Integer.parseInt(arch.substring(3)));
            assertThat(cubin.fromCache()).isFalse();
            assertThat(compiler.compile("saxpy.cu", SAXPY, arch, List.of(), NvrtcCompiler.Output.CUBIN).fromCache()).isTrue();
        }
    }

    @Test
    void aCompileErrorCarriesTheWholeLog() {
        assumeLibrary(CudaLibrary.NVRTC);
        String broken = "extern \"C\" __global__ void k(float* x) { x[0] = undefined_name; }";
        assertThatThrownBy(() -> NvrtcCompiler.withoutCache().compile("broken.cu", broken, "sm_90", List.of(),
                NvrtcCompiler.Output.CUBIN)).isInstanceOfSatisfying(NvrtcException.class, e -> {
                    assertThat(e.codeName()).isEqualTo("NVRTC_ERROR_COMPILATION");
                    assertThat(e.log()).contains("undefined_name").contains("broken.cu");
                });
        assertThatThrownBy(() -> NvrtcCompiler.withoutCache().compile("k.cu", SAXPY, "sm_90", List.of("--no-such-option"),
                NvrtcCompiler.Output.PTX)).isInstanceOf(NvrtcException.class);
    }

    @Test
    void versionsAreThoseOfTheRedistribution() {
        assumeLibrary(CudaLibrary.NVRTC);
        assumeLibrary(CudaLibrary.CUBLAS);
        assumeLibrary(CudaLibrary.CUDNN);
        assertThat(NvrtcCompiler.version().major()).isGreaterThanOrEqualTo(12);
        assertThat(CublasHandle.version()).matches("1[2-9]\\.\\d+\\.\\d+");
        assertThat(Cudnn.version()).matches("9\\.\\d+\\.\\d+");
        System.out.println("[nvidia] NVRTC " + NvrtcCompiler.version() + ", cuBLAS " + CublasHandle.version() + ", cuDNN "
                + Cudnn.version());
    }

    /** cuDNN takes a tensor of fewer than 2^31 elements only: the CUDA plan caps its batch by that. */
    @Test
    void cudnnRefusesATensorOfTwoToTheThirtyOneElements() {
        assumeLibrary(CudaLibrary.CUDNN);
        try (CudnnTensorDescriptor ok = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 127, 64, 512, 512)) {
            assertThat(ok.byteSize()).isEqualTo(4L * 127 * 64 * 512 * 512);
        }
        assertThatThrownBy(() -> CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 128, 64, 512, 512))
                .isInstanceOfSatisfying(CudnnException.class, e -> {
                    assertThat(e.codeName()).isEqualTo("CUDNN_STATUS_NOT_SUPPORTED");
                    assertThat(e.call()).isEqualTo("cudnnSetTensorNdDescriptor");
                });
    }

    @Test
    void badDescriptorsRaiseTypedExceptions() {
        assumeLibrary(CudaLibrary.CUDNN);
        assertThatThrownBy(() -> CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 1, -3, 8, 8))
                .isInstanceOfSatisfying(CudnnException.class, e -> assertThat(e.codeName()).startsWith("CUDNN_STATUS_BAD_PARAM"));
        assertThatThrownBy(() -> CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, 0, 3, 3, 3))
                .isInstanceOf(CudnnException.class);
        assertThatThrownBy(() -> CudnnConvolutionDescriptor.of(new int[] {1, 1}, new int[] {0, 1}, new int[] {1, 1},
                Cudnn.DataType.FLOAT)).isInstanceOf(CudnnException.class);
        try (CudnnTensorDescriptor x = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 2, 3, 16, 16);
             CudnnFilterDescriptor fourChannels = CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, 8, 4, 3, 3);
             CudnnConvolutionDescriptor conv = CudnnConvolutionDescriptor.of(new int[] {1, 1}, new int[] {1, 1},
                     new int[] {1, 1}, Cudnn.DataType.FLOAT)) {
            assertThatThrownBy(() -> conv.outputDims(x, fourChannels)).isInstanceOfSatisfying(CudnnException.class,
                    e -> assertThat(e.call()).isEqualTo("cudnnGetConvolutionNdForwardOutputDim"));
        }
    }

    @Test
    void convolutionOutputDimsFollowPaddingStrideDilationAndGroups() {
        assumeLibrary(CudaLibrary.CUDNN);
        try (CudnnTensorDescriptor x = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 4, 6, 33, 20);
             CudnnFilterDescriptor w = CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, 12, 3, 5, 3);
             CudnnConvolutionDescriptor conv = CudnnConvolutionDescriptor.of(new int[] {2, 1}, new int[] {2, 3},
                     new int[] {2, 1}, Cudnn.DataType.FLOAT)) {
            conv.setGroupCount(2);
            // H: (33 + 4 - (2 * 4 + 1)) / 2 + 1 = 15; W: (20 + 2 - 3) / 3 + 1 = 7.
            assertThat(conv.outputDims(x, w)).containsExactly(4, 12, 15, 7);
            conv.setMathType(Cudnn.MathType.of(Cudnn.MathType.TENSOR_OP.value));
        }
    }
}
