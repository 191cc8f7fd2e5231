// Runs the kernels on the CPU through their host build, one launch after the other.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.KernelArgs.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host build of both {@link KernelProgram}s ({@link HostKernelLibrary}): a launch checks its arguments against
 * the program's launch table, as the GPU launcher does, then runs the kernel body as a grid of
 * {@value #GRID} x {@value #THREADS} threads, one after the other (the harness sets each thread's coordinates).
 * The kernels use grid-stride loops and no shared memory or barriers, so this schedule computes what any GPU
 * schedule computes; a few threads rather than one keep the grid-stride arithmetic exercised. Pointers are
 * addresses of native host memory.
 */
public final class HostLauncher implements KernelLauncher {
    static final int GRID = 2;
    static final int THREADS = 2;

    private final KernelProgram program;
    private final Arena arena = Arena.ofShared();
    private final SymbolLookup lookup;
    private final MethodHandle setLaunch;
    private final MethodHandle setThread;
    private final Map<String, MethodHandle> handles = new HashMap<>();

    /** The host kernels of {@code program} from the packaged (or explicitly named) library. */
    public HostLauncher(KernelProgram program) {
        this.program = program;
        this.lookup = SymbolLookup.libraryLookup(HostKernelLibrary.path(), arena);
        this.setLaunch = handle("occ_host_set_launch", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        this.setThread = handle("occ_host_set_thread", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private MethodHandle handle(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException("the host kernel library "
                + HostKernelLibrary.path() + " has no symbol " + name));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    private MethodHandle kernel(String name) {
        return handles.computeIfAbsent(name, n -> {
            Kind[] kinds = program.signatures().get(n);
            if (kinds == null) {
                throw new IllegalArgumentException("no kernel " + n + " in the " + program + " program");
            }
            MemoryLayout[] layouts = new MemoryLayout[kinds.length];
            for (int i = 0; i < kinds.length; i++) {
                layouts[i] = switch (kinds[i]) {
                    case POINTER -> ValueLayout.ADDRESS;
                    case I32 -> ValueLayout.JAVA_INT;
                    case I64 -> ValueLayout.JAVA_LONG;
                    case F32 -> ValueLayout.JAVA_FLOAT;
                    case F64 -> ValueLayout.JAVA_DOUBLE;
                };
            }
            return handle(n, FunctionDescriptor.ofVoid(layouts)).asSpreader(Object[].class, kinds.length);
        });
    }

    @Override
    public synchronized void launch(String kernel, long items, KernelArgs args) {
        if (items <= 0) {
            return;
        }
        MethodHandle h = kernel(kernel);
        args.checkAgainst(kernel, List.of(program.signatures().get(kernel)));
        Object[] values = new Object[args.count()];
        List<Kind> kinds = args.kinds();
        for (int i = 0; i < values.length; i++) {
            Object v = args.value(i);
            values[i] = kinds.get(i) == Kind.POINTER ? MemorySegment.ofAddress((Long) v) : v;
        }
        try {
            setLaunch.invokeExact(GRID, THREADS);
            for (int b = 0; b < GRID; b++) {
                for (int t = 0; t < THREADS; t++) {
                    setThread.invokeExact(b, t);
                    h.invoke(values);
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("host launch of " + kernel + " failed", e);
        }
    }

    @Override
    public void close() {
        handles.clear();
        // The library stays mapped: the shared arena is closed, the process keeps the code it loaded.
        arena.close();
    }
}
