// The debug switch that traces every native call made through the bindings.
package io.occlusion4j.cuda.bindings;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Traces native calls to {@link System.Logger} at DEBUG when {@code -Docclusion4j.cuda.trace=true}.
 * The flag is a constant, so the check costs nothing when tracing is off.
 */
public final class NativeTrace {

    public static final boolean ENABLED = Boolean.getBoolean("occlusion4j.cuda.trace");

    private static final System.Logger LOG = System.getLogger("io.occlusion4j.cuda.trace");

    private NativeTrace() { }

    public static void call(String function, Object... args) {
        LOG.log(System.Logger.Level.DEBUG, () -> function + Arrays.stream(args)
                .map(NativeTrace::render)
                .collect(Collectors.joining(", ", "(", ")")));
    }

    private static String render(Object arg) {
        if (arg instanceof MemorySegment segment) {
            return "0x" + Long.toHexString(segment.address());
        }
        return String.valueOf(arg);
    }
}
