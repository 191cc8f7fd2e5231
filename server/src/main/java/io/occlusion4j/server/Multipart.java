package io.occlusion4j.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal {@code multipart/form-data} reader (RFC 7578) for a body already in memory. Its work is linear in
 * the body whatever a client sends: the boundary is at most 70 characters (RFC 2046), delimiters are found
 * by a Knuth-Morris-Pratt search, and a body has at most {@value #MAX_PARTS} parts whose headers are at most
 * {@value #MAX_HEADER_BYTES} bytes.
 */
final class Multipart {
    /** RFC 2046, section 5.1.1: a boundary is 1 to 70 characters. */
    static final int MAX_BOUNDARY = 70;
    static final int MAX_PARTS = 16;
    static final int MAX_HEADER_BYTES = 8192;
    private static final Needle END_OF_HEADERS = new Needle("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));

    record Part(String name, String contentType, byte[] body) {}

    private Multipart() {}

    /** The boundary parameter of a multipart content type, or null; a 400 when it is longer than RFC 2046 allows. */
    static String boundary(String contentType) {
        for (String p : contentType.split(";")) {
            String t = p.strip();
            if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = t.substring(9).strip();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                if (b.length() > MAX_BOUNDARY) {
                    throw bad("the boundary is " + b.length() + " characters long; RFC 2046 allows at most " + MAX_BOUNDARY);
                }
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    static List<Part> parse(byte[] body, String boundary) {
        if (boundary.length() > MAX_BOUNDARY) {
            throw bad("the boundary is " + boundary.length() + " characters long; RFC 2046 allows at most " + MAX_BOUNDARY);
        }
        Needle delim = new Needle(("--" + boundary).getBytes(StandardCharsets.ISO_8859_1));
        Needle next = new Needle(("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1));
        List<Part> parts = new ArrayList<>();
        int pos = delim.in(body, 0, body.length);
        if (pos < 0) {
            throw bad("the body has no multipart boundary '" + boundary + "'");
        }
        while (true) {
            int after = pos + delim.length();
            if (after + 1 < body.length && body[after] == '-' && body[after + 1] == '-') {
                return parts;
            }
            if (parts.size() == MAX_PARTS) {
                throw bad("the body has more than " + MAX_PARTS + " parts");
            }
            int headersStart = skipCrlf(body, after);
            int headersEnd = END_OF_HEADERS.in(body, headersStart,
                    (int) Math.min(body.length, (long) headersStart + MAX_HEADER_BYTES + END_OF_HEADERS.length()));
            if (headersEnd < 0) {
                throw bad("a multipart part has no end of headers within " + MAX_HEADER_BYTES + " bytes");
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
            int dataStart = headersEnd + END_OF_HEADERS.length();
            int dataEnd = next.in(body, dataStart, body.length);
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

    /** A byte string searched for with Knuth-Morris-Pratt: each byte of the haystack is looked at a bounded number of times. */
    static final class Needle {
        private final byte[] bytes;
        /** fallback[j]: the length of the longest proper prefix of bytes[0..j] that is also its suffix. */
        private final int[] fallback;

        Needle(byte[] bytes) {
            this.bytes = bytes.clone();
            this.fallback = new int[bytes.length];
            for (int j = 1, k = 0; j < bytes.length; j++) {
                while (k > 0 && bytes[j] != bytes[k]) {
                    k = fallback[k - 1];
                }
                if (bytes[j] == bytes[k]) {
                    k++;
                }
                fallback[j] = k;
            }
        }

        int length() {
            return bytes.length;
        }

        /** The first index in {@code [from, to)} where the whole needle starts and fits before {@code to}, or -1. */
        int in(byte[] hay, int from, int to) {
            int k = 0;
            for (int i = Math.max(0, from); i < to; i++) {
                while (k > 0 && hay[i] != bytes[k]) {
                    k = fallback[k - 1];
                }
                if (hay[i] == bytes[k]) {
                    k++;
                    if (k == bytes.length) {
                        return i - bytes.length + 1;
                    }
                }
            }
            return -1;
        }
    }

    private static ApiException bad(String message) {
        return new ApiException(400, "invalid_body", "malformed multipart body: " + message, null);
    }
}
