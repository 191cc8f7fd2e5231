package io.occlusion4j.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * The server's bearer token and the check of an {@code Authorization} header against it: the scheme matched
 * without regard to case (RFC 7235: {@code bearer}, {@code Bearer}, {@code BEARER}), the token compared in constant
 * time.
 */
final class BearerToken {
    private final byte[] token;

    BearerToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code header} (an {@code Authorization} value, may be null) carries this token. */
    boolean accepts(String header) {
        if (header == null) {
            return false;
        }
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return false;
        }
        byte[] given = h.substring(space + 1).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }
}
