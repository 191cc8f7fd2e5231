// The device on a GPU: the primary context, one non-blocking work stream, NVRTC modules, cuDNN and cuBLAS on it.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.CublasHandle;
import io.occlusion4j.cuda.CublasHandle.Transpose;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaEvent;
import io.occlusion4j.cuda.CudaGraph;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.CudnnHandle;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.cuda.PinnedHostBuffer;
import io.occlusion4j.kernels.KernelLauncher;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.ModuleLauncher;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Device} on the first GPU. Every transfer is ordered on the work stream (staged through page-locked memory,
 * never on the legacy default stream); cuDNN and cuBLAS are bound to that stream, cuBLAS with a workspace of its
 * own so that a captured product allocates nothing. Unverified on a GPU: no GPU has been lent to this project yet.
 */
final class GpuDevice implements Device {
    /** cuBLAS workspace: NVIDIA recommends 32 MiB on Hopper, 4 MiB on earlier GPUs. */
    static long cublasWorkspaceBytes(int computeCapabilityMajor) {
        return computeCapabilityMajor >= 9 ? 32L << 20 : 4L << 20;
    }

    private final CudaContext context;
    private final CudaStream stream;
    private final NvrtcCompiler compiler;
    private final Map<KernelProgram, ModuleLauncher> launchers = new EnumMap<>(KernelProgram.class);
    private CudnnHandle cudnn;
    private CublasHandle cublas;
    private DeviceBuffer cublasWorkspace;
    private DeviceBuffer zeroBias;

    private GpuDevice(CudaContext context, NvrtcCompiler compiler) {
        this.context = context;
        this.compiler = compiler;
        this.stream = context.createStream();
    }

