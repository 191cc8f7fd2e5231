// A failed cuBLAS call.
package io.occlusion4j.cuda;

/** A cuBLAS call returned a status other than {@code CUBLAS_STATUS_SUCCESS}. */
public final class CublasException extends NativeCallException {

    private static final long serialVersionUID = 1L;

    public CublasException(String call, int code) {
        super(call, code, StatusCodes.cublas(code), null);
    }

    static void check(int status, String call) {
        if (status != 0) {
            throw new CublasException(call, status);
        }
    }
}
