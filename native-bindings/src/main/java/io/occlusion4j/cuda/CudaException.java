// A failed CUDA driver call.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A CUDA driver call returned an error. Kernel launch errors are asynchronous: they surface at the
 * next synchronising call (stream/event synchronize, a blocking copy), which is then the call named.
 */
public final class CudaException extends NativeCallException {

    private static final long serialVersionUID = 1L;

    public CudaException(String call, int code, String detail) {
        super(call, code, StatusCodes.cuda(code), detail);
    }

    /** Throws if {@code status} is not {@code CUDA_SUCCESS}; the message carries the driver's description. */
    static void check(int status, String call) {
        if (status != cuda_h.CUDA_SUCCESS) {
            throw new CudaException(call, status, describe(status));
        }
    }

    static void check(int status, String call, String context) {
        if (status != cuda_h.CUDA_SUCCESS) {
            String description = describe(status);
            throw new CudaException(call, status, description == null ? context : description + "; " + context);
        }
    }

    /** The driver's own text for a code, or null when the driver cannot say. */
    static String describe(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(cuda_h.C_POINTER);
            if (cuda_h.cuGetErrorString(status, out) == cuda_h.CUDA_SUCCESS) {
                MemorySegment text = out.get(cuda_h.C_POINTER, 0);
                return text.equals(MemorySegment.NULL) ? null : text.getString(0);
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }
}
