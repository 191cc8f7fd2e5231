// The device on the CPU: the same operations in the same order, for the tests and for checking a plan without a GPU.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.kernels.HostLauncher;
import io.occlusion4j.kernels.KernelLauncher;
import io.occlusion4j.kernels.KernelProgram;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Device} on the host. Memory is native memory, filled with a NaN pattern when allocated (GPU memory is not
 * zeroed either, so a read of something never written shows). Kernels run through their host build
 * ({@link HostLauncher}), convolutions and products in Java ({@link HostLibraryCalls}) on the operands' storage
 * (fp32 NCHW or fp16 NHWC), each operation when it is enqueued. A {@link #capture} records the operations instead
 * of running them and {@link Replay#launch} runs the record again, as a CUDA graph replays its nodes: with the
 * argument values of the capture, reading whatever memory holds at replay time.
 */
public final class HostDevice implements Device {
    private final long freeBytes;
    private final Map<KernelProgram, KernelLauncher> launchers = new EnumMap<>(KernelProgram.class);
    private List<Runnable> recording;

    /** A host device that reports {@code freeBytes} free (what a plan sizes its batch by). */
    public HostDevice(long freeBytes) {
        this.freeBytes = freeBytes;
    }

    /** A host device with 8 GiB to plan with. */
    public HostDevice() {
        this(8L << 30);
    }

    @Override
    public String description() {
        return "host (the kernels' host build; convolutions and products in Java)";
    }

    @Override
    public boolean isHost() {
        return true;
    }

    @Override
    public long freeBytes() {
        return freeBytes;
    }

    /** Native memory; the owner's close frees it, a slice frees nothing. */
    private record HostMemory(MemorySegment segment, Arena owner) implements Buffer, HostBuffer {
        @Override
        public long address() {
            return segment.address();
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }

        @Override
        public Buffer slice(long offset, long bytes) {
            return new HostMemory(segment.asSlice(offset, bytes), null);
        }

        @Override
        public void close() {
            if (owner != null && owner.scope().isAlive()) {
                owner.close();
            }
        }
    }

    static MemorySegment segment(Buffer b) {
        return ((HostMemory) b).segment();
    }

    private static HostMemory newMemory(long bytes) {
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(Math.max(1, bytes), 256);
        s.fill((byte) 0x7f);
        return new HostMemory(s.asSlice(0, bytes), arena);
    }

    @Override
    public Buffer allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device allocation of " + bytes + " bytes");
        }
        return newMemory(bytes);
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        return newMemory(bytes);
    }

    /** Runs {@code op} now, or records it while capturing. */
    private void submit(Runnable op) {
        if (recording != null) {
            recording.add(op);
        } else {
            op.run();
        }
    }

    private void refuseWhileCapturing(String what) {
        if (recording != null) {
            throw new IllegalStateException(what + " is not allowed while work is being captured");
        }
    }

    @Override
    public void upload(MemorySegment host, Buffer target, long offset) {
        refuseWhileCapturing("a synchronous upload");
        MemorySegment.copy(host, 0, segment(target), offset, host.byteSize());
    }

    @Override
    public void uploadAsync(HostBuffer source, Buffer target) {
        MemorySegment from = ((HostMemory) source).segment();
        submit(() -> MemorySegment.copy(from, 0, segment(target), 0, from.byteSize()));
    }

    @Override
    public void downloadAsync(Buffer source, long offset, HostBuffer target) {
        MemorySegment to = ((HostMemory) target).segment();
        submit(() -> MemorySegment.copy(segment(source), offset, to, 0, to.byteSize()));
    }

    @Override
    public void download(Buffer source, long offset, MemorySegment host) {
        refuseWhileCapturing("a download");
        MemorySegment.copy(segment(source), offset, host, 0, host.byteSize());
    }

    @Override
    public void fill32(Buffer target, int bits) {
        submit(() -> {
            MemorySegment s = segment(target);
            for (long i = 0; i + 4 <= s.byteSize(); i += 4) {
                s.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, i, bits);
            }
        });
    }

    @Override
    public KernelLauncher launcher(KernelProgram program) {
        return launchers.computeIfAbsent(program, p -> new KernelLauncher() {
            private final HostLauncher host = new HostLauncher(p);

            @Override
            public void launch(String kernel, long items, KernelArgs args) {
                submit(() -> host.launch(kernel, items, args));
            }

            @Override
            public void close() {
                host.close();
            }
        });
    }

    private record HostConvolution(Lowered.Convolution lowered) implements Convolution {
        @Override
        public long workspaceBytes() {
            return 0;
        }

        @Override
        public String describe() {
            return "host convolution";
        }

        @Override
        public void close() {
        }
    }

    @Override
    public Convolution prepare(Lowered.Convolution convolution, PlanOptions options) {
        return new HostConvolution(convolution);
    }

    @Override
    public void convolve(Convolution convolution, Buffer x, Buffer w, Buffer bias, Buffer residual, Buffer y,
                         Buffer workspace) {
        Lowered.Convolution c = ((HostConvolution) convolution).lowered();
        submit(() -> HostLibraryCalls.convolve(c, segment(x), segment(w), bias == null ? null : segment(bias),
                residual == null ? null : segment(residual), segment(y)));
    }

    @Override
    public void multiply(Lowered.MatrixProduct product, Buffer a, Buffer b, Buffer y, Precision precision) {
        submit(() -> HostLibraryCalls.multiply(product, segment(a), segment(b), segment(y)));
    }

    @Override
    public Replay capture(Runnable work) {
        if (recording != null) {
            throw new IllegalStateException("this device is already capturing");
        }
        List<Runnable> ops = new ArrayList<>();
        recording = ops;
        try {
            work.run();
        } finally {
            recording = null;
        }
        return new Replay() {
            @Override
            public void launch() {
                for (Runnable op : ops) {
                    submit(op);
                }
            }

            @Override
            public void close() {
                ops.clear();
            }
        };
    }

    @Override
    public boolean isCapturing() {
        return recording != null;
    }

    @Override
    public Marker mark() {
        refuseWhileCapturing("a marker");
        return new Marker() {
            @Override
            public void await() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void synchronize() {
        refuseWhileCapturing("a synchronisation");
    }

    @Override
    public void close() {
        launchers.values().forEach(KernelLauncher::close);
        launchers.clear();
    }
}
