// A cuDNN handle: convolutions (plain and fused), the tensor add of a bias or residual, an in-place activation.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnnConvolutionFwdAlgoPerf_t;
import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A cuDNN handle bound to a context (and optionally a stream, kept alive while bound). Scaling
 * factors are floats, which cuDNN expects for FLOAT, HALF and BFLOAT16 tensors. A null workspace
 * means none.
 */
public final class CudnnHandle extends NativeResource {

    private final ContextHandle context;
    private final MemorySegment handle;
    private CudaStream stream;

    private CudnnHandle(ContextHandle context, MemorySegment handle) {
        super("CudnnHandle", context);
        this.context = context;
        this.handle = handle;
    }

    public static CudnnHandle create(CudaContext context) {
        ContextHandle bound = context.handle();
        bound.enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudnnException.check(cudnn_h.cudnnCreate(out), "cudnnCreate");
            return new CudnnHandle(bound, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    public void setStream(CudaStream newStream) {
        enter();
        CudnnException.check(cudnn_h.cudnnSetStream(handle, newStream.handle()), "cudnnSetStream");
        newStream.retain();
        if (stream != null) {
            stream.release();
        }
        stream = newStream;
    }

    private static MemorySegment device(DeviceBuffer buffer) {
        return buffer == null ? MemorySegment.NULL : MemorySegment.ofAddress(buffer.address());
    }

    private static long size(DeviceBuffer buffer) {
        return buffer == null ? 0 : buffer.byteSize();
    }

    private static void checkHolds(String name, DeviceBuffer buffer, CudnnTensorDescriptor descriptor) {
        if (buffer.byteSize() < descriptor.byteSize()) {
            throw new IllegalArgumentException(name + ": buffer of " + buffer.byteSize() + " bytes, tensor needs "
                    + descriptor.byteSize());
        }
    }

    /** Algorithms ranked by cuDNN's benchmark ({@code cudnnFindConvolutionForwardAlgorithm}: runs them). */
    public List<Cudnn.ConvolutionAlgorithm> findConvolutionForwardAlgorithms(
            CudnnTensorDescriptor x, CudnnFilterDescriptor w, CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y) {
        return rankAlgorithms(true, x, w, conv, y);
    }

    /** Algorithms ranked by cuDNN's heuristics ({@code cudnnGetConvolutionForwardAlgorithm_v7}: runs nothing). */
    public List<Cudnn.ConvolutionAlgorithm> convolutionForwardAlgorithms(
            CudnnTensorDescriptor x, CudnnFilterDescriptor w, CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y) {
        return rankAlgorithms(false, x, w, conv, y);
    }

    private List<Cudnn.ConvolutionAlgorithm> rankAlgorithms(boolean benchmark, CudnnTensorDescriptor x,
            CudnnFilterDescriptor w, CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y) {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment max = arena.allocate(ValueLayout.JAVA_INT);
            CudnnException.check(cudnn_h.cudnnGetConvolutionForwardAlgorithmMaxCount(handle, max),
                    "cudnnGetConvolutionForwardAlgorithmMaxCount");
            int requested = Math.max(1, max.get(ValueLayout.JAVA_INT, 0));
            MemorySegment results = arena.allocate(cudnnConvolutionFwdAlgoPerf_t.layout(), requested);
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            if (benchmark) {
                CudnnException.check(cudnn_h.cudnnFindConvolutionForwardAlgorithm(handle, x.handle(), w.handle(),
                        conv.handle(), y.handle(), requested, returned, results), "cudnnFindConvolutionForwardAlgorithm");
            } else {
                CudnnException.check(cudnn_h.cudnnGetConvolutionForwardAlgorithm_v7(handle, x.handle(), w.handle(),
                        conv.handle(), y.handle(), requested, returned, results), "cudnnGetConvolutionForwardAlgorithm_v7");
            }
            int n = returned.get(ValueLayout.JAVA_INT, 0);
            List<Cudnn.ConvolutionAlgorithm> ranked = new ArrayList<>(n);
            long stride = cudnnConvolutionFwdAlgoPerf_t.sizeof();
            for (int i = 0; i < n; i++) {
                MemorySegment perf = results.asSlice(i * stride, stride);
                ranked.add(new Cudnn.ConvolutionAlgorithm(cudnnConvolutionFwdAlgoPerf_t.algo(perf),
                        cudnnConvolutionFwdAlgoPerf_t.status(perf), cudnnConvolutionFwdAlgoPerf_t.time(perf),
                        cudnnConvolutionFwdAlgoPerf_t.memory(perf), cudnnConvolutionFwdAlgoPerf_t.determinism(perf) == 1,
                        cudnnConvolutionFwdAlgoPerf_t.mathType(perf)));
            }
            return List.copyOf(ranked);
        }
    }

    public long convolutionForwardWorkspaceSize(CudnnTensorDescriptor x, CudnnFilterDescriptor w,
                                                CudnnConvolutionDescriptor conv, CudnnTensorDescriptor y, int algorithm) {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            CudnnException.check(cudnn_h.cudnnGetConvolutionForwardWorkspaceSize(handle, x.handle(), w.handle(),
                    conv.handle(), y.handle(), algorithm, out), "cudnnGetConvolutionForwardWorkspaceSize");
            return out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** {@code y = alpha * conv(x, w) + beta * y}. */
    public void convolutionForward(float alpha, CudnnTensorDescriptor xDesc, DeviceBuffer x,
                                   CudnnFilterDescriptor wDesc, DeviceBuffer w, CudnnConvolutionDescriptor conv,
                                   int algorithm, DeviceBuffer workspace, float beta,
                                   CudnnTensorDescriptor yDesc, DeviceBuffer y) {
        checkHolds("x", x, xDesc);
        checkHolds("y", y, yDesc);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CudnnException.check(cudnn_h.cudnnConvolutionForward(handle, arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha),
                    xDesc.handle(), device(x), wDesc.handle(), device(w), conv.handle(), algorithm, device(workspace),
                    size(workspace), arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), yDesc.handle(), device(y)),
                    "cudnnConvolutionForward");
        }
    }

    /**
     * The fused {@code y = act(alpha1 * conv(x, w) + alpha2 * z + bias)}. cuDNN accepts only RELU or
     * IDENTITY here, and IDENTITY only with the IMPLICIT_PRECOMP_GEMM algorithm.
     */
    public void convolutionBiasActivationForward(float alpha1, CudnnTensorDescriptor xDesc, DeviceBuffer x,
            CudnnFilterDescriptor wDesc, DeviceBuffer w, CudnnConvolutionDescriptor conv, int algorithm,
            DeviceBuffer workspace, float alpha2, CudnnTensorDescriptor zDesc, DeviceBuffer z,
            CudnnTensorDescriptor biasDesc, DeviceBuffer bias, CudnnActivationDescriptor activation,
            CudnnTensorDescriptor yDesc, DeviceBuffer y) {
        checkHolds("x", x, xDesc);
        checkHolds("z", z, zDesc);
        checkHolds("bias", bias, biasDesc);
        checkHolds("y", y, yDesc);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CudnnException.check(cudnn_h.cudnnConvolutionBiasActivationForward(handle,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha1), xDesc.handle(), device(x), wDesc.handle(),
                    device(w), conv.handle(), algorithm, device(workspace), size(workspace),
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha2), zDesc.handle(), device(z), biasDesc.handle(),
                    device(bias), activation.handle(), yDesc.handle(), device(y)),
                    "cudnnConvolutionBiasActivationForward");
        }
    }

    /** {@code c = alpha * a + beta * c}, broadcasting {@code a} over dims where it has size 1 (bias add). */
    public void addTensor(float alpha, CudnnTensorDescriptor aDesc, DeviceBuffer a, float beta,
                          CudnnTensorDescriptor cDesc, DeviceBuffer c) {
        checkHolds("a", a, aDesc);
        checkHolds("c", c, cDesc);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CudnnException.check(cudnn_h.cudnnAddTensor(handle, arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha),
                    aDesc.handle(), device(a), arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), cDesc.handle(),
                    device(c)), "cudnnAddTensor");
        }
    }

    /**
     * {@code y = alpha * act(x) + beta * y}; {@code x} and {@code y} may be the same buffer (in place). The
     * convolution without a fused epilogue applies its ReLU this way.
     */
    public void activationForward(CudnnActivationDescriptor activation, float alpha, CudnnTensorDescriptor xDesc,
                                  DeviceBuffer x, float beta, CudnnTensorDescriptor yDesc, DeviceBuffer y) {
        checkHolds("x", x, xDesc);
        checkHolds("y", y, yDesc);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CudnnException.check(cudnn_h.cudnnActivationForward(handle, activation.handle(),
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), xDesc.handle(), device(x),
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), yDesc.handle(), device(y)),
                    "cudnnActivationForward");
        }
    }

    @Override
    void free() {
        try {
            context.makeCurrent();
            CudnnException.check(cudnn_h.cudnnDestroy(handle), "cudnnDestroy");
        } finally {
            if (stream != null) {
                stream.release();
                stream = null;
            }
        }
    }
}
