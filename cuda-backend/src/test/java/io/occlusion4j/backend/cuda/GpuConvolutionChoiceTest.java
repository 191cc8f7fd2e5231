// Audit 7: how a convolution's algorithm, math type and fused or separate epilogue are chosen from cuDNN's ranking.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.cuda.Cudnn;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuConvolutionChoiceTest {
    private static final int TENSOR_OP = 1;
    private static final int FMA = 3;

    private static Cudnn.ConvolutionAlgorithm algo(int id, float ms, long workspace, int mathType) {
        return new Cudnn.ConvolutionAlgorithm(id, 0, ms, workspace, true, mathType);
    }

    @Test
    void theWinnersMathTypeAndAlgorithmAreTakenAndAResidualReluConvolutionIsFused() {
        List<Cudnn.ConvolutionAlgorithm> ranked = List.of(algo(6, 0.2f, 1 << 20, TENSOR_OP), algo(1, 0.5f, 0, FMA));
        GpuConvolution.Choice c = GpuConvolution.choose(ranked, true, true, true, 1L << 30);
        assertThat(c).isEqualTo(new GpuConvolution.Choice(true, 6, TENSOR_OP, 1 << 20));
    }

    @Test
    void withoutAResidualTheOutputIsNeverHandedInAsOneTheConvolutionRunsAloneThenItsEpilogue() {
        List<Cudnn.ConvolutionAlgorithm> ranked = List.of(algo(1, 0.2f, 0, FMA), algo(0, 0.3f, 0, FMA));
        assertThat(GpuConvolution.choose(ranked, true, false, true, 1L << 30).fused()).isFalse();
        assertThat(GpuConvolution.choose(ranked, false, false, true, 1L << 30).fused()).isFalse();
    }

    @Test
    void anIdentityResidualConvolutionIsFusedOnlyWhileImplicitPrecompGemmCostsLittleMore() {
        List<Cudnn.ConvolutionAlgorithm> close = List.of(algo(7, 1.0f, 0, TENSOR_OP), algo(1, 1.1f, 0, FMA));
        assertThat(GpuConvolution.choose(close, false, true, true, 1L << 30))
                .isEqualTo(new GpuConvolution.Choice(true, 1, FMA, 0));
        List<Cudnn.ConvolutionAlgorithm> far = List.of(algo(7, 1.0f, 0, TENSOR_OP), algo(1, 3.0f, 0, FMA));
        assertThat(GpuConvolution.choose(far, false, true, true, 1L << 30))
                .isEqualTo(new GpuConvolution.Choice(false, 7, TENSOR_OP, 0));
        // Heuristic ranks carry no times: fused only when IMPLICIT_PRECOMP_GEMM is ranked first.
        assertThat(GpuConvolution.choose(far, false, true, false, 1L << 30).fused()).isFalse();
    }

    @Test
    void algorithmsThatFailOrNeedTooMuchWorkspaceAreSkipped() {
        List<Cudnn.ConvolutionAlgorithm> ranked = List.of(new Cudnn.ConvolutionAlgorithm(7, 3000, 0.1f, 0, true, FMA),
                algo(2, 0.2f, 1L << 40, FMA), algo(0, 0.9f, 16, FMA));
        assertThat(GpuConvolution.choose(ranked, true, true, true, 1L << 30).algorithm()).isZero();
        assertThat(GpuConvolution.choose(List.of(algo(2, 0.2f, 1L << 40, FMA)), true, true, true, 1L << 30)).isNull();
    }
}
