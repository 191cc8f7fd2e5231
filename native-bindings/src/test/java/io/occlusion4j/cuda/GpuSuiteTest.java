// Everything that needs a GPU, against CPU references; skips with the reason where no GPU is usable.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import io.occlusion4j.cuda.bindings.NativeLibraries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU suite: memory, NVRTC + launch, events, graphs, cuBLAS and cuDNN against CPU references.
 * Run on a GPU machine by gpu/device-check.sh checks; elsewhere every test skips with what is missing.
 */
@Tag("gpu")
class GpuSuiteTest {

    private static CudaContext context;
    private static CudaStream stream;

    private static final String KERNELS = """
            extern "C" __global__ void saxpy(float a, const float* x, float* y, int n) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) y[i] = a * x[i] + y[i];
            }
            extern "C" __global__ void add_one(float* x, int n) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) x[i] += 1.0f;
            }
            """;

    /** Why no GPU is usable here, or null when one is. */
    private static String unavailable;

    @BeforeAll
    static void openDevice() {
        LoadedLibrary driver = NativeLibraries.load(CudaLibrary.DRIVER);
        if (!driver.isFound()) {
            unavailable = "no CUDA driver: " + driver.reason();
            return;
        }
        try {
            if (CudaDevice.count() == 0) {
                unavailable = "the CUDA driver reports no device";
                return;
            }
        } catch (CudaException e) {
            unavailable = "the CUDA driver cannot initialise: " + e.getMessage();
            return;
        }
        context = CudaContext.primary(CudaDevice.get(0));
        stream = context.createStream();
    }

    /** Per test, so every test is reported as skipped with the reason rather than silently absent. */
    @BeforeEach
    void requireGpu() {
        assumeTrue(unavailable == null, unavailable);
    }

    @AfterAll
    static void closeDevice() {
        if (stream != null) {
            stream.close();
        }
        if (context != null) {
            context.close();
            assertThat(context.isReleased()).isTrue();
        }
    }

