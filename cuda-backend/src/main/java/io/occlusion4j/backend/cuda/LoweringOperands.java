// The shared part of the plan lowering: operands (pointers, shapes, constants), strides and launch metadata.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.PlanStep;
import io.occlusion4j.graph.PlanStep.Operand;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.UnsupportedOperatorException;
import io.occlusion4j.kernels.PlanLaunch;
import io.occlusion4j.kernels.PlanLaunch.Arg;
import io.occlusion4j.kernels.PlanLaunch.Arg.Pointer;
import java.util.List;

/**
 * What the fp32 and the fp16 lowerings ({@link Fp32Lowering}, {@link HalfLowering}) share: an operand's pointer,
 * shape and type, a step's constant inputs, the float-only check and its message, element counts, strides
 * (contiguous, broadcast, channels-last) and the packing of launch metadata.
 */
final class LoweringOperands {
    private LoweringOperands() {
    }

    /** A step's constant inputs for an operator spec: the weight's contents, null when omitted. */
    static io.occlusion4j.graph.ConstantInputs constants(PlanStep step) {
        return i -> present(step, i) ? constant(step, i) : null;
    }

    static UnsupportedOperatorException runtimeIntegers(Node node) {
        return new UnsupportedOperatorException(node, "the CUDA plan runs float tensors only; this node is left"
                + " after constant folding and computes on integer, boolean or shape values at run time");
    }

    static Pointer pointer(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> Pointer.arena(s.offset());
            case Operand.Weight(String name, TensorValue v) -> Pointer.weight(name);
            case Operand.Absent() -> throw new IllegalArgumentException("an absent operand has no pointer");
        };
    }

    static long[] shape(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> s.shape();
            case Operand.Weight(String name, TensorValue v) -> v.shape();
            case Operand.Absent() -> throw new IllegalArgumentException("an absent operand has no shape");
        };
    }

    static DataType type(Operand op) {
        return switch (op) {
            case Operand.Activation(BufferSlot s) -> s.type();
            case Operand.Weight(String name, TensorValue v) -> v.type();
            case Operand.Absent() -> DataType.FLOAT;
        };
    }

    static TensorValue constant(PlanStep step, int i) {
        if (i < step.inputs().size() && step.inputs().get(i) instanceof Operand.Weight(String name, TensorValue v)) {
            return v;
        }
        throw new UnsupportedOperatorException(step.node(), "input " + i + " must be a constant for the CUDA plan");
    }

    static boolean present(PlanStep step, int i) {
        return i < step.inputs().size() && !(step.inputs().get(i) instanceof Operand.Absent);
    }

    static void requireFloat(PlanStep step) {
        for (Operand op : step.inputs()) {
            if (op instanceof Operand.Activation && type(op) != DataType.FLOAT) {
                throw runtimeIntegers(step.node());
            }
        }
        for (Operand op : step.outputs()) {
            if (!(op instanceof Operand.Absent) && type(op) != DataType.FLOAT) {
                throw runtimeIntegers(step.node());
            }
        }
    }

    /** Elements of a shape (1 for a scalar). */
    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static long[] contiguousStrides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Element strides of {@code shape} read as broadcast to {@code out} (right-aligned, 0 on broadcast axes). */
    static long[] broadcastStrides(long[] shape, long[] out) {
        long[] own = contiguousStrides(shape);
        long[] s = new long[out.length];
        int shift = out.length - shape.length;
        for (int d = 0; d < out.length; d++) {
            int a = d - shift;
            s[d] = a < 0 || shape[a] == 1 ? 0 : own[a];
        }
        return s;
    }

    static long[] join(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] r = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    static int axis(Node node, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new UnsupportedOperatorException(node, "axis " + axis + " for rank " + rank);
        }
        return (int) a;
    }

    static long align(long bytes) {
        return (bytes + 255) / 256 * 256;
    }

    /** {N, C, H, W}-indexed values in storage order {N, H, W, C}. */
    static long[] toChannelsLast(long[] v) {
        return new long[] {v[0], v[2], v[3], v[1]};
    }

    /** Element strides, per NCHW axis, of a tensor of NCHW shape {@code x} stored channels-last. */
    static long[] channelsLastStrides(long[] x) {
        return new long[] {x[1] * x[2] * x[3], 1, x[3] * x[1], x[1]};
    }

    static PlanLaunch padLaunch(Pointer x, Pointer y, long[] in, long[] out, long[] padsBegin, int mode, float value) {
        long n = count(out);
        return new PlanLaunch("occ_plan_pad", n, List.of(x, y, new Arg.I64(n), new Arg.I32(in.length), new Arg.I32(mode),
                new Arg.F32(value), new Arg.Meta()), join(out, in, padsBegin));
    }

    /** A strided copy of every index of {@code dims}. */
    static PlanLaunch stridedCopy(Pointer src, Pointer dst, long[] dims, long[] srcStrides, long[] dstStrides,
                                  long srcBase, long dstBase) {
        long n = count(dims);
        long[] meta = join(dims, srcStrides, dstStrides, new long[] {srcBase, dstBase});
        return new PlanLaunch("occ_plan_strided_copy", n, List.of(src, dst, new Arg.I64(n), new Arg.I32(dims.length),
                new Arg.Meta()), meta);
    }
}
