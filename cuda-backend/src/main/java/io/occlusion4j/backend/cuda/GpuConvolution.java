// One convolution on cuDNN: its descriptors, the algorithm and math type the search chose, fused or not.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.Cudnn;
import io.occlusion4j.cuda.CudnnHandle;
import io.occlusion4j.cuda.DeviceBuffer;
import java.util.List;

/**
 * How a convolution runs. {@link #choose} ranks the algorithms (cuDNN's measured search, or its heuristics) and
 * picks: with a residual, the fused {@code cudnnConvolutionBiasActivationForward} (ReLU: the best algorithm;
 * identity: cuDNN allows only IMPLICIT_PRECOMP_GEMM there, taken while it costs at most {@value #FUSED_SLACK}
 * times the best); otherwise the best algorithm through {@code cudnnConvolutionForward} and the bias, the residual
 * and the ReLU applied after it ({@code cudnnAddTensor}, {@code cudnnActivationForward}), so the output is never
 * handed in as a residual it is not. The winner's math type is set on the convolution descriptor, as the search
 * measured it. Unverified on a GPU.
 */
record GpuConvolution(Lowered.Convolution lowered, CudnnConvolution descriptors, Choice choice) implements Device.Convolution {
    /** {@code CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM}: the only algorithm of the fused call with identity. */
    static final int IMPLICIT_PRECOMP_GEMM = 1;
    /** How much slower IMPLICIT_PRECOMP_GEMM may be than the best before the separate passes win. */
    static final double FUSED_SLACK = 1.15;

    /** The algorithm, its math type and workspace, and whether the fused call runs it. */
    record Choice(boolean fused, int algorithm, int mathType, long workspaceBytes) {}

    /**
     * The choice for a convolution with (or without) ReLU and a residual among {@code ranked} (best first; times
     * meaningful when {@code measured}); null when no algorithm fits {@code workspaceLimit}.
     */
    static Choice choose(List<Cudnn.ConvolutionAlgorithm> ranked, boolean relu, boolean residual, boolean measured,
                         long workspaceLimit) {
        Cudnn.ConvolutionAlgorithm best = null;
        Cudnn.ConvolutionAlgorithm precomp = null;
        for (Cudnn.ConvolutionAlgorithm a : ranked) {
            if (a.status() != 0 || a.workspaceBytes() > workspaceLimit) {
                continue;
            }
            if (best == null) {
                best = a;
            }
            if (precomp == null && a.algorithm() == IMPLICIT_PRECOMP_GEMM) {
                precomp = a;
            }
        }
        if (best == null) {
            return null;
        }
        if (residual && relu) {
            return new Choice(true, best.algorithm(), best.mathType(), best.workspaceBytes());
        }
        if (residual && precomp != null && (precomp == best
                || measured && precomp.timeMillis() <= FUSED_SLACK * best.timeMillis())) {
            return new Choice(true, precomp.algorithm(), precomp.mathType(), precomp.workspaceBytes());
        }
        return new Choice(false, best.algorithm(), best.mathType(), best.workspaceBytes());
    }

    static GpuConvolution prepare(CudnnHandle cudnn, Lowered.Convolution c, PlanOptions options) {
        CudnnConvolution d = CudnnConvolution.describe(c, options.precision());
        try {
            List<Cudnn.ConvolutionAlgorithm> ranked = options.benchmark()
                    ? cudnn.findConvolutionForwardAlgorithms(d.x, d.w, d.conv, d.y)
                    : cudnn.convolutionForwardAlgorithms(d.x, d.w, d.conv, d.y);
            Choice choice = choose(ranked, c.conv().relu(), c.residual() != null, options.benchmark(),
                    options.workspaceLimit());
            if (choice == null) {
                throw new IllegalStateException("cuDNN offers no algorithm for convolution '" + c.step().node().name()
                        + "' within a workspace of " + options.workspaceLimit() + " bytes: " + ranked);
            }
            d.conv.setMathType(Cudnn.MathType.of(choice.mathType()));
            return new GpuConvolution(c, d, choice);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    boolean fused() {
        return choice.fused();
    }

    @Override
    public long workspaceBytes() {
        return choice.workspaceBytes();
    }

    @Override
    public String describe() {
        return "algorithm " + choice.algorithm() + (choice.fused() ? " fused" : " then bias/residual/activation")
                + ", math type " + choice.mathType();
    }

    void run(CudnnHandle cudnn, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer residual, DeviceBuffer y,
             DeviceBuffer workspace) {
        CudnnConvolution d = descriptors;
        if (choice.fused()) {
            cudnn.convolutionBiasActivationForward(1f, d.x, x, d.w, w, d.conv, choice.algorithm(), workspace, 1f, d.y,
                    residual, d.bias, bias, d.activation, d.y, y);
            return;
        }
        cudnn.convolutionForward(1f, d.x, x, d.w, w, d.conv, choice.algorithm(), workspace, 0f, d.y, y);
        if (bias != null) {
            cudnn.addTensor(1f, d.bias, bias, 1f, d.y, y);
        }
        if (residual != null) {
            cudnn.addTensor(1f, d.y, residual, 1f, d.y, y);
        }
        if (lowered.conv().relu()) {
            cudnn.activationForward(d.activation, 1f, d.y, y, 0f, d.y, y);
        }
    }

    @Override
    public void close() {
        descriptors.close();
    }
}