    /** The first GPU's primary context; raises the driver's error when there is none. */
    static GpuDevice open(NvrtcCompiler compiler) {
        CudaContext context = CudaContext.primary();
        try {
            return new GpuDevice(context, compiler);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return context.device().name() + " (" + context.device().architecture() + ")";
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public long freeBytes() {
        return context.memoryInfo().freeBytes();
    }

    /** Device memory; a slice views its parent's. */
    private record GpuBuffer(DeviceBuffer buffer) implements Buffer {
        @Override
        public long address() {
            return buffer.address();
        }

        @Override
        public long byteSize() {
            return buffer.byteSize();
        }

        @Override
        public Buffer slice(long offset, long bytes) {
            return new GpuBuffer(buffer.slice(offset, bytes));
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    private record PinnedBuffer(PinnedHostBuffer pinned) implements HostBuffer {
        @Override
        public MemorySegment segment() {
            return pinned.segment();
        }

        @Override
        public void close() {
            pinned.close();
        }
    }

    private static DeviceBuffer of(Buffer b) {
        return b == null ? null : ((GpuBuffer) b).buffer();
    }

    @Override
    public Buffer allocate(long bytes) {
        return new GpuBuffer(context.allocate(bytes));
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        return new PinnedBuffer(context.allocatePinned(bytes));
    }

    @Override
    public void upload(MemorySegment host, Buffer target, long offset) {
        // Staged through pinned memory so the copy is truly asynchronous; the stream keeps the stage alive.
        try (PinnedHostBuffer stage = context.allocatePinned(Math.max(1, host.byteSize()))) {
            MemorySegment.copy(host, 0, stage.segment(), 0, host.byteSize());
            of(target).copyFromAsync(stage, offset, stream);
        }
    }

    @Override
    public void uploadAsync(HostBuffer source, Buffer target) {
        of(target).copyFromAsync(((PinnedBuffer) source).pinned(), stream);
    }

    @Override
    public void downloadAsync(Buffer source, long offset, HostBuffer target) {
        of(source).copyToAsync(((PinnedBuffer) target).pinned(), offset, stream);
    }

    @Override
    public void download(Buffer source, long offset, MemorySegment host) {
        try (PinnedHostBuffer stage = context.allocatePinned(Math.max(1, host.byteSize()))) {
            of(source).copyToAsync(stage, offset, stream);
            stream.synchronize();
            MemorySegment.copy(stage.segment(), 0, host, 0, host.byteSize());
        }
    }

    @Override
    public void fill32(Buffer target, int bits) {
        of(target).fill32Async(bits, stream);
    }

    @Override
    public KernelLauncher launcher(KernelProgram program) {
        return launchers.computeIfAbsent(program, p -> ModuleLauncher.load(context, compiler, p, stream));
    }

    private CudnnHandle cudnn() {
        if (cudnn == null) {
            cudnn = CudnnHandle.create(context);
            cudnn.setStream(stream);
        }
        return cudnn;
    }

    private CublasHandle cublas(Precision precision) {
        if (cublas == null) {
            cublas = CublasHandle.create(context);
            cublasWorkspace = context.allocate(cublasWorkspaceBytes(context.device().computeCapabilityMajor()));
            cublas.setWorkspace(cublasWorkspace);
            cublas.setStream(stream);
        }
        cublas.setMathMode(switch (precision) {
            case FP32 -> CublasHandle.MathMode.PEDANTIC;
            case TF32 -> CublasHandle.MathMode.TF32_TENSOR_OP;
            case FP16 -> CublasHandle.MathMode.DEFAULT;
        });
        return cublas;
    }

    @Override
    public Convolution prepare(Lowered.Convolution convolution, PlanOptions options) {
        return GpuConvolution.prepare(cudnn(), convolution, options);
    }

    @Override
    public void convolve(Convolution convolution, Buffer x, Buffer w, Buffer bias, Buffer residual, Buffer y,
                         Buffer workspace) {
        GpuConvolution c = (GpuConvolution) convolution;
        DeviceBuffer b = of(bias);
        if (b == null && c.fused()) {
            b = zeroBias(c.descriptors().bias.byteSize());
        }
        c.run(cudnn(), of(x), of(w), b, of(residual), of(y), of(workspace));
    }

    /** Zeros for a fused convolution without a bias (the call takes one), grown to the largest asked for. */
    private DeviceBuffer zeroBias(long bytes) {
        if (zeroBias == null || zeroBias.byteSize() < bytes) {
            if (zeroBias != null) {
                zeroBias.close();
            }
            zeroBias = context.allocate(Math.max(256, bytes));
            zeroBias.fill32Async(0, stream);
        }
        return zeroBias;
    }

    @Override
    public void multiply(Lowered.MatrixProduct m, Buffer aBuffer, Buffer bBuffer, Buffer yBuffer, Precision precision) {
        CublasHandle blas = cublas(precision);
        // Row-major Y = op(A) op(B) is column-major Y^T = op(B)^T op(A)^T: swap the operands, keep the flags.
        Transpose opA = m.transA() ? Transpose.TRANSPOSE : Transpose.NONE;
        Transpose opB = m.transB() ? Transpose.TRANSPOSE : Transpose.NONE;
        int lda = m.transA() ? m.m() : m.k();
        int ldb = m.transB() ? m.k() : m.n();
        DeviceBuffer a = of(aBuffer);
        DeviceBuffer b = of(bBuffer);
        DeviceBuffer y = of(yBuffer);
        if (m.batch() > 1 && precision == Precision.FP16) {
            blas.gemmStridedBatchedEx(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, CublasHandle.DataType.F32, ldb,
                    m.strideB(), a, CublasHandle.DataType.F32, lda, m.strideA(), m.beta(), y, CublasHandle.DataType.F32,
                    m.n(), m.strideY(), m.batch(), CublasHandle.ComputeType.F32_FAST_F16);
        } else if (m.batch() > 1) {
            blas.sgemmStridedBatched(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, ldb, m.strideB(), a, lda, m.strideA(),
                    m.beta(), y, m.n(), m.strideY(), m.batch());
        } else if (precision == Precision.FP16) {
            blas.gemmEx(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, CublasHandle.DataType.F32, ldb, a,
                    CublasHandle.DataType.F32, lda, m.beta(), y, CublasHandle.DataType.F32, m.n(),
                    CublasHandle.ComputeType.F32_FAST_F16);
        } else {
            blas.sgemm(opB, opA, m.n(), m.m(), m.k(), m.alpha(), b, ldb, a, lda, m.beta(), y, m.n());
        }
    }

    @Override
    public Replay capture(Runnable work) {
        CudaGraph graph = CudaGraph.capture(stream, work);
        return new Replay() {
            @Override
            public void launch() {
                graph.launch(stream);
            }

            @Override
            public void close() {
                graph.close();
            }
        };
    }

    @Override
    public boolean isCapturing() {
        return stream.isCapturing();
    }

    @Override
    public Marker mark() {
        CudaEvent event = context.createEvent(false);
        event.record(stream);
        return new Marker() {
            @Override
            public void await() {
                event.synchronize();
            }

            @Override
            public void close() {
                event.close();
            }
        };
    }

    @Override
    public void synchronize() {
        stream.synchronize();
    }

    @Override
    public void close() {
        for (AutoCloseable c : List.<AutoCloseable>of(launchers.values().toArray(ModuleLauncher[]::new))) {
            closeQuietly(c);
        }
        launchers.clear();
        for (AutoCloseable c : new AutoCloseable[] {cudnn, cublas, cublasWorkspace, zeroBias, stream, context}) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.getLogger("io.occlusion4j").log(System.Logger.Level.DEBUG, "closing " + c + ": " + e);
        }
    }
}
