// Calls the host build of the kernels (HostKernelLibrary) one kernel at a time with any grid, for the kernel tests.
package io.occlusion4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a kernel body on the host as a launch of {@code grid x block} threads, one after the other: each
 * (block, thread) is set through {@code occ_host_set_thread}, then the kernel function is called. Arguments
 * are boxed Java values (Integer, Long, Float, Double) or native segments for pointers.
 */
public final class HostKernels implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final SymbolLookup lookup;
    private final Linker linker = Linker.nativeLinker();
    private final MethodHandle setLaunch;
    private final MethodHandle setThread;
    private final Map<String, MethodHandle> handles = new HashMap<>();

    private HostKernels(Path library) {
        lookup = SymbolLookup.libraryLookup(library, arena);
        setLaunch = handle("occ_host_set_launch", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        setThread = handle("occ_host_set_thread", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    public static HostKernels open() {
        return new HostKernels(HostKernelLibrary.path());
    }

    private MethodHandle handle(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException("no symbol " + name));
        return linker.downcallHandle(symbol, descriptor);
    }

    /** Runs kernel {@code name} as a launch of grid x block threads. */
    public void launch(String name, int grid, int block, Object... args) {
        MethodHandle h = handles.computeIfAbsent(name + args.length, k -> {
            List<MemoryLayout> layouts = new ArrayList<>();
            for (Object a : args) {
                layouts.add(switch (a) {
                    case Integer i -> ValueLayout.JAVA_INT;
                    case Long l -> ValueLayout.JAVA_LONG;
                    case Float f -> ValueLayout.JAVA_FLOAT;
                    case Double d -> ValueLayout.JAVA_DOUBLE;
                    case MemorySegment s -> ValueLayout.ADDRESS;
                    default -> throw new IllegalArgumentException("argument type " + a.getClass());
                });
            }
            return handle(name, FunctionDescriptor.ofVoid(layouts.toArray(MemoryLayout[]::new)))
                    .asSpreader(Object[].class, args.length);
        });
        try {
            setLaunch.invoke(grid, block);
            for (int b = 0; b < grid; b++) {
                for (int t = 0; t < block; t++) {
                    setThread.invoke(b, t);
                    h.invoke(args);
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException("host launch of " + name + " failed", e);
        }
    }

    /** The 16 geometry ints followed by {@code rest}. */
    public static Object[] withGeometry(KernelGeometry g, Object... rest) {
        int[] packed = g.packed();
        Object[] out = new Object[16 + rest.length];
        for (int i = 0; i < 16; i++) {
            out[i] = packed[i];
        }
        System.arraycopy(rest, 0, out, 16, rest.length);
        return out;
    }

    public MemorySegment floats(float... values) {
        return arena.allocateFrom(ValueLayout.JAVA_FLOAT, values.length == 0 ? new float[1] : values);
    }

    public MemorySegment ints(int... values) {
        return arena.allocateFrom(ValueLayout.JAVA_INT, values.length == 0 ? new int[1] : values);
    }

    /** {@code n} floats set to a NaN pattern, so anything a kernel fails to write shows. */
    public MemorySegment poisoned(long n) {
        MemorySegment s = arena.allocate(4 * Math.max(1, n), 8);
        s.fill((byte) 0x7f);
        return s;
    }

    public static float[] toFloats(MemorySegment s, long n) {
        return s.asSlice(0, 4 * n).toArray(ValueLayout.JAVA_FLOAT);
    }

    public static short[] toShorts(MemorySegment s, long n) {
        return s.asSlice(0, 2 * n).toArray(ValueLayout.JAVA_SHORT);
    }

    public static int[] toInts(MemorySegment s, long n) {
        return s.asSlice(0, 4 * n).toArray(ValueLayout.JAVA_INT);
    }

    @Override
    public void close() {
        arena.close();
    }
}
