// The generated classes match the committed lists, and link lazily without any NVIDIA library.
package io.occlusion4j.cuda.bindings;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class GeneratedBindingsTest {

    private static Class<?> headerClass(String name) throws ClassNotFoundException {
        return Class.forName("io.occlusion4j.cuda.bindings." + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda_h", "nvrtc_h", "cublas_h", "cudnn_h"})
    void everyListedFunctionHasExactlyOneHolderAndEveryConstantItsValue(String header) throws Exception {
        SymbolLists list = SymbolLists.of(header);
        Class<?> type = headerClass(header);
        Set<String> holders = Arrays.stream(type.getDeclaredClasses())
                .map(Class::getSimpleName).filter(n -> !n.equals("Library")).collect(Collectors.toSet());
        Set<String> listed = list.functions().stream().map(SymbolLists.Prototype::name).collect(Collectors.toSet());
        assertThat(holders).isEqualTo(listed);
        for (var constant : list.constants().entrySet()) {
            Field field = type.getField(constant.getKey());
            assertThat(Modifier.isStatic(field.getModifiers())).isTrue();
            assertThat(field.getInt(null)).as(constant.getKey()).isEqualTo(constant.getValue());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda_h", "nvrtc_h", "cublas_h", "cudnn_h"})
    void everyHandleHasTheTypeOfItsDescriptorAndOneParameterPerCParameter(String header) throws Exception {
        Class<?> type = headerClass(header);
        for (SymbolLists.Prototype p : SymbolLists.of(header).functions()) {
            FunctionDescriptor descriptor = (FunctionDescriptor) type.getMethod(p.name() + "$descriptor").invoke(null);
            MethodHandle handle = (MethodHandle) type.getMethod(p.name() + "$handle").invoke(null);
            assertThat(handle.type()).as(p.name()).isEqualTo(descriptor.toMethodType());
            int cParameters = p.parameters().isEmpty() ? 0 : p.parameters().split(",").length;
            assertThat(descriptor.argumentLayouts()).as(p.name()).hasSize(cParameters);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DRIVER", "NVRTC", "CUBLAS", "CUDNN"})
    void aMissingLibraryFailsAtTheCallWithTheLibraryAndTheReason(String name) {
        CudaLibrary library = CudaLibrary.valueOf(name);
        LoadedLibrary loaded = NativeLibraries.load(library);
        assumeFalse(loaded.isFound(), library.displayName() + " is installed here (" + loaded.reason()
                + "): the missing-library path cannot be exercised");
        assertThat(loaded.reason()).contains("not found").contains(library.environmentVariable());
        assertThat(loaded.tried()).isNotEmpty();
        String function = switch (library) {
            case DRIVER -> "cuInit";
            case NVRTC -> "nvrtcVersion";
            case CUBLAS -> "cublasCreate_v2";
            case CUDNN -> "cudnnGetVersion";
        };
        Runnable call = switch (library) {
            case DRIVER -> () -> cuda_h.cuInit(0);
            case NVRTC -> () -> nvrtc_h.nvrtcVersion(MemorySegment.NULL, MemorySegment.NULL);
            case CUBLAS -> () -> cublas_h.cublasCreate_v2(MemorySegment.NULL);
            case CUDNN -> cudnn_h::cudnnGetVersion;
        };
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(NativeLibraryUnavailableException.class, e -> {
                    assertThat(e.library()).isEqualTo(library);
                    assertThat(e.symbol()).isEqualTo(function);
                    assertThat(e.reason()).isEqualTo(loaded.reason());
                })
                .hasMessageContaining(function).hasMessageContaining(library.displayName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"DRIVER", "NVRTC", "CUBLAS", "CUDNN"})
    void addressOfAMissingFunctionRaisesInsteadOfReturningNull(String name) {
        CudaLibrary library = CudaLibrary.valueOf(name);
        assumeFalse(NativeLibraries.load(library).isFound(), library.displayName() + " is installed here");
        Runnable address = switch (library) {
            case DRIVER -> cuda_h::cuMemAlloc_v2$address;
            case NVRTC -> nvrtc_h::nvrtcCompileProgram$address;
            case CUBLAS -> cublas_h::cublasSgemm_v2$address;
            case CUDNN -> cudnn_h::cudnnConvolutionForward$address;
        };
        assertThatThrownBy(address::run).isInstanceOf(NativeLibraryUnavailableException.class);
    }
}
