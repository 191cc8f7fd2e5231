// Audit 8: the NVRTC chosen is one whose code the installed driver can load.
package io.occlusion4j.cuda.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NvrtcChoiceTest {

    @Test
    void aDriverLoadsCubinsOfItsOwnMajorVersionAndPtxUpToItsOwnVersion() {
        assertThat(NvrtcCompatibility.refusal(12, 6, 12060, true)).isNull();
        assertThat(NvrtcCompatibility.refusal(12, 6, 12080, true)).isNull();
        assertThat(NvrtcCompatibility.refusal(12, 6, 12040, false)).isNull();
        assertThat(NvrtcCompatibility.refusal(12, 6, 12040, true)).contains("PTX").contains("12.4");
        assertThat(NvrtcCompatibility.refusal(13, 0, 12080, false)).contains("newer CUDA major version");
        assertThat(NvrtcCompatibility.refusal(12, 6, 11080, false)).contains("CUDA 11.8 driver");
        assertThat(NvrtcCompatibility.refusal(12, 6, 13000, true)).isNull();
    }

    /** The real NVRTC 12.6 (bin/check provides it): refused for a CUDA 11.8 driver, taken for a 12.4 one. */
    @Test
    void theLocatorPassesOverAnNvrtcTheDriverCannotFollow() {
        String explicit = System.getenv(CudaLibrary.NVRTC.environmentVariable());
        assumeTrue(explicit != null && !explicit.isBlank(), "no NVRTC given by " + CudaLibrary.NVRTC.environmentVariable()
                + " (bin/check provides the redistributed one)");
        LibraryLocator locator = new LibraryLocator(key -> null, key -> key.equals(CudaLibrary.NVRTC.environmentVariable())
                ? explicit : null, List::of, List::of);
        LoadedLibrary refused = locator.locate(CudaLibrary.NVRTC, candidate -> NvrtcCompatibility.refusal(candidate, 11080));
        assertThat(refused.isFound()).isFalse();
        assertThat(refused.reason()).contains("refused").contains("CUDA 11.8 driver");
        assertThat(refused.tried()).anyMatch(t -> t.contains(": refused: "));
        LoadedLibrary taken = locator.locate(CudaLibrary.NVRTC, candidate -> NvrtcCompatibility.refusal(candidate, 12040));
        assertThat(taken.isFound()).as(taken.reason()).isTrue();
    }
}
