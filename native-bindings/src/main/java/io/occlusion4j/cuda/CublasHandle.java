// A cuBLAS handle: GEMMs on device buffers, bounds-checked before the call.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cublas_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A cuBLAS handle bound to a context (and optionally a stream, which it then keeps alive). Matrices
 * are column-major as in BLAS; every buffer is checked to hold the matrix its leading dimension
 * describes, so a wrong size is an exception here rather than an illegal address later.
 */
public final class CublasHandle extends NativeResource {

    /** {@code cublasMath_t}: PEDANTIC never uses reduced precision; TF32 allows TF32 tensor cores. */
    public enum MathMode {
        DEFAULT(cublas_h.CUBLAS_DEFAULT_MATH), PEDANTIC(cublas_h.CUBLAS_PEDANTIC_MATH),
        TF32_TENSOR_OP(cublas_h.CUBLAS_TF32_TENSOR_OP_MATH);

        final int value;

        MathMode(int value) {
            this.value = value;
        }
    }

    public enum Transpose {
        NONE(cublas_h.CUBLAS_OP_N), TRANSPOSE(cublas_h.CUBLAS_OP_T);

        final int value;

        Transpose(int value) {
            this.value = value;
        }
    }

    /** {@code cudaDataType} of GEMM operands. */
    public enum DataType {
        F32(cublas_h.CUDA_R_32F, 4), F16(cublas_h.CUDA_R_16F, 2), BF16(cublas_h.CUDA_R_16BF, 2);

        final int value;
        final int bytes;

        DataType(int value, int bytes) {
            this.value = value;
            this.bytes = bytes;
        }
    }

    /** {@code cublasComputeType_t}. */
    public enum ComputeType {
        F32(cublas_h.CUBLAS_COMPUTE_32F), F32_PEDANTIC(cublas_h.CUBLAS_COMPUTE_32F_PEDANTIC),
        F32_FAST_TF32(cublas_h.CUBLAS_COMPUTE_32F_FAST_TF32), F32_FAST_F16(cublas_h.CUBLAS_COMPUTE_32F_FAST_16F);

        final int value;

        ComputeType(int value) {
            this.value = value;
        }
    }

    private final ContextHandle context;
    private final MemorySegment handle;
    private CudaStream stream;
    private DeviceBuffer workspace;

    private CublasHandle(ContextHandle context, MemorySegment handle) {
        super("CublasHandle", context);
        this.context = context;
        this.handle = handle;
    }

