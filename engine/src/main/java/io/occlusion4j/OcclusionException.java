package io.occlusion4j;

/**
 * A run could not be done: an unreadable or mismatched input, a model that does not load or does not
 * fit the input, a model output with NaN/Inf. The message names the input and what is wrong.
 * Invalid settings (a window larger than the input, stride 0, a target out of range) are
 * {@link IllegalArgumentException}s instead.
 */
public class OcclusionException extends RuntimeException {
    public OcclusionException(String message) {
        super(message);
    }

    public OcclusionException(String message, Throwable cause) {
        super(message, cause);
    }
}
