// The doctor probe reports every library with a readable reason, and never throws.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class NativeProbeTest {

    @Test
    void everyLibraryIsReportedFoundWithAPathAndVersionOrMissingWithTheReason() {
        NativeProbe.ProbeReport report = NativeProbe.probe();
        assertThat(report.libraries()).extracting(NativeProbe.LibraryReport::library)
                .containsExactly("cuda", "nvrtc", "cublas", "cudnn");
        for (NativeProbe.LibraryReport r : report.libraries()) {
            assertThat(r.reason()).isNotBlank();
            if (r.found()) {
                assertThat(r.path()).isNotBlank();
                assertThat(r.version()).as(r.library()).matches("\\d+\\.\\d+.*");
            } else {
                assertThat(r.reason()).contains("not found");
                assertThat(r.tried()).isNotEmpty();
                assertThat(r.version()).isEmpty();
            }
        }
        if (report.devices().isEmpty()) {
            assertThat(report.deviceNote()).isNotBlank();
        }
    }

    @Test
    void theRenderedReportNamesMissingLibrariesAndWhatWasTried() {
        NativeProbe.ProbeReport report = NativeProbe.probe();
        String text = report.render();
        for (NativeProbe.LibraryReport r : report.libraries()) {
            assertThat(text).contains(r.library()).contains(r.reason());
            if (!r.found()) {
                assertThat(text).contains("MISSING").contains("tried " + r.tried().getFirst());
            }
        }
        assertThat(report.isFound(CudaLibrary.DRIVER)).isEqualTo(report.libraries().getFirst().found());
    }

    @Test
    void mainPrintsTheReport() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            NativeProbe.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("cuda").contains("cudnn").contains("devices");
    }
}
