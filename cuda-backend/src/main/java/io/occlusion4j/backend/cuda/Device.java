// Where the CUDA back end's work runs: a GPU through the driver, or the host running the same operations in order.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.DeviceMemory;
import io.occlusion4j.kernels.KernelLauncher;
import io.occlusion4j.kernels.KernelProgram;
import java.lang.foreign.MemorySegment;

/**
 * The operations the CUDA back end's plan and occlusion loop are written in, all in order on one work stream:
 * memory, transfers, kernel launches, the cuDNN convolutions and cuBLAS products of a lowered plan, capture and
 * replay of a piece of work, and markers to wait on. {@link GpuDevice} runs them on a GPU. {@link HostDevice} runs
 * the same operations, in the same order, on the CPU: kernels through their host build, convolutions and products
 * in Java as the plan describes them to cuDNN and cuBLAS, a capture recorded and replayed as a CUDA graph would be.
 * So the whole device loop (slots, the variant writer's window rewrites, graph replays, score gathering) runs in
 * the tests on any machine, and a bug in its orchestration shows there.
 */
public interface Device extends AutoCloseable {

    /** What this is, in words (for the session's {@code device()} and the logs). */
    String description();

    /** Whether this is the host stand-in (no GPU involved). */
    boolean isHost();

    /** Bytes a plan may still allocate. */
    long freeBytes();

    /** {@code bytes} of device memory (contents undefined: the host device fills them with a NaN pattern). */
    Buffer allocate(long bytes);

    /** Page-locked host memory for transfers that overlap device work. */
    HostBuffer allocateHost(long bytes);

    /** Copies all of {@code host} to {@code offset} bytes into {@code target}, in order; {@code host} may be reused at once. */
    void upload(MemorySegment host, Buffer target, long offset);

    /** Enqueues a copy of all of {@code source} to the start of {@code target}; {@code source} must stay unchanged until the next wait. */
    void uploadAsync(HostBuffer source, Buffer target);

    /** Enqueues a copy of {@code target.byteSize()} bytes from {@code offset} into {@code source} to {@code target}. */
    void downloadAsync(Buffer source, long offset, HostBuffer target);

    /** Fills all of {@code host} from {@code offset} bytes into {@code source} once the work before it is done. */
    void download(Buffer source, long offset, MemorySegment host);

    /** Enqueues setting every 32-bit word of {@code target} to {@code bits}. */
    void fill32(Buffer target, int bits);

    /** The launcher of {@code program} on this device's stream, made once and owned by the device. */
    KernelLauncher launcher(KernelProgram program);

    /** Describes a plan's convolution to the library once (descriptors, algorithm, workspace need). */
    Convolution prepare(Lowered.Convolution convolution, PlanOptions options);

    /** Enqueues {@code y = act(conv(x, w) + bias + residual)}; {@code bias} and {@code residual} may be null. */
    void convolve(Convolution convolution, Buffer x, Buffer w, Buffer bias, Buffer residual, Buffer y, Buffer workspace);

    /** Enqueues the matrix product {@code product} describes, in {@code precision}. */
    void multiply(Lowered.MatrixProduct product, Buffer a, Buffer b, Buffer y, Precision precision);

    /**
     * Records {@code work} (run now, but only recorded, nothing executed) as a replayable whole; inside it, only
     * enqueuing operations are allowed.
     */
    Replay capture(Runnable work);

    /** Whether a {@link #capture} is in progress on this thread. */
    boolean isCapturing();

    /** Marks the stream here; the marker's {@link Marker#await} returns once the work before it is done. */
    Marker mark();

    /** Waits for all work enqueued so far; errors of asynchronous work surface here. */
    void synchronize();

    @Override
    void close();

    /** Device memory with one owner; a {@link #slice} views it and frees nothing. */
    interface Buffer extends DeviceMemory, AutoCloseable {
        /** A view of {@code [offset, offset + bytes)}. */
        Buffer slice(long offset, long bytes);

        @Override
        void close();
    }

    /** Host memory for asynchronous transfers. */
    interface HostBuffer extends AutoCloseable {
        MemorySegment segment();

        @Override
        void close();
    }

    /** Captured work, replayed in order on the stream. */
    interface Replay extends AutoCloseable {
        void launch();

        @Override
        void close();
    }

    /** A point in the stream's work. */
    interface Marker extends AutoCloseable {
        void await();

        @Override
        void close();
    }

    /** A convolution as the library runs it: its workspace need and the way it runs, in words (for the logs). */
    interface Convolution extends AutoCloseable {
        long workspaceBytes();

        String describe();

        @Override
        void close();
    }
}
