// What one plan step becomes on the device: launches, a cuDNN convolution, a cuBLAS product, or nothing.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.ConvDescriptor;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.List;

/** What one plan step becomes on the device. */
public sealed interface Lowered {
    PlanStep step();

    /** Kernel launches, in order. */
    record Launches(PlanStep step, List<PlanLaunch> launches) implements Lowered {
        public Launches {
            launches = List.copyOf(launches);
        }
    }

    /**
     * A cuDNN convolution. {@code input} is the operand cuDNN reads: the step's input, or the scratch
     * buffer after {@code prePad} (then {@code inputShape} is the padded shape and the pads are zero).
     */
    record Convolution(PlanStep step, ConvDescriptor conv, PlanLaunch prePad, Pointer input, long[] inputShape,
                       long[] padsBegin, Pointer weight, Pointer bias, Pointer residual, Pointer output,
                       long[] outputShape, boolean half) implements Lowered {
    }

    /**
     * {@code batch} row-major products {@code Y[m, n] = alpha * op(A)[m, k] op(B)[k, n] + beta * Y}, the
     * operands {@code stride*} elements apart (0: shared); {@code fillY} first writes C broadcast into Y.
     */
    record MatrixProduct(PlanStep step, Pointer a, boolean transA, Pointer b, boolean transB, Pointer y, int m,
                         int n, int k, float alpha, float beta, int batch, long strideA, long strideB,
                         long strideY, PlanLaunch fillY) implements Lowered {
    }

    /** A view: the output is the input's bytes. */
    record Nothing(PlanStep step) implements Lowered {
    }
}
