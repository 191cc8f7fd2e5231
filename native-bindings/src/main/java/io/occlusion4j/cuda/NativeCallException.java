// Base of the typed exceptions every failed native status becomes.
package io.occlusion4j.cuda;

/** A native call returned a failure status: carries the call, the numeric code and its name. */
public abstract sealed class NativeCallException extends RuntimeException
        permits CudaException, NvrtcException, CublasException, CudnnException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;
    private final String codeName;

    NativeCallException(String call, int code, String codeName, String detail) {
        super(call + " failed: " + codeName + " (" + code + ")" + (detail == null || detail.isBlank() ? "" : ": " + detail));
        this.call = call;
        this.code = code;
        this.codeName = codeName;
    }

    /** The C function that failed, e.g. {@code cuMemAlloc_v2}. */
    public String call() {
        return call;
    }

    public int code() {
        return code;
    }

    /** The status's C name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String codeName() {
        return codeName;
    }
}
