// Device memory owned by one object: allocation, copies both ways, memset.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A block of device memory ({@code cuMemAlloc_v2}). Every copy and fill is ordered on a stream the caller
 * gives: {@link #upload}/{@link #download} take any native host memory and wait for the stream; the
 * {@code *Async} ones take a {@link PinnedHostBuffer} (or device memory) and keep both buffers alive until the
 * stream has passed the copy.
 */
public final class DeviceBuffer extends NativeResource implements DeviceMemory {

    private final ContextHandle context;
    private final long address;
    private final long byteSize;
    /** For a slice, the buffer whose memory it views (held until the slice is released); null for an allocation. */
    private final DeviceBuffer viewed;

    private DeviceBuffer(ContextHandle context, long address, long byteSize) {
        super("DeviceBuffer(" + byteSize + " bytes)", context);
        this.context = context;
        this.address = address;
        this.byteSize = byteSize;
        this.viewed = null;
    }

    private DeviceBuffer(DeviceBuffer viewed, long offset, long byteSize) {
        super("DeviceBuffer(slice of " + byteSize + " bytes at " + offset + ")", viewed);
        this.context = viewed.context;
        this.address = viewed.address + offset;
        this.byteSize = byteSize;
        this.viewed = viewed;
    }

    /**
     * A view of {@code [offset, offset + bytes)} of this buffer, for library calls that take whole buffers
     * (an inference plan's activations live at offsets of one arena). The view keeps this buffer alive;
     * closing it frees nothing.
     */
    public DeviceBuffer slice(long offset, long bytes) {
        ensureOpen();
        checkRange(offset, bytes);
        if (bytes <= 0) {
            throw new IllegalArgumentException("a slice of " + bytes + " bytes");
        }
        return new DeviceBuffer(this, offset, bytes);
    }

    static DeviceBuffer allocate(ContextHandle context, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device allocation of " + bytes + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_LONG);
            CudaException.check(cuda_h.cuMemAlloc_v2(out, bytes), "cuMemAlloc_v2", bytes + " bytes");
            return new DeviceBuffer(context, out.get(cuda_h.C_LONG, 0), bytes);
        }
    }

    /** The {@code CUdeviceptr}, for kernel arguments and library calls. */
    @Override
    public long address() {
        ensureOpen();
        return address;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    private void enter() {
        ensureOpen();
        context.makeCurrent();
    }

    private void checkRange(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > byteSize) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + bytes)
                    + ") outside a device buffer of " + byteSize + " bytes");
        }
    }

    private static void checkHost(MemorySegment host) {
        if (!host.isNative()) {
            throw new IllegalArgumentException("host memory for a CUDA copy must be native (off-heap)");
        }
    }

    // Every copy and fill below is enqueued on a caller's stream. The legacy default stream (cuMemcpyHtoD_v2,
    // cuMemsetD32_v2, ...) does not order with the non-blocking streams this layer creates, and a synchronous
    // copy from pageable memory may return before its DMA is done, so this layer offers neither.

    /**
     * Copies all of {@code host} (any native memory) to {@code offset} bytes into this buffer, in order on
     * {@code stream}, and waits for the stream: afterwards the copy is done and {@code host} may be reused.
     */
    public void upload(MemorySegment host, long offset, CudaStream stream) {
        checkHost(host);
        checkRange(offset, host.byteSize());
        enter();
        CudaException.check(cuda_h.cuMemcpyHtoDAsync_v2(address + offset, host, host.byteSize(), stream.handle()),
                "cuMemcpyHtoDAsync_v2");
        stream.synchronize();
    }

    /** {@link #upload} of {@code values} to the start of this buffer. */
    public void upload(float[] values, CudaStream stream) {
        try (Arena arena = Arena.ofConfined()) {
            upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, values), 0, stream);
        }
    }

    /**
     * Fills all of {@code host} from {@code offset} bytes into this buffer once the work queued on {@code stream}
     * before it is done (the copy is ordered on the stream, which is then waited for).
     */
    public void download(MemorySegment host, long offset, CudaStream stream) {
        checkHost(host);
        checkRange(offset, host.byteSize());
        enter();
        CudaException.check(cuda_h.cuMemcpyDtoHAsync_v2(host, address + offset, host.byteSize(), stream.handle()),
                "cuMemcpyDtoHAsync_v2");
        stream.synchronize();
    }

    /** The whole buffer as floats, after the work queued on {@code stream}. */
    public float[] toFloatArray(CudaStream stream) {
        if (byteSize % Float.BYTES != 0) {
            throw new IllegalStateException("a buffer of " + byteSize + " bytes is not a float array");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(byteSize, 16);
            download(host, 0, stream);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** Enqueues a copy of all of {@code source} to the start of this buffer. */
    public void copyFromAsync(PinnedHostBuffer source, CudaStream stream) {
        copyFromAsync(source, 0, stream);
    }

    /** Enqueues a copy of all of {@code source} to {@code offset} bytes into this buffer. */
    public void copyFromAsync(PinnedHostBuffer source, long offset, CudaStream stream) {
        checkRange(offset, source.byteSize());
        enter();
        CudaException.check(cuda_h.cuMemcpyHtoDAsync_v2(address + offset, source.segment(), source.byteSize(),
                stream.handle()), "cuMemcpyHtoDAsync_v2");
        stream.keepAlive(this, source);
    }

    /** Enqueues a copy filling all of {@code target} from the start of this buffer. */
    public void copyToAsync(PinnedHostBuffer target, CudaStream stream) {
        copyToAsync(target, 0, stream);
    }

    /** Enqueues a copy filling all of {@code target} from {@code offset} bytes into this buffer. */
    public void copyToAsync(PinnedHostBuffer target, long offset, CudaStream stream) {
        checkRange(offset, target.byteSize());
        enter();
        CudaException.check(cuda_h.cuMemcpyDtoHAsync_v2(target.segment(), address + offset, target.byteSize(),
                stream.handle()), "cuMemcpyDtoHAsync_v2");
        stream.keepAlive(this, target);
    }

    /** Enqueues a device-to-device copy of all of {@code source} to the start of this buffer. */
    public void copyFromAsync(DeviceBuffer source, CudaStream stream) {
        checkRange(0, source.byteSize);
        enter();
        CudaException.check(cuda_h.cuMemcpyDtoDAsync_v2(address, source.address(), source.byteSize,
                stream.handle()), "cuMemcpyDtoDAsync_v2");
        stream.keepAlive(this, source);
    }

    /** Enqueues setting every byte to {@code value}. */
    public void fillAsync(byte value, CudaStream stream) {
        enter();
        CudaException.check(cuda_h.cuMemsetD8Async(address, value, byteSize, stream.handle()), "cuMemsetD8Async");
        stream.keepAlive(this);
    }

    /** Enqueues setting every 32-bit word to {@code bits} (e.g. {@code Float.floatToRawIntBits(x)}). */
    public void fill32Async(int bits, CudaStream stream) {
        requireWords();
        enter();
        CudaException.check(cuda_h.cuMemsetD32Async(address, bits, byteSize / 4, stream.handle()), "cuMemsetD32Async");
        stream.keepAlive(this);
    }

    private void requireWords() {
        if (byteSize % 4 != 0) {
            throw new IllegalStateException("a 32-bit fill needs a multiple of 4 bytes, not " + byteSize);
        }
    }

    @Override
    void free() {
        if (viewed != null) {
            return;
        }
        context.makeCurrent();
        CudaException.check(cuda_h.cuMemFree_v2(address), "cuMemFree_v2");
    }
}
