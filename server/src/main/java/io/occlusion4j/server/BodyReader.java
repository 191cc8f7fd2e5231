package io.occlusion4j.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads request bodies within the server's bounds. Before the first byte: the declared length against the body
 * limit (413) and the intake budget (503, a reservation the request holds until it is answered). While reading:
 * the read deadline, counted from when the handler got the request; a body still missing then gets 408 while the
 * client can hear it (the JDK server closes the connection a little later, at its own request time limit, which
 * {@link JdkHttpServer#timeouts} sets just past this deadline). Refused bodies are drained up to a bound so the
 * client reads the answer instead of a reset.
 */
final class BodyReader {
    /** Bodies over the limit are read and dropped up to this much, so the client sees the 413 instead of a reset. */
    static final long DRAIN_LIMIT = 64L << 20;

    private final long maxBodyBytes;
    private final IntakeBudget budget;
    private final Duration readTimeout;

    BodyReader(long maxBodyBytes, IntakeBudget budget, Duration readTimeout) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.readTimeout = readTimeout;
    }

    /** A body read whole, and the intake it holds (the caller closes it when the request is answered). */
    record Body(byte[] bytes, IntakeBudget.Reservation reservation) {}

    /**
     * Reads the body of {@code ex}, which arrived at {@code startNanos}. Throws 413 (drained), 503 (no room in the
     * intake budget), 408 (not all there by the read deadline) or 400 (empty).
     */
    Body read(HttpExchange ex, long startNanos) {
        long declared = declaredLength(ex);
        if (declared > maxBodyBytes) {
            drain(ex, startNanos, DRAIN_LIMIT);
            throw tooLarge(declared);
        }
        IntakeBudget.Reservation r = budget.reserve(declared >= 0 ? declared : maxBodyBytes, "a body of "
                + (declared >= 0 ? declared + " bytes" : "unknown length"));
        try {
            byte[] bytes = timed(ex, startNanos, () -> readUpTo(ex.getRequestBody(), maxBodyBytes + 1));
            if (bytes.length > maxBodyBytes) {
                drain(ex, startNanos, DRAIN_LIMIT);
                throw tooLarge(-1);
            }
            if (bytes.length == 0) {
                throw new ApiException(400, "invalid_body", "the body is empty: send the image or NPY bytes", null);
            }
            r.resize(bytes.length, "the body");
            return new Body(bytes, r);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /**
     * Reads and drops what is left of a refused body, at most {@code limit} bytes and within the read deadline, so
     * the client reads the answer; a body larger than that is left (the connection closes after the answer).
     */
    void drain(HttpExchange ex, long startNanos, long limit) {
        try {
            timed(ex, startNanos, () -> {
                InputStream in = ex.getRequestBody();
                byte[] buf = new byte[64 << 10];
                long total = 0;
                int n;
                while (total < limit && (n = in.read(buf)) > 0) {
                    total += n;
                }
                return null;
            });
        } catch (ApiException timedOut) {
            // the answer being given says why the body was refused; the connection closes after it
        }
    }

    /** The body's declared length, -1 when it has none (chunked). */
    static long declaredLength(HttpExchange ex) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private interface Read<T> {
        T run() throws IOException;
    }

    /**
     * Runs a blocking read on a virtual thread of its own and waits for it until the read deadline: the handler
     * can still answer 408 while that thread is stuck in a read nothing will complete.
     */
    private <T> T timed(HttpExchange ex, long startNanos, Read<T> read) {
        FutureTask<T> task = new FutureTask<>(read::run);
        Thread.ofVirtual().name("occlusion4j-body-read").start(task);
        long left = startNanos + readTimeout.toNanos() - System.nanoTime();
        try {
            return task.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            ex.getResponseHeaders().set("Connection", "close");
            throw new ApiException(408, "request_timeout", "the request body did not arrive within " + readTimeout.toMillis()
                    + " ms", null);
        } catch (ExecutionException e) {
            throw new ApiException(400, "invalid_body", "the body could not be read: " + e.getCause().getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            task.cancel(true);
            throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
        }
    }

    private static byte[] readUpTo(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 << 10];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        return out.toByteArray();
    }

    private ApiException tooLarge(long n) {
        return new ApiException(413, "body_too_large", "the body " + (n >= 0 ? "of " + n + " bytes " : "")
                + "is larger than the limit of " + maxBodyBytes + " bytes", null);
    }
}
