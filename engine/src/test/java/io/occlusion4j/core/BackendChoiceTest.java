package io.occlusion4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.ModelSignature;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.UnsupportedModelException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The AUTO / CUDA choice of Occlusion.Builder.build(), with stand-in providers (no GPU needed). */
class BackendChoiceTest {
    private static final Path MODEL = Path.of("model.onnx");

    private record Fake(String name, String device) implements BackendSession {
        @Override
        public ModelSignature signature() {
            return new ModelSignature("x", new long[] {-1, 3}, List.of());
        }

        @Override
        public SensitivityMap explain(ExplainRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private record Provider(BackendProvider.Availability availability, Supplier<BackendSession> session)
            implements BackendProvider {
        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public Availability probe() {
            return availability;
        }

        @Override
        public BackendSession open(Path model, OpenOptions options) {
            OPENED.add(options);
            return session.get();
        }
    }

    private static final Supplier<BackendSession> CPU = () -> new Fake("cpu", "test CPU");
    private static final List<BackendProvider.OpenOptions> OPENED = new java.util.ArrayList<>();

    @Test
    void autoWithoutAProviderPicksTheCpuAndSaysWhy() {
        BackendChoice c = BackendChoice.auto(MODEL, 0, true, List.of(), CPU);
        assertThat(c.session().name()).isEqualTo("cpu");
        assertThat(c.reason()).contains("no CUDA back end on the class path");
    }

    @Test
    void autoWithoutAGpuPicksTheCpuWithTheProbesReason() {
        BackendChoice c = BackendChoice.auto(MODEL, 0, true, List.of(new Provider(
                BackendProvider.Availability.unavailable("no CUDA device (the driver is missing)"), () -> {
                    throw new AssertionError("must not open");
                })), CPU);
        assertThat(c.session().name()).isEqualTo("cpu");
        assertThat(c.reason()).contains("CUDA unavailable").contains("the driver is missing");
    }

    @Test
    void autoWithAnUnsupportedOperatorFallsBackToTheCpu() {
        BackendChoice c = BackendChoice.auto(MODEL, 0, true, List.of(new Provider(
                BackendProvider.Availability.available("H200 (sm_90)"), () -> {
                    throw new UnsupportedModelException("cuda", "operator NonMaxSuppression at node 'weird_1' is not supported", null);
                })), CPU);
        assertThat(c.session().name()).isEqualTo("cpu");
        assertThat(c.reason()).contains("cannot run this model").contains("NonMaxSuppression").contains("weird_1");
    }

    @Test
    void autoFallsBackWhenAProviderLetsAnUntranslatedFailureThrough() {
        BackendChoice c = BackendChoice.auto(MODEL, 0, true, List.of(new Provider(
                BackendProvider.Availability.available("H200 (sm_90)"), () -> {
                    throw new UnsatisfiedLinkError("libcudnn_cnn.so.9: cannot open shared object file");
                })), CPU);
        assertThat(c.session().name()).isEqualTo("cpu");
        assertThat(c.reason()).contains("failed to open the model").contains("libcudnn_cnn.so.9");
    }

    @Test
    void autoWithAGpuPicksCuda() {
        BackendChoice c = BackendChoice.auto(MODEL, 0, true, List.of(new Provider(
                BackendProvider.Availability.available("H200 (sm_90)"), () -> new Fake("cuda", "H200"))), CPU);
        assertThat(c.session().name()).isEqualTo("cuda");
        assertThat(c.reason()).contains("H200");
    }

    @Test
    void cudaAskedForWithoutAGpuIsAClearError() {
        assertThatThrownBy(() -> BackendChoice.cuda(MODEL, 0, true, List.of(new Provider(
                BackendProvider.Availability.unavailable("cudnn library not found (tried libcudnn.so.9)"), CPU))))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("cudnn library not found")
                .hasMessageContaining("--backend cpu");
        assertThatThrownBy(() -> BackendChoice.cuda(MODEL, 0, true, List.of())).isInstanceOf(OcclusionException.class)
                .hasMessageContaining("not on the class path");
    }

    @Test
    void autoLetsTheProviderFallBackToTheCpuLaterAndCudaAskedForDoesNot() {
        OPENED.clear();
        BackendProvider cuda = new Provider(BackendProvider.Availability.available("H200 (sm_90)"), () -> new Fake("cuda", "H200"));
        BackendChoice.auto(MODEL, 3, true, List.of(cuda), CPU).session().close();
        BackendChoice.cuda(MODEL, 2, false, List.of(cuda)).session().close();
        assertThat(OPENED).containsExactly(new BackendProvider.OpenOptions(3, true, true),
                new BackendProvider.OpenOptions(2, false, false));
    }

    @Test
    void theEngineAloneDiscoversNoProvider() {
        assertThat(BackendChoice.discover()).noneMatch(p -> p.name().equals("cuda"));
    }
}
