package io.occlusion4j.server;

/**
 * A request the server answers with an error status and a JSON body
 * {@code {"status": 422, "error": "invalid_parameter", "message": "...", "param": "window"}}.
 * {@code param} is the query parameter at fault, or null.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String message, String param) {
        this(status, code, message, param, 0);
    }

    public ApiException(int status, String code, String message, String param, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badParam(String param, String message) {
        return new ApiException(400, "invalid_parameter", message, param);
    }

    static ApiException unprocessable(String param, String message) {
        return new ApiException(422, "unprocessable", message, param);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    /** Seconds for a {@code Retry-After} header, or 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
