// A settings error found while a command runs (exit code 2).
package io.occlusion4j.cli;

/** A settings error found while the command runs (exit code 2), e.g. a malformed --fill. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
