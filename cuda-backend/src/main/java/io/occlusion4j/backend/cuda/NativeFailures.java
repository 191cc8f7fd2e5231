// The CUDA back end's one translation of native failures into the engine's exceptions.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.BackendException;
import io.occlusion4j.cuda.NativeCallException;
import io.occlusion4j.cuda.bindings.NativeLibraryUnavailableException;

/**
 * A CUDA status, a missing library or symbol, or a failed link becomes a {@link BackendException} that says what
 * the back end was doing, which call failed with which code, and that the CPU back end remains; the native
 * exception stays its cause. Nothing of {@code io.occlusion4j.cuda} reaches the engine's callers, and
 * {@code Backend.AUTO} can fall back to the CPU.
 */
final class NativeFailures {

    private NativeFailures() {
    }

    /** Whether {@code e} is a native failure (to translate) rather than a bad request (to pass on). */
    static boolean isNative(Throwable e) {
        return e instanceof NativeCallException || e instanceof NativeLibraryUnavailableException || e instanceof LinkageError;
    }

    /** {@code e}, a native failure while doing {@code what}, as the engine's exception. */
    static BackendException translate(Throwable e, String what) {
        String detail = switch (e) {
            case NativeCallException n -> n.getMessage();
            case NativeLibraryUnavailableException u -> u.getMessage();
            default -> e.getClass().getSimpleName() + ": " + e.getMessage();
        };
        return new BackendException("cuda", "the CUDA back end failed to " + what + ": " + detail
                + " (the CPU back end, --backend cpu, does not need the GPU)", e);
    }
}
