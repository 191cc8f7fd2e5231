// The engine's vocabulary in the kernels' codes: the one place the CUDA back end translates between them.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.Edge;
import io.occlusion4j.Layout;
import io.occlusion4j.Score;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.OcclusionKernels;

/** Edge policies, score transforms and a request's geometry as the kernels take them ({@code OCC_*} codes). */
final class KernelTerms {

    private KernelTerms() {
    }

    static int edge(Edge edge) {
        return switch (edge) {
            case CROP -> KernelGeometry.EDGE_CROP;
            case INSIDE -> KernelGeometry.EDGE_INSIDE;
            case SHIFT -> KernelGeometry.EDGE_SHIFT;
        };
    }

    static int score(Score score) {
        return switch (score) {
            case RAW -> OcclusionKernels.SCORE_RAW;
            case SOFTMAX -> OcclusionKernels.SCORE_SOFTMAX;
            case SIGMOID -> OcclusionKernels.SCORE_SIGMOID;
        };
    }

    /**
     * The kernels' geometry of {@code r}: fp32 variants in the model's layout, or, for a plan that stores its
     * input as fp16 NHWC ({@code halfSlot}), fp16 variants channels-last.
     */
    static KernelGeometry geometry(ExplainRequest r, boolean halfSlot) {
        WindowGrid grid = r.grid();
        return new KernelGeometry(r.channels(), grid.spatialShape(), grid.window(), grid.stride(), edge(grid.edge()),
                halfSlot || r.transform().layout() == Layout.CHANNELS_LAST, halfSlot, r.perChannel());
    }
}
