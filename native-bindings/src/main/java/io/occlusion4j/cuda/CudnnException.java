// A failed cuDNN call.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.cudnn_h;

import java.lang.foreign.MemorySegment;

/** A cuDNN call returned a status other than {@code CUDNN_STATUS_SUCCESS}. */
public final class CudnnException extends NativeCallException {

    private static final long serialVersionUID = 1L;

    public CudnnException(String call, int code, String detail) {
        super(call, code, StatusCodes.cudnn(code), detail);
    }

    static void check(int status, String call) {
        if (status != 0) {
            throw new CudnnException(call, status, describe(status));
        }
    }

    private static String describe(int status) {
        try {
            MemorySegment text = cudnn_h.cudnnGetErrorString(status);
            return text.equals(MemorySegment.NULL) ? null : text.getString(0);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
