// The library calls of the plan lowering: cuDNN convolutions (with their pre-pads) and cuBLAS products.
package io.occlusion4j.backend.cuda;

import static io.occlusion4j.backend.cuda.LoweringOperands.*;

import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.GemmSpec;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.Arrays;

/**
 * The steps that become library calls: a {@link Lowered.Convolution} for cuDNN (fp32 NCHW or fp16 NHWC, with a
 * pre-pad launch into the scratch buffer when the pads are asymmetric) and a {@link Lowered.MatrixProduct} for
 * cuBLAS (Gemm, and MatMul: one product when B is shared, strided batched when both operands carry the batch, as
 * attention's two products do).
 */
final class ProductLowering {
    private ProductLowering() {
    }

    /**
     * What cuDNN reads for a convolution: the input as it is, or (asymmetric pads: cuDNN takes one pad per axis) the
     * input padded explicitly into the scratch buffer by {@code launch}, then convolved unpadded.
     */
    record PrePad(PlanLaunch launch, Pointer input, long[] shape, long[] padsBegin) {
    }

    /** The {@link PrePad} of a convolution's input, fp16 NHWC when {@code half}; grows {@code scratch} to fit. */
    static PrePad prePad(ConvDescriptor c, Operand xOp, long[] scratch, boolean half) {
        long[] x = shape(xOp);
        if (c.symmetric()) {
            return new PrePad(null, pointer(xOp), x, c.padsBegin().clone());
        }
        long[] padded = x.clone();
        long[] begin = new long[x.length];
        for (int i = 0; i < c.spatialRank(); i++) {
            padded[2 + i] = x[2 + i] + c.padsBegin()[i] + c.padsEnd()[i];
            begin[2 + i] = c.padsBegin()[i];
        }
        PlanLaunch launch;
        if (half) {
            PlanLaunch p = padLaunch(pointer(xOp), Pointer.scratch(0), toChannelsLast(x), toChannelsLast(padded),
                    toChannelsLast(begin), 0, 0f);
            launch = new PlanLaunch("occ_plan_pad_h", p.work(), p.args(), p.meta());
        } else {
            launch = padLaunch(pointer(xOp), Pointer.scratch(0), x, padded, begin, 0, 0f);
        }
        scratch[0] = Math.max(scratch[0], (half ? 2 : 4) * count(padded));
        return new PrePad(launch, Pointer.scratch(0), padded, new long[c.spatialRank()]);
    }

    static Lowered convolution(PlanStep step, long[] scratch) {
        requireFloat(step);
        ConvDescriptor c = step.conv();
        if (c == null) {
            throw new UnsupportedOperatorException(step.node(), "no convolution descriptor in the plan");
        }
        if (c.spatialRank() < 1 || c.spatialRank() > 3) {
            throw new UnsupportedOperatorException(step.node(), c.spatialRank() + "-d convolution");
        }
        PrePad in = prePad(c, step.inputs().get(0), scratch, false);
        Pointer bias = present(step, 2) ? pointer(step.inputs().get(2)) : null;
        Pointer residual = present(step, 3) ? pointer(step.inputs().get(3)) : null;
        return new Lowered.Convolution(step, c, in.launch(), in.input(), in.shape(), in.padsBegin(), pointer(step.inputs().get(1)), bias, residual,
                pointer(step.outputs().get(0)), shape(step.outputs().get(0)), false);
    }

    static Lowered gemm(PlanStep step) {
        requireFloat(step);
        Node node = step.node();
        long[] a = shape(step.inputs().get(0));
        long[] b = shape(step.inputs().get(1));
        GemmSpec spec = GemmSpec.of(node);
        boolean ta = spec.transA();
        boolean tb = spec.transB();
        float alpha = spec.alpha();
        float beta = spec.beta();
        int m = Math.toIntExact(a[ta ? 1 : 0]);
        int k = Math.toIntExact(a[ta ? 0 : 1]);
        int n = Math.toIntExact(b[tb ? 0 : 1]);
        Pointer y = pointer(step.outputs().get(0));
        PlanLaunch fill = null;
        if (present(step, 2) && beta != 0f) {
            long[] out = {m, n};
            fill = stridedCopy(pointer(step.inputs().get(2)), y, out, broadcastStrides(shape(step.inputs().get(2)), out),
                    contiguousStrides(out), 0, 0);
        } else {
            beta = 0f;
        }
        return new Lowered.MatrixProduct(step, pointer(step.inputs().get(0)), ta, pointer(step.inputs().get(1)), tb, y, m,
                n, k, alpha, beta, 1, 0, 0, 0, fill);
    }

    static Lowered matMul(PlanStep step) {
        requireFloat(step);
        long[] as = shape(step.inputs().get(0));
        long[] bs = shape(step.inputs().get(1));
        if (as.length == 1) {
            as = new long[] {1, as[0]};
        }
        if (bs.length == 1) {
            bs = new long[] {bs[0], 1};
        }
        int m = Math.toIntExact(as[as.length - 2]);
        int k = Math.toIntExact(as[as.length - 1]);
        int n = Math.toIntExact(bs[bs.length - 1]);
        long aBatch = count(Arrays.copyOf(as, as.length - 2));
        long bBatch = count(Arrays.copyOf(bs, bs.length - 2));
        Pointer a = pointer(step.inputs().get(0));
        Pointer b = pointer(step.inputs().get(1));
        Pointer y = pointer(step.outputs().get(0));
        if (bBatch == 1) {
            // Every A matrix times the one B: the batch folds into the rows of one product.
            return new Lowered.MatrixProduct(step, a, false, b, false, y, Math.toIntExact(aBatch * m), n, k, 1f, 0f, 1, 0, 0,
                    0, null);
        }
        long[] ab = Arrays.copyOf(as, as.length - 2);
        long[] bb = Arrays.copyOf(bs, bs.length - 2);
        if (aBatch == 1 || Arrays.equals(ab, bb)) {
            return new Lowered.MatrixProduct(step, a, false, b, false, y, m, n, k, 1f, 0f, Math.toIntExact(bBatch),
                    aBatch == 1 ? 0 : (long) m * k, (long) k * n, (long) m * n, null);
        }
        throw new UnsupportedOperatorException(step.node(), "MatMul with batch dimensions " + Arrays.toString(ab) + " and "
                + Arrays.toString(bb) + " broadcast against each other");
    }
}
