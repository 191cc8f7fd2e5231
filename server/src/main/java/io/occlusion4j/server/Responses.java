// Writes the server's answers: JSON bodies, PNG bodies, and every error as its JSON body.
package io.occlusion4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an exchange is answered; each method sends the whole answer and returns its status, or throws
 * {@link ClientGone} when the client left before it was written.
 */
final class Responses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {}

    static int json(HttpExchange ex, int status, Object body) throws IOException {
        return bytes(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    /**
     * Sends {@code body} whole. When the client has gone, the exchange is closed before its body stream (in that order
     * the JDK server closes the connection; closing the half-written stream first leaves the socket open for good)
     * and {@link ClientGone} is thrown.
     */
    static int bytes(HttpExchange ex, int status, String contentType, byte[] body) {
        ex.getResponseHeaders().set("Content-Type", contentType);
        try {
            ex.sendResponseHeaders(status, body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body);
            out.flush();
            out.close();
        } catch (IOException e) {
            ex.close();
            throw new ClientGone(e);
        }
        return status;
    }

    /** {@code {"status", "error", "message", "param"}}, with {@code Retry-After} when the error carries one. */
    static void error(HttpExchange ex, ApiException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", e.status());
        body.put("error", e.code());
        body.put("message", e.getMessage());
        body.put("param", e.param());
        if (e.retryAfterSeconds() > 0) {
            ex.getResponseHeaders().set("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        try {
            json(ex, e.status(), body);
        } catch (ClientGone gone) {
            throw gone;
        } catch (IOException | RuntimeException io) {
            // headers already sent: nothing more to say
        }
    }
}
