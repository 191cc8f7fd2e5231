// /metrics names the back end each run used and whether it checked itself against ONNX Runtime.
package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.RunStats;
import org.junit.jupiter.api.Test;

class MetricsBackendTest {

    @Test
    void theBackendInfoFollowsTheLastRunItsDeviceAndItsSelfCheck() {
        Metrics m = new Metrics("cuda", "H200", () -> 0, () -> 0, 4, 1);
        m.variants(new RunStats(10, 2, 8, false, 0.1, 100, "cuda", "H200 (sm_90), CUDA plan FP32", "verified against ONNX "
                + "Runtime on 4 samples"));
        assertThat(m.render()).contains("occlusion4j_backend_info{backend=\"cuda\",device=\"H200 (sm_90), CUDA plan FP32\","
                + "verified=\"true\"} 1");
        // A CUDA session whose self-check failed under AUTO hands its runs to the CPU back end.
        m.variants(new RunStats(10, 2, 8, false, 0.1, 100, "cpu", "ONNX Runtime CPU, 2 threads"));
        assertThat(m.render()).contains("occlusion4j_backend_info{backend=\"cpu\",device=\"ONNX Runtime CPU, 2 threads\","
                + "verified=\"n/a\"} 1");
        m.variants(new RunStats(10, 2, 8, false, 0.1, 100, "cuda", "H200", "not verified: the self-check is off (--no-verify)"));
        assertThat(m.render()).contains("verified=\"false\"");
    }
}
