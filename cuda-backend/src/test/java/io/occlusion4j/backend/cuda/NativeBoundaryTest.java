// Native failures stop at the CUDA back end's boundary: the engine sees its own exceptions, and AUTO falls back.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.BackendException;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.BackendChoice;
import io.occlusion4j.core.BackendProvider;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.cuda.CudaException;
import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.NativeCallException;
import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraryUnavailableException;
import io.occlusion4j.kernels.KernelLauncher;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native errors injected into the real {@link CudaBackendProvider} and {@link CudaBackendSession}: what leaves is a
 * {@link BackendException} naming the call and code, never an {@code io.occlusion4j.cuda} type, and
 * {@link BackendChoice#auto} then runs the CPU back end and says why in one log line.
 */
class NativeBoundaryTest {
    @TempDir
    Path dir;

    private Path model() throws IOException {
        return Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 16, 16, 4, 1).onnx());
    }

    /** Log records of the engine's logger while {@code run} runs. */
    private static List<LogRecord> logged(Runnable run) {
        Logger logger = Logger.getLogger("io.occlusion4j");
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            run.run();
        } finally {
            logger.removeHandler(handler);
        }
        return records;
    }

    @Test
    void aDriverErrorWhenOpeningBecomesABackendExceptionAndAutoFallsBackToTheCpuWithOneLogLine() throws IOException {
        Path model = model();
        CudaBackendProvider provider = new CudaBackendProvider(() -> BackendProvider.Availability.available("injected GPU"),
                () -> {
                    throw new CudaException("cuDevicePrimaryCtxRetain", 100, "no CUDA-capable device is detected");
                });
        assertThatThrownBy(() -> provider.open(model, new BackendProvider.OpenOptions(1, true, true))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.backend()).isEqualTo("cuda");
            assertThat(e.getMessage()).contains("cuDevicePrimaryCtxRetain").contains("CUDA_ERROR_NO_DEVICE")
                    .contains("--backend cpu");
            assertThat(e.getCause()).isInstanceOf(NativeCallException.class);
        });
        BackendChoice[] choice = new BackendChoice[1];
        List<LogRecord> records = logged(() -> choice[0] = BackendChoice.auto(model, 1, true, List.of(provider),
                () -> OrtBackendSession.open(model, 1)));
        try (var session = choice[0].session()) {
            assertThat(session.name()).isEqualTo("cpu");
            assertThat(choice[0].reason()).contains("CUDA_ERROR_NO_DEVICE");
        }
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().getMessage()).contains("back end cpu").contains("CUDA_ERROR_NO_DEVICE");
    }

    @Test
    void aMissingLibraryWhenOpeningIsABackendExceptionToo() throws IOException {
        Path model = model();
        CudaBackendProvider provider = new CudaBackendProvider(() -> BackendProvider.Availability.available("injected GPU"),
                () -> {
                    throw new NativeLibraryUnavailableException(CudaLibrary.NVRTC, "nvrtcVersion", "not found anywhere");
                });
        assertThatThrownBy(() -> provider.open(model, new BackendProvider.OpenOptions(1, true, true))).isInstanceOf(BackendException.class)
                .hasMessageContaining("NVRTC").hasMessageContaining("nvrtcVersion");
        CudaBackendProvider linkage = new CudaBackendProvider(() -> BackendProvider.Availability.available("injected GPU"),
                () -> {
                    throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
                });
        assertThatThrownBy(() -> linkage.open(model, new BackendProvider.OpenOptions(1, true, true))).isInstanceOf(BackendException.class)
                .hasMessageContaining("UnsatisfiedLinkError");
    }

    /** A host device whose kernel launches fail as a GPU's would at a sticky error. */
    private static final class FailingDevice extends DelegatingDevice {
        @Override
        public KernelLauncher launcher(KernelProgram program) {
            return new KernelLauncher() {
                @Override
                public void launch(String kernel, long items, KernelArgs args) {
                    throw new CudaException("cuLaunchKernel", 700, "an illegal memory access was encountered");
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aCudaErrorDuringAnExplanationBecomesABackendExceptionNamingTheCall() throws IOException {
        Path model = model();
        try (CudaBackendSession session = CudaBackendSession.open(model, Precision.FP32, new FailingDevice())) {
            ExplainRequest r = new ExplainRequest(Tensor.zeros(3, 16, 16), Occlusion.builder().window(4, 4)
                    .fill(Fill.constant(0)).outputs(TestModels.OUTPUT).settings(),
                    WindowGrid.of(new int[] {16, 16}, new int[] {4, 4}, new int[] {4, 4}, io.occlusion4j.Edge.CROP, false));
            assertThatThrownBy(() -> session.explain(r)).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.getMessage()).contains("cuLaunchKernel").contains("CUDA_ERROR_ILLEGAL_ADDRESS")
                        .contains(model.toString());
                assertThat(e.getCause()).isInstanceOf(CudaException.class);
            });
        }
    }
}
