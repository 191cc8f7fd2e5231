package io.occlusion4j.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A minimal {@code multipart/form-data} reader (RFC 7578) for a body already in memory. */
final class Multipart {
    record Part(String name, String contentType, byte[] body) {}

    private Multipart() {}

    /** The boundary parameter of a multipart content type, or null. */
    static String boundary(String contentType) {
        for (String p : contentType.split(";")) {
            String t = p.strip();
            if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = t.substring(9).strip();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    static List<Part> parse(byte[] body, String boundary) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int pos = indexOf(body, delim, 0);
        if (pos < 0) {
            throw bad("the body has no multipart boundary '" + boundary + "'");
        }
        while (true) {
            int after = pos + delim.length;
            if (after + 1 < body.length && body[after] == '-' && body[after + 1] == '-') {
                return parts;
            }
            int headersStart = skipCrlf(body, after);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) {
                throw bad("a multipart part has no end of headers");
            }
            String name = null;
            String type = null;
            for (String line : new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String h = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String v = line.substring(colon + 1).strip();
                if (h.equals("content-type")) {
                    type = v;
                } else if (h.equals("content-disposition")) {
                    for (String p : v.split(";")) {
                        String t = p.strip();
                        if (t.toLowerCase(Locale.ROOT).startsWith("name=")) {
                            name = t.substring(5).replace("\"", "");
                        }
                    }
                }
            }
            int dataStart = headersEnd + 4;
            byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            int dataEnd = indexOf(body, next, dataStart);
            if (dataEnd < 0) {
                throw bad("a multipart part is not closed by its boundary");
            }
            byte[] data = new byte[dataEnd - dataStart];
            System.arraycopy(body, dataStart, data, 0, data.length);
            parts.add(new Part(name, type, data));
            pos = dataEnd + 2;
        }
    }

    private static int skipCrlf(byte[] b, int i) {
        return i + 1 < b.length && b[i] == '\r' && b[i + 1] == '\n' ? i + 2 : i;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static ApiException bad(String message) {
        return new ApiException(400, "invalid_body", "malformed multipart body: " + message, null);
    }
}
