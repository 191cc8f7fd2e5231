// The codes the launchers pass are the ones the .cu files define.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernels take small integer codes (edge policy, fill mode, score transform, layout flags) that
 * {@code occ_common.cuh} defines; the Java side names them once ({@link KernelGeometry}, {@link OcclusionKernels},
 * {@link DeviceFill.Mode}). This reads the header and holds the two to each other.
 */
class KernelAbiTest {
    private static final Pattern DEFINE = Pattern.compile("(?m)^#define (OCC_[A-Z_]+) (\\d+)");

    private static Map<String, Integer> defines() {
        Map<String, Integer> out = new HashMap<>();
        Matcher m = DEFINE.matcher(KernelSources.read("occ_common.cuh"));
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }

    @Test
    void edgeScoreAndFillCodesAreThoseOfTheHeader() {
        Map<String, Integer> d = defines();
        assertThat(d).containsEntry("OCC_EDGE_CROP", KernelGeometry.EDGE_CROP)
                .containsEntry("OCC_EDGE_INSIDE", KernelGeometry.EDGE_INSIDE)
                .containsEntry("OCC_EDGE_SHIFT", KernelGeometry.EDGE_SHIFT)
                .containsEntry("OCC_SCORE_RAW", OcclusionKernels.SCORE_RAW)
                .containsEntry("OCC_SCORE_SOFTMAX", OcclusionKernels.SCORE_SOFTMAX)
                .containsEntry("OCC_SCORE_SIGMOID", OcclusionKernels.SCORE_SIGMOID)
                .containsEntry("OCC_FILL_VALUES", DeviceFill.Mode.VALUES.ordinal())
                .containsEntry("OCC_FILL_TENSOR", DeviceFill.Mode.TENSOR.ordinal())
                .containsEntry("OCC_FILL_NOISE", DeviceFill.Mode.NOISE.ordinal())
                .containsEntry("OCC_FILL_SOFT", DeviceFill.Mode.SOFT_MASK.ordinal());
        assertThat(DeviceFill.Mode.values()).hasSize(4);
    }

    @Test
    void geometryFlagsAreThoseOfTheHeader() {
        Map<String, Integer> d = defines();
        int[] spatial = {5, 6};
        int[] one = {1, 1};
        assertThat(new KernelGeometry(2, spatial, one, one, KernelGeometry.EDGE_SHIFT, true, false, false).packed()[15])
                .isEqualTo(d.get("OCC_FLAG_CHANNELS_LAST"));
        assertThat(new KernelGeometry(2, spatial, one, one, KernelGeometry.EDGE_SHIFT, false, true, false).packed()[15])
                .isEqualTo(d.get("OCC_FLAG_HALF"));
        assertThat(new KernelGeometry(2, spatial, one, one, KernelGeometry.EDGE_SHIFT, false, false, true).packed()[15])
                .isEqualTo(d.get("OCC_FLAG_PER_CHANNEL"));
        assertThat(new KernelGeometry(2, spatial, one, one, KernelGeometry.EDGE_SHIFT, false, false, false).packed()[12])
                .isEqualTo(d.get("OCC_EDGE_SHIFT"));
    }
}