    public static CublasHandle create(CudaContext context) {
        ContextHandle bound = context.handle();
        bound.enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CublasException.check(cublas_h.cublasCreate_v2(out), "cublasCreate_v2");
            return new CublasHandle(bound, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** cuBLAS's version as major.minor.patch. Needs no GPU. */
    public static String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int[] parts = new int[3];
            int[] properties = {cublas_h.MAJOR_VERSION, cublas_h.MINOR_VERSION, cublas_h.PATCH_LEVEL};
            for (int i = 0; i < 3; i++) {
                CublasException.check(cublas_h.cublasGetProperty(properties[i], value), "cublasGetProperty");
                parts[i] = value.get(ValueLayout.JAVA_INT, 0);
            }
            return parts[0] + "." + parts[1] + "." + parts[2];
        }
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    /**
     * Runs later calls on {@code stream}, which this handle then keeps alive. cuBLAS resets the workspace to its
     * own pool on every stream change, so a workspace given to {@link #setWorkspace} is given again here.
     */
    public void setStream(CudaStream newStream) {
        enter();
        CublasException.check(cublas_h.cublasSetStream_v2(handle, newStream.handle()), "cublasSetStream_v2");
        newStream.retain();
        if (stream != null) {
            stream.release();
        }
        stream = newStream;
        if (workspace != null) {
            applyWorkspace();
        }
    }

    /**
     * Has cuBLAS use {@code buffer} (kept alive while set) as its workspace instead of allocating from its own
     * pool: a call captured into a CUDA graph must allocate nothing. NVIDIA recommends 32 MiB on Hopper and
     * 4 MiB on earlier GPUs.
     */
    public void setWorkspace(DeviceBuffer buffer) {
        enter();
        buffer.retain();
        if (workspace != null) {
            workspace.release();
        }
        workspace = buffer;
        applyWorkspace();
    }

    private void applyWorkspace() {
        CublasException.check(cublas_h.cublasSetWorkspace_v2(handle, MemorySegment.ofAddress(workspace.address()),
                workspace.byteSize()), "cublasSetWorkspace_v2");
    }

    public void setMathMode(MathMode mode) {
        enter();
        CublasException.check(cublas_h.cublasSetMathMode(handle, mode.value), "cublasSetMathMode");
    }

    /** The raw {@code cublasMath_t}, including flag bits. */
    public int mathMode() {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            CublasException.check(cublas_h.cublasGetMathMode(handle, out), "cublasGetMathMode");
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** {@code C = alpha * op(A) * op(B) + beta * C}, single precision, column-major. */
    public void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, DeviceBuffer a, int lda,
                      DeviceBuffer b, int ldb, float beta, DeviceBuffer c, int ldc) {
        checkOperand("A", a, transA == Transpose.NONE ? m : k, transA == Transpose.NONE ? k : m, lda, 4, 0, 1);
        checkOperand("B", b, transB == Transpose.NONE ? k : n, transB == Transpose.NONE ? n : k, ldb, 4, 0, 1);
        checkOperand("C", c, m, n, ldc, 4, 0, 1);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CublasException.check(cublas_h.cublasSgemm_v2(handle, transA.value, transB.value, m, n, k,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), MemorySegment.ofAddress(a.address()), lda,
                    MemorySegment.ofAddress(b.address()), ldb, arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c.address()), ldc), "cublasSgemm_v2");
        }
    }

    /** GEMM with chosen operand and compute types; alpha and beta are float (compute types F32*). */
    public void gemmEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                       DeviceBuffer a, DataType aType, int lda, DeviceBuffer b, DataType bType, int ldb,
                       float beta, DeviceBuffer c, DataType cType, int ldc, ComputeType compute) {
        checkOperand("A", a, transA == Transpose.NONE ? m : k, transA == Transpose.NONE ? k : m, lda, aType.bytes, 0, 1);
        checkOperand("B", b, transB == Transpose.NONE ? k : n, transB == Transpose.NONE ? n : k, ldb, bType.bytes, 0, 1);
        checkOperand("C", c, m, n, ldc, cType.bytes, 0, 1);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CublasException.check(cublas_h.cublasGemmEx(handle, transA.value, transB.value, m, n, k,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), MemorySegment.ofAddress(a.address()),
                    aType.value, lda, MemorySegment.ofAddress(b.address()), bType.value, ldb,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), MemorySegment.ofAddress(c.address()),
                    cType.value, ldc, compute.value, cublas_h.CUBLAS_GEMM_DEFAULT), "cublasGemmEx");
        }
    }

    /** {@code batchCount} SGEMMs whose operands lie {@code stride*} elements apart. */
    public void sgemmStridedBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                    DeviceBuffer a, int lda, long strideA, DeviceBuffer b, int ldb, long strideB,
                                    float beta, DeviceBuffer c, int ldc, long strideC, int batchCount) {
        checkOperand("A", a, transA == Transpose.NONE ? m : k, transA == Transpose.NONE ? k : m, lda, 4, strideA, batchCount);
        checkOperand("B", b, transB == Transpose.NONE ? k : n, transB == Transpose.NONE ? n : k, ldb, 4, strideB, batchCount);
        checkOperand("C", c, m, n, ldc, 4, strideC, batchCount);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CublasException.check(cublas_h.cublasSgemmStridedBatched(handle, transA.value, transB.value, m, n, k,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), MemorySegment.ofAddress(a.address()), lda,
                    strideA, MemorySegment.ofAddress(b.address()), ldb, strideB,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), MemorySegment.ofAddress(c.address()), ldc,
                    strideC, batchCount), "cublasSgemmStridedBatched");
        }
    }

    /** {@link #gemmEx} over {@code batchCount} operand triples {@code stride*} elements apart. */
    public void gemmStridedBatchedEx(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                     DeviceBuffer a, DataType aType, int lda, long strideA, DeviceBuffer b, DataType bType,
                                     int ldb, long strideB, float beta, DeviceBuffer c, DataType cType, int ldc, long strideC,
                                     int batchCount, ComputeType compute) {
        checkOperand("A", a, transA == Transpose.NONE ? m : k, transA == Transpose.NONE ? k : m, lda, aType.bytes, strideA,
                batchCount);
        checkOperand("B", b, transB == Transpose.NONE ? k : n, transB == Transpose.NONE ? n : k, ldb, bType.bytes, strideB,
                batchCount);
        checkOperand("C", c, m, n, ldc, cType.bytes, strideC, batchCount);
        enter();
        try (Arena arena = Arena.ofConfined()) {
            CublasException.check(cublas_h.cublasGemmStridedBatchedEx(handle, transA.value, transB.value, m, n, k,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), MemorySegment.ofAddress(a.address()), aType.value,
                    lda, strideA, MemorySegment.ofAddress(b.address()), bType.value, ldb, strideB,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), MemorySegment.ofAddress(c.address()), cType.value,
                    ldc, strideC, batchCount, compute.value, cublas_h.CUBLAS_GEMM_DEFAULT), "cublasGemmStridedBatchedEx");
        }
    }

    /** Raises unless {@code buffer} holds a rows x cols column-major matrix with leading dimension ld. */
    static void checkOperand(String name, DeviceBuffer buffer, int rows, int cols, int ld, int elementBytes,
                             long stride, int batch) {
        if (rows < 0 || cols < 0 || ld < Math.max(1, rows)) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld + " < rows " + rows);
        }
        long elements = rows == 0 || cols == 0 ? 0 : (long) ld * (cols - 1) + rows;
        long needed = (elements + stride * (batch - 1L)) * elementBytes;
        if (needed > buffer.byteSize()) {
            throw new IllegalArgumentException(name + ": a " + rows + "x" + cols + " matrix (ld " + ld + ", batch "
                    + batch + ") needs " + needed + " bytes, the buffer has " + buffer.byteSize());
        }
    }

    @Override
    void free() {
        try {
            context.makeCurrent();
            CublasException.check(cublas_h.cublasDestroy_v2(handle), "cublasDestroy_v2");
        } finally {
            if (workspace != null) {
                workspace.release();
                workspace = null;
            }
            if (stream != null) {
                stream.release();
                stream = null;
            }
        }
    }
}
