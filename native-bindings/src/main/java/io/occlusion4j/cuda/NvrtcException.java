// A failed NVRTC call; compile errors carry the whole log.
package io.occlusion4j.cuda;

/** An NVRTC call failed. For {@code nvrtcCompileProgram} the {@link #log()} holds the compiler's whole log. */
public final class NvrtcException extends NativeCallException {

    private static final long serialVersionUID = 1L;

    private final String log;

    public NvrtcException(String call, int code, String log) {
        super(call, code, StatusCodes.nvrtc(code), log == null || log.isBlank() ? null : "\n" + log);
        this.log = log == null ? "" : log;
    }

    /** The compile log (empty for calls other than compilation). */
    public String log() {
        return log;
    }

    static void check(int status, String call) {
        if (status != 0) {
            throw new NvrtcException(call, status, null);
        }
    }
}
