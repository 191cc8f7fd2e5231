// Throughput of the variant writer in GB/s of bytes written, beside the device-to-device copy bandwidth.
package io.occlusion4j.bench;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaEvent;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.NvrtcCompiler;
import io.occlusion4j.kernels.DeviceFill;
import io.occlusion4j.kernels.KernelGeometry;
import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.ModuleLauncher;
import io.occlusion4j.kernels.OcclusionKernels;

/**
 * Times, with events after a warm-up, on one stream: the full write of a batch (gpu-large: 3x1024x1024,
 * B=16, fp32 and fp16), the incremental write (window 64, stride 32), and a cuMemcpyDtoDAsync of the
 * same number of bytes as the full write. Prints one table row per case; the ratio is writer GB/s over
 * copy GB/s (both counting bytes written once).
 */
public final class VariantWriterBenchmark {
    private VariantWriterBenchmark() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try (CudaContext context = CudaContext.primary();
             CudaStream stream = context.createStream();
             ModuleLauncher launcher = ModuleLauncher.load(context, NvrtcCompiler.withDefaultCache(), KernelProgram.OCCLUSION,
                     stream);
             CudaEvent start = context.createEvent(true);
             CudaEvent stop = context.createEvent(true)) {
            OcclusionKernels kernels = new OcclusionKernels(launcher);
            int channels = 3;
            int side = 1024;
            int batch = 16;
            long sample = (long) channels * side * side;
            System.out.println("| case | bytes written | ms | GB/s | copy GB/s | ratio |");
            System.out.println("|---|---|---|---|---|---|");
            try (DeviceBuffer x = context.allocate(4 * sample); DeviceBuffer mean = context.allocate(4 * channels);
                 DeviceBuffer scale = context.allocate(4 * channels); DeviceBuffer values = context.allocate(4 * channels);
                 DeviceBuffer out = context.allocate(4 * sample * batch); DeviceBuffer copy = context.allocate(4 * sample * batch)) {
                x.fill32Async(Float.floatToRawIntBits(0.5f), stream);
                mean.fill32Async(0, stream);
                scale.fill32Async(Float.floatToRawIntBits(1f), stream);
                values.fill32Async(0, stream);
                DeviceFill fill = DeviceFill.perChannelValues(values);
                double copyGbs = 0;
                for (int rep = 0; rep < 2; rep++) {
                    copy.copyFromAsync(out, stream);
                }
                start.record(stream);
                for (int rep = 0; rep < reps; rep++) {
                    copy.copyFromAsync(out, stream);
                }
                stop.record(stream);
                stop.synchronize();
                double copyMs = stop.elapsedMillisSince(start) / reps;
                copyGbs = out.byteSize() / copyMs / 1e6;
                System.out.printf("| cuMemcpyDtoDAsync | %d | %.4f | %.1f | %.1f | 1.00 |%n", out.byteSize(), copyMs, copyGbs, copyGbs);
                for (boolean half : new boolean[] {false, true}) {
                    KernelGeometry g = new KernelGeometry(channels, new int[] {side, side}, new int[] {64, 64}, new int[] {32, 32},
                            KernelGeometry.EDGE_CROP, false, half, false);
                    long fullBytes = sample * batch * g.elementBytes();
                    double ms = time(stream, start, stop, reps,
                            () -> kernels.writeFull(g, batch, batch, 0, x, fill, mean, scale, out));
                    double gbs = fullBytes / ms / 1e6;
                    System.out.printf("| full write %s | %d | %.4f | %.1f | %.1f | %.2f |%n", half ? "fp16" : "fp32", fullBytes, ms, gbs,
                            copyGbs, gbs / copyGbs);
                    // Incremental: windows batch..2*batch-1 after 0..batch-1; bytes = union of the two regions per slot.
                    long nextBytes = incrementalBytes(g, batch, 0, batch);
                    double nms = time(stream, start, stop, reps,
                            () -> kernels.writeNext(g, batch, 0, batch, x, fill, mean, scale, out));
                    double ngbs = nextBytes / nms / 1e6;
                    System.out.printf("| next batch %s (launch-bound) | %d | %.4f | %.1f | %.1f | %.2f |%n", half ? "fp16" : "fp32",
                            nextBytes, nms, ngbs, copyGbs, ngbs / copyGbs);
                }
            }
        }
    }

    private static double time(CudaStream stream, CudaEvent start, CudaEvent stop, int reps, Runnable work) {
        for (int i = 0; i < 3; i++) {
            work.run();
        }
        start.record(stream);
        for (int i = 0; i < reps; i++) {
            work.run();
        }
        stop.record(stream);
        stop.synchronize();
        return stop.elapsedMillisSince(start) / reps;
    }

    /** Bytes the incremental write stores: per slot, the old region outside the new one plus the new one. */
    static long incrementalBytes(KernelGeometry g, int n, long previous, long first) {
        long elements = 0;
        int[] gs = g.gridShape();
        for (int s = 0; s < n; s++) {
            long[] oldBox = box(g, gs, previous + s);
            long[] newBox = box(g, gs, first + s);
            long overlap = 1;
            long oldSize = 1;
            long newSize = 1;
            for (int d = 0; d < g.rank(); d++) {
                long lo = Math.max(oldBox[2 * d], newBox[2 * d]);
                long hi = Math.min(oldBox[2 * d] + oldBox[2 * d + 1], newBox[2 * d] + newBox[2 * d + 1]);
                overlap *= Math.max(0, hi - lo);
                oldSize *= oldBox[2 * d + 1];
                newSize *= newBox[2 * d + 1];
            }
            elements += oldSize - overlap + newSize;
        }
        return elements * g.channels() * g.elementBytes();
    }

    private static long[] box(KernelGeometry g, int[] gs, long window) {
        long[] out = new long[2 * g.rank()];
        long rest = window;
        for (int d = g.rank() - 1; d >= 0; d--) {
            int i = (int) (rest % gs[d]);
            rest /= gs[d];
            int[] se = g.axisWindow(d, i);
            out[2 * d] = se[0];
            out[2 * d + 1] = se[1];
        }
        return out;
    }
}
