// The devices a test runs on: the host stand-in always, the GPU where there is one (else skipped, saying why).
package io.occlusion4j.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.kernels.GpuSupport;
import java.util.List;

final class TestDevices {

    private TestDevices() {
    }

    /** The parameter values of a test that runs on both: {@code host} and {@code gpu}. */
    static List<String> both() {
        return List.of("host", "gpu");
    }

    /** A new device of {@code kind}; for {@code gpu} the test is skipped, with the reason, where no GPU is usable. */
    static Device open(String kind) {
        if (kind.equals("host")) {
            return new HostDevice();
        }
        String reason = GpuSupport.unavailableReason();
        assumeTrue(reason == null, () -> "GPU run skipped: " + reason);
        return GpuDevice.open(GpuSupport.compiler());
    }
}
