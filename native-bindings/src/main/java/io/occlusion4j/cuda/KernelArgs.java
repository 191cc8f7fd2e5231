// Packs kernel arguments the way cuLaunchKernel reads them.
package io.occlusion4j.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kernel arguments in order. {@link #pack} lays them out as {@code cuLaunchKernel} expects: one
 * 8-byte, 8-aligned slot per argument (a 4-byte value in the low bytes, the rest zero), and a
 * {@code void**} array whose entry {@code i} points at slot {@code i}.
 */
public final class KernelArgs {

    /** What a kernel parameter is; {@link CudaModule#function(String, Kind...)} checks launches against it. */
    public enum Kind { POINTER, I32, I64, F32, F64 }

    /** The packed form: {@code pointers} is the {@code void**} to pass, {@code slots} holds the values. */
    public record Packed(MemorySegment pointers, MemorySegment slots) { }

    private final List<Kind> kinds = new ArrayList<>();
    private long[] bits = new long[8];
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    public static KernelArgs create() {
        return new KernelArgs();
    }

    private KernelArgs add(Kind kind, long value) {
        if (kinds.size() == bits.length) {
            bits = Arrays.copyOf(bits, bits.length * 2);
        }
        bits[kinds.size()] = value;
        kinds.add(kind);
        return this;
    }

    /** A pointer to the start of {@code memory}. */
    public KernelArgs pointer(DeviceMemory memory) {
        return pointer(memory, 0);
    }

    /** A pointer {@code byteOffset} bytes into {@code memory}. */
    public KernelArgs pointer(DeviceMemory memory, long byteOffset) {
        if (byteOffset < 0 || byteOffset > memory.byteSize()) {
            throw new IndexOutOfBoundsException("offset " + byteOffset + " outside " + memory.byteSize() + " bytes");
        }
        if (memory instanceof DeviceBuffer buffer) {
            buffers.add(buffer);
        }
        return add(Kind.POINTER, memory.address() + byteOffset);
    }

    /** A raw device address (for memory this layer does not own, e.g. a library's workspace). */
    public KernelArgs address(long deviceAddress) {
        return add(Kind.POINTER, deviceAddress);
    }

    public KernelArgs i32(int value) {
        return add(Kind.I32, value & 0xffff_ffffL);
    }

    public KernelArgs i64(long value) {
        return add(Kind.I64, value);
    }

    public KernelArgs f32(float value) {
        return add(Kind.F32, Float.floatToRawIntBits(value) & 0xffff_ffffL);
    }

    public KernelArgs f64(double value) {
        return add(Kind.F64, Double.doubleToRawLongBits(value));
    }

    public int count() {
        return kinds.size();
    }

    public List<Kind> kinds() {
        return List.copyOf(kinds);
    }

    /**
     * Argument {@code i} as a Java value of its kind ({@code Integer}, {@code Long}, {@code Float}, {@code Double},
     * or the address as a {@code Long} for a pointer): what a host build of the kernel is called with.
     */
    public Object value(int i) {
        long b = bits[i];
        return switch (kinds.get(i)) {
            case I32 -> (int) b;
            case F32 -> Float.intBitsToFloat((int) b);
            case F64 -> Double.longBitsToDouble(b);
            case I64, POINTER -> b;
        };
    }

    /** The buffers passed as pointers, so a launch being captured can keep them alive. */
    List<DeviceBuffer> buffers() {
        return buffers;
    }

    /** Raises unless these arguments match {@code signature} in count and kind. */
    public void checkAgainst(String kernel, List<Kind> signature) {
        if (!signature.equals(kinds)) {
            throw new IllegalArgumentException("kernel " + kernel + " takes " + signature + " but was given " + kinds);
        }
    }

    public Packed pack(SegmentAllocator allocator) {
        int n = kinds.size();
        MemorySegment slots = allocator.allocate(8L * Math.max(n, 1), 8);
        MemorySegment pointers = allocator.allocate(ValueLayout.ADDRESS, Math.max(n, 1));
        for (int i = 0; i < n; i++) {
            long offset = 8L * i;
            switch (kinds.get(i)) {
                case I32, F32 -> {
                    slots.set(ValueLayout.JAVA_INT, offset, (int) bits[i]);
                    slots.set(ValueLayout.JAVA_INT, offset + 4, 0);
                }
                case POINTER, I64, F64 -> slots.set(ValueLayout.JAVA_LONG, offset, bits[i]);
            }
            pointers.setAtIndex(ValueLayout.ADDRESS, i, slots.asSlice(offset, 8));
        }
        return new Packed(pointers, slots);
    }
}