    private static void assumeLibrary(CudaLibrary library) {
        LoadedLibrary loaded = NativeLibraries.load(library);
        assumeTrue(loaded.isFound(), library.displayName() + " missing: " + loaded.reason());
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static CudaModule compileKernels(Path cache) {
        NvrtcCompiler compiler = NvrtcCompiler.cachingIn(cache);
        NvrtcCompiler.Compiled cubin = compiler.compile("kernels.cu", KERNELS, context.device().architecture(),
                List.of(), NvrtcCompiler.Output.CUBIN);
        return context.loadModule(cubin.image());
    }

    @Test
    void deviceProperties() {
        CudaDevice device = context.device();
        assertThat(device.name()).isNotBlank();
        assertThat(device.uuid()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(device.totalMemory()).isPositive();
        assertThat(device.multiprocessorCount()).isPositive();
        assertThat(device.architecture()).matches("sm_\\d+");
        CudaContext.MemoryInfo info = context.memoryInfo();
        assertThat(info.freeBytes()).isPositive().isLessThanOrEqualTo(info.totalBytes());
        assertThat(CudaDevice.driverVersion()).isGreaterThanOrEqualTo(12000);
    }

    @Test
    void copiesRoundTripAndMemsetFills() {
        float[] values = random(1000, 1);
        try (DeviceBuffer a = context.allocate(4000); DeviceBuffer b = context.allocate(4000)) {
            a.upload(values, stream);
            assertThat(a.toFloatArray(stream)).containsExactly(values);
            b.copyFromAsync(a, stream);
            assertThat(b.toFloatArray(stream)).containsExactly(values);
            b.fill32Async(Float.floatToRawIntBits(2.5f), stream);
            float[] filled = b.toFloatArray(stream);
            for (float f : filled) {
                assertThat(f).isEqualTo(2.5f);
            }
            b.fillAsync((byte) 0, stream);
            assertThat(b.toFloatArray(stream)).containsOnly(0f);
        }
    }

    @Test
    void asyncCopiesKeepPinnedMemoryAliveUntilTheStreamPassesThem() {
        float[] values = random(4096, 2);
        try (DeviceBuffer device = context.allocate(4L * values.length);
             PinnedHostBuffer out = context.allocatePinned(4L * values.length)) {
            PinnedHostBuffer in = context.allocatePinned(4L * values.length);
            MemorySegment.copy(values, 0, in.segment(), ValueLayout.JAVA_FLOAT, 0, values.length);
            device.copyFromAsync(in, stream);
            in.close();
            assertThat(in.isReleased()).as("pinned source freed before the stream passed the copy").isFalse();
            device.copyToAsync(out, stream);
            stream.synchronize();
            assertThat(in.isReleased()).isTrue();
            assertThat(stream.pendingCount()).isZero();
            assertThat(out.segment().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(values);
        }
    }

    @Test
    void closeTwiceIsHarmlessAndUseAfterCloseRaises() {
        DeviceBuffer buffer = context.allocate(256);
        buffer.close();
        buffer.close();
        assertThatThrownBy(buffer::address).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> buffer.fillAsync((byte) 1, stream)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nvrtcCompilesCachesAndTheKernelMatchesTheCpu(@TempDir Path cache) {
        assumeLibrary(CudaLibrary.NVRTC);
        int n = 10_000;
        float[] x = random(n, 3);
        float[] y = random(n, 4);
        NvrtcCompiler compiler = NvrtcCompiler.cachingIn(cache);
        String arch = context.device().architecture();
        NvrtcCompiler.Compiled first = compiler.compile("kernels.cu", KERNELS, arch, List.of(), NvrtcCompiler.Output.CUBIN);
        NvrtcCompiler.Compiled second = compiler.compile("kernels.cu", KERNELS, arch, List.of(), NvrtcCompiler.Output.CUBIN);
        assertThat(first.fromCache()).isFalse();
        assertThat(second.fromCache()).isTrue();
        assertThat(second.image()).isEqualTo(first.image());
        NvrtcCompiler.Compiled ptx = compiler.compile("kernels.cu", KERNELS, arch, List.of(), NvrtcCompiler.Output.PTX);
        assertThat(new String(ptx.image())).contains(".entry saxpy");

        for (NvrtcCompiler.Compiled image : List.of(first, ptx)) {
            try (CudaModule module = context.loadModule(image.image());
                 CudaFunction saxpy = module.function("saxpy", KernelArgs.Kind.F32, KernelArgs.Kind.POINTER,
                         KernelArgs.Kind.POINTER, KernelArgs.Kind.I32);
                 DeviceBuffer dx = context.allocate(4L * n); DeviceBuffer dy = context.allocate(4L * n)) {
                dx.upload(x, stream);
                dy.upload(y, stream);
                saxpy.launch(Dim3.of(Dim3.blocksFor(n, 256)), Dim3.of(256), 0, stream,
                        KernelArgs.create().f32(3f).pointer(dx).pointer(dy).i32(n));
                stream.synchronize();
                float[] result = dy.toFloatArray(stream);
                for (int i = 0; i < n; i++) {
                    assertThat(result[i]).as(image.output() + " element " + i).isEqualTo(3f * x[i] + y[i]);
                }
                assertThatThrownBy(() -> saxpy.launch(Dim3.of(1), Dim3.of(1), 0, stream, KernelArgs.create().i32(1)))
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void eventsTimeTheWorkBetweenThem(@TempDir Path cache) {
        assumeLibrary(CudaLibrary.NVRTC);
        int n = 1 << 22;
        try (CudaModule module = compileKernels(cache); CudaFunction addOne = module.function("add_one");
             DeviceBuffer x = context.allocate(4L * n);
             CudaEvent start = context.createEvent(true); CudaEvent end = context.createEvent(true)) {
            x.fill32Async(0, stream);
            start.record(stream);
            for (int i = 0; i < 20; i++) {
                addOne.launch(Dim3.of(Dim3.blocksFor(n, 256)), Dim3.of(256), 0, stream,
                        KernelArgs.create().pointer(x).i32(n));
            }
            end.record(stream);
            end.synchronize();
            assertThat(end.isComplete()).isTrue();
            assertThat(end.elapsedMillisSince(start)).isPositive();
            assertThat(x.toFloatArray(stream)[n - 1]).isEqualTo(20f);
        }
    }

    @Test
    void aCapturedGraphReplaysTheWork(@TempDir Path cache) {
        assumeLibrary(CudaLibrary.NVRTC);
        int n = 5000;
        try (CudaModule module = compileKernels(cache); CudaFunction addOne = module.function("add_one");
             DeviceBuffer x = context.allocate(4L * n)) {
            x.fill32Async(0, stream);
            try (CudaGraph graph = CudaGraph.capture(stream, () -> {
                addOne.launch(Dim3.of(Dim3.blocksFor(n, 128)), Dim3.of(128), 0, stream, KernelArgs.create().pointer(x).i32(n));
                addOne.launch(Dim3.of(Dim3.blocksFor(n, 128)), Dim3.of(128), 0, stream, KernelArgs.create().pointer(x).i32(n));
            })) {
                assertThat(x.toFloatArray(stream)).as("capture does not execute").containsOnly(0f);
                for (int i = 0; i < 3; i++) {
                    graph.launch(stream);
                }
                stream.synchronize();
                assertThat(x.toFloatArray(stream)).containsOnly(6f);
            }
        }
    }

    @Test
    void aCaptureWhoseWorkFailsIsEndedAndLetsGo(@TempDir Path cache) {
        assumeLibrary(CudaLibrary.NVRTC);
        int n = 1000;
        DeviceBuffer x = context.allocate(4L * n);
        try (CudaModule module = compileKernels(cache); CudaFunction addOne = module.function("add_one")) {
            x.fill32Async(0, stream);
            IllegalStateException failure = new IllegalStateException("the work failed");
            assertThatThrownBy(() -> CudaGraph.capture(stream, () -> {
                addOne.launch(Dim3.of(Dim3.blocksFor(n, 128)), Dim3.of(128), 0, stream, KernelArgs.create().pointer(x).i32(n));
                throw failure;
            })).isSameAs(failure);
            assertThat(stream.isCapturing()).isFalse();
            assertThat(x.toFloatArray(stream)).as("the dropped capture never ran").containsOnly(0f);
        } finally {
            x.close();
        }
        assertThat(x.isReleased()).as("the dropped capture let go of the buffer it used").isTrue();
    }

    /** C = A * B, column-major, in double. */
    private static double[] gemmReference(float[] a, float[] b, int m, int n, int k) {
        double[] c = new double[m * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a[i + p * m] * b[p + j * k];
                }
                c[i + j * m] = sum;
            }
        }
        return c;
    }

    private static double relativeError(float[] actual, double[] expected, int offset) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[offset + i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }

    @Test
    void cublasSgemmMatchesTheCpuWithTf32Off() {
        assumeLibrary(CudaLibrary.CUBLAS);
        int m = 67;
        int n = 45;
        int k = 129;
        float[] a = random(m * k, 5);
        float[] b = random(k * n, 6);
        try (CublasHandle blas = CublasHandle.create(context);
             DeviceBuffer da = context.allocate(4L * a.length); DeviceBuffer db = context.allocate(4L * b.length);
             DeviceBuffer dc = context.allocate(4L * m * n)) {
            blas.setStream(stream);
            blas.setMathMode(CublasHandle.MathMode.PEDANTIC);
            assertThat(blas.mathMode() & 0xf).isEqualTo(2);
            da.upload(a, stream);
            db.upload(b, stream);
            dc.fillAsync((byte) 0xff, stream); // poison: NaN everywhere until cuBLAS writes (beta = 0 ignores C)
            blas.sgemm(CublasHandle.Transpose.NONE, CublasHandle.Transpose.NONE, m, n, k, 1f, da, m, db, k, 0f, dc, m);
            stream.synchronize();
            assertThat(relativeError(dc.toFloatArray(stream), gemmReference(a, b, m, n, k), 0)).isLessThan(1e-5);

            dc.fillAsync((byte) 0xff, stream);
            blas.gemmEx(CublasHandle.Transpose.NONE, CublasHandle.Transpose.NONE, m, n, k, 1f, da,
                    CublasHandle.DataType.F32, m, db, CublasHandle.DataType.F32, k, 0f, dc, CublasHandle.DataType.F32, m,
                    CublasHandle.ComputeType.F32_PEDANTIC);
            stream.synchronize();
            assertThat(relativeError(dc.toFloatArray(stream), gemmReference(a, b, m, n, k), 0)).isLessThan(1e-5);

            assertThatThrownBy(() -> blas.sgemm(CublasHandle.Transpose.NONE, CublasHandle.Transpose.NONE,
                    m + 1, n, k, 1f, da, m + 1, db, k, 0f, dc, m + 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void cublasStridedBatchedGemmMatchesTheCpu() {
        assumeLibrary(CudaLibrary.CUBLAS);
        int m = 16;
        int n = 8;
        int k = 32;
        int batch = 3;
        float[] a = random(m * k * batch, 7);
        float[] b = random(k * n * batch, 8);
        try (CublasHandle blas = CublasHandle.create(context);
             DeviceBuffer da = context.allocate(4L * a.length); DeviceBuffer db = context.allocate(4L * b.length);
             DeviceBuffer dc = context.allocate(4L * m * n * batch)) {
            blas.setStream(stream);
            blas.setMathMode(CublasHandle.MathMode.PEDANTIC);
            da.upload(a, stream);
            db.upload(b, stream);
            blas.sgemmStridedBatched(CublasHandle.Transpose.NONE, CublasHandle.Transpose.NONE, m, n, k, 1f,
                    da, m, (long) m * k, db, k, (long) k * n, 0f, dc, m, (long) m * n, batch);
            stream.synchronize();
            float[] c = dc.toFloatArray(stream);
            for (int i = 0; i < batch; i++) {
                float[] ai = java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k);
                float[] bi = java.util.Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n);
                assertThat(relativeError(c, gemmReference(ai, bi, m, n, k), i * m * n)).as("batch " + i).isLessThan(1e-5);
            }

            // The same products through cublasGemmStridedBatchedEx, fp32 operands, fp16 tensor-core compute.
            dc.fillAsync((byte) 0xff, stream);
            blas.setMathMode(CublasHandle.MathMode.DEFAULT);
            blas.gemmStridedBatchedEx(CublasHandle.Transpose.NONE, CublasHandle.Transpose.NONE, m, n, k, 1f,
                    da, CublasHandle.DataType.F32, m, (long) m * k, db, CublasHandle.DataType.F32, k, (long) k * n, 0f,
                    dc, CublasHandle.DataType.F32, m, (long) m * n, batch, CublasHandle.ComputeType.F32_FAST_F16);
            stream.synchronize();
            float[] c16 = dc.toFloatArray(stream);
            for (int i = 0; i < batch; i++) {
                float[] ai = java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k);
                float[] bi = java.util.Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n);
                assertThat(relativeError(c16, gemmReference(ai, bi, m, n, k), i * m * n)).as("fp16 compute, batch " + i)
                        .isLessThan(1e-2);
            }
        }
    }

    /** NCHW cross-correlation with zero padding and stride 1, in double. */
    private static double[] convolutionReference(float[] x, float[] w, int n, int c, int h, int wd, int kOut, int r, int pad) {
        int oh = h + 2 * pad - r + 1;
        int ow = wd + 2 * pad - r + 1;
        double[] y = new double[n * kOut * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int ko = 0; ko < kOut; ko++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = 0;
                        for (int ci = 0; ci < c; ci++) {
                            for (int fy = 0; fy < r; fy++) {
                                for (int fx = 0; fx < r; fx++) {
                                    int iy = oy + fy - pad;
                                    int ix = ox + fx - pad;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                        sum += (double) x[((b * c + ci) * h + iy) * wd + ix]
                                                * w[((ko * c + ci) * r + fy) * r + fx];
                                    }
                                }
                            }
                        }
                        y[((b * kOut + ko) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void cudnnConvolutionMatchesTheCpuAndTheFusedFormAddsBiasAndRelu() {
        assumeLibrary(CudaLibrary.CUDNN);
        int n = 2, c = 3, h = 9, wd = 11, kOut = 4, r = 3, pad = 1;
        float[] x = random(n * c * h * wd, 9);
        float[] w = random(kOut * c * r * r, 10);
        float[] bias = random(kOut, 11);
        double[] expected = convolutionReference(x, w, n, c, h, wd, kOut, r, pad);
        try (CudnnHandle dnn = CudnnHandle.create(context);
             CudnnTensorDescriptor xDesc = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, n, c, h, wd);
             CudnnFilterDescriptor wDesc = CudnnFilterDescriptor.of(Cudnn.DataType.FLOAT, kOut, c, r, r);
             CudnnConvolutionDescriptor conv = CudnnConvolutionDescriptor.of(new int[] {pad, pad}, new int[] {1, 1},
                     new int[] {1, 1}, Cudnn.DataType.FLOAT)) {
            dnn.setStream(stream);
            conv.setMathType(Cudnn.MathType.DEFAULT);
            int[] outDims = conv.outputDims(xDesc, wDesc);
            assertThat(outDims).containsExactly(n, kOut, h, wd);
            try (CudnnTensorDescriptor yDesc = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, outDims);
                 CudnnTensorDescriptor biasDesc = CudnnTensorDescriptor.of(Cudnn.DataType.FLOAT, 1, kOut, 1, 1);
                 CudnnActivationDescriptor relu = CudnnActivationDescriptor.of(Cudnn.Activation.RELU, 0);
                 DeviceBuffer dx = context.allocate(4L * x.length); DeviceBuffer dw = context.allocate(4L * w.length);
                 DeviceBuffer dBias = context.allocate(4L * kOut); DeviceBuffer dy = context.allocate(yDesc.byteSize())) {
                dx.upload(x, stream);
                dw.upload(w, stream);
                dBias.upload(bias, stream);

                List<Cudnn.ConvolutionAlgorithm> heuristics = dnn.convolutionForwardAlgorithms(xDesc, wDesc, conv, yDesc);
                assertThat(heuristics).isNotEmpty();
                List<Cudnn.ConvolutionAlgorithm> found = dnn.findConvolutionForwardAlgorithms(xDesc, wDesc, conv, yDesc);
                Cudnn.ConvolutionAlgorithm best = found.stream().filter(a -> a.status() == 0).findFirst().orElseThrow();
                long workspaceBytes = dnn.convolutionForwardWorkspaceSize(xDesc, wDesc, conv, yDesc, best.algorithm());
                DeviceBuffer workspace = workspaceBytes > 0 ? context.allocate(workspaceBytes) : null;
                try {
                    dy.fillAsync((byte) 0xff, stream);
                    dnn.convolutionForward(1f, xDesc, dx, wDesc, dw, conv, best.algorithm(), workspace, 0f, yDesc, dy);
                    stream.synchronize();
                    float[] y = dy.toFloatArray(stream);
                    for (int i = 0; i < expected.length; i++) {
                        assertThat((double) y[i]).as("algorithm " + best.algorithm() + ", element " + i)
                                .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4));
                    }
                } finally {
                    if (workspace != null) {
                        workspace.close();
                    }
                }

                int precomp = io.occlusion4j.cuda.bindings.cudnn_h.CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
                long fusedWorkspaceBytes = dnn.convolutionForwardWorkspaceSize(xDesc, wDesc, conv, yDesc, precomp);
                DeviceBuffer fusedWorkspace = fusedWorkspaceBytes > 0 ? context.allocate(fusedWorkspaceBytes) : null;
                try {
                    dy.fillAsync((byte) 0, stream);
                    // alpha2 = 0: z (aliasing y) contributes nothing, y = relu(conv + bias).
                    dnn.convolutionBiasActivationForward(1f, xDesc, dx, wDesc, dw, conv, precomp, fusedWorkspace,
                            0f, yDesc, dy, biasDesc, dBias, relu, yDesc, dy);
                    stream.synchronize();
                    float[] y = dy.toFloatArray(stream);
                    int plane = h * wd;
                    for (int i = 0; i < expected.length; i++) {
                        double reference = Math.max(0, expected[i] + bias[(i / plane) % kOut]);
                        assertThat((double) y[i]).as("fused, element " + i)
                                .isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-4));
                    }
                } finally {
                    if (fusedWorkspace != null) {
                        fusedWorkspace.close();
                    }
                }
            }
        }
    }
}
