package io.occlusion4j.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the server listens and what it accepts. Defaults: loopback, port 8080, no token, 16 MiB bodies,
 * images up to 4096 x 4096 (16.8 M pixels, and no side above 8192), one explain slot, 16 requests
 * waiting, a 30 s per-request deadline, a 30 s shutdown grace, and {@link RequestLimits#defaults()}.
 *
 * @param host             address to bind (127.0.0.1 by default; anything else exposes the model)
 * @param port             TCP port; 0 picks a free one
 * @param token            bearer token every request except {@code /healthz} must carry, or null for none
 * @param maxBodyBytes     larger bodies get 413
 * @param maxPixels        decoded images (and tensors' spatial extent) with more pixels get 413
 * @param maxSide          images or tensors with a side longer than this get 413
 * @param slots            explanations that run at once (each uses every intra-op thread of the back end)
 * @param queueCapacity    admitted requests that may wait for a slot; beyond that, 503 with Retry-After
 * @param deadline         a request not answered within this gets 504 (waiting and running count)
 * @param shutdownGrace    how long {@link OcclusionServer#stop()} waits for in-flight requests
 * @param labels           class labels (line i names score i), or an empty list
 * @param requestLimits    what one request may ask of the server beyond its size: read time, targets, response
 *                         bytes, batch, and the bytes all requests being read and decoded may hold
 */
public record ServerConfig(String host, int port, String token, long maxBodyBytes, long maxPixels, int maxSide, int slots,
        int queueCapacity, Duration deadline, Duration shutdownGrace, List<String> labels, RequestLimits requestLimits) {

    /**
     * Per-request limits past the body size.
     *
     * @param readTimeout      the request's headers and body must arrive within this (408 for a body still missing)
     * @param maxTargets       targets (after removing repeats) and top-k a request may ask for (422 above)
     * @param maxResponseBytes an answer estimated larger than this before computing is refused (422)
     * @param maxBatch         a request's {@code batch} above this is lowered to it (the server's memory budget)
     * @param intakeBytes      bytes that bodies being read, their decoding and the inputs waiting or running may
     *                         hold together; a request that does not fit gets 503 before its body is read
     */
    public record RequestLimits(Duration readTimeout, int maxTargets, long maxResponseBytes, int maxBatch, long intakeBytes) {
        public RequestLimits {
            Objects.requireNonNull(readTimeout, "readTimeout");
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("the read timeout must be positive, got " + readTimeout);
            }
            if (maxTargets < 1 || maxResponseBytes < 1 || maxBatch < 1 || intakeBytes < 1) {
                throw new IllegalArgumentException("request limits must be positive: targets " + maxTargets + ", response bytes "
                        + maxResponseBytes + ", batch " + maxBatch + ", intake bytes " + intakeBytes);
            }
        }

        /** 30 s to send a request, 64 targets, 64 MiB answers, batches of 64, 512 MiB of intake. */
        public static RequestLimits defaults() {
            return new RequestLimits(Duration.ofSeconds(30), 64, 64L << 20, 64, 512L << 20);
        }
    }

    /** A configuration with the default {@link RequestLimits}. */
    public ServerConfig(String host, int port, String token, long maxBodyBytes, long maxPixels, int maxSide, int slots,
            int queueCapacity, Duration deadline, Duration shutdownGrace, List<String> labels) {
        this(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels,
                RequestLimits.defaults());
    }

    public ServerConfig {
        Objects.requireNonNull(requestLimits, "requestLimits");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        labels = labels == null ? List.of() : List.copyOf(labels);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxBodyBytes < 1 || maxPixels < 1 || maxSide < 1) {
            throw new IllegalArgumentException("body and image limits must be positive");
        }
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the bearer token must not be blank");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, null, 16L << 20, 4096L * 4096, 8192, 1, 16, Duration.ofSeconds(30),
                Duration.ofSeconds(30), List.of());
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withToken(String t) {
        return new ServerConfig(host, port, t, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withLimits(long bodyBytes, long pixels, int side) {
        return new ServerConfig(host, port, token, bodyBytes, pixels, side, slots, queueCapacity, deadline, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withAdmission(int s, int queue) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, s, queue, deadline, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withDeadline(Duration d) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, d, shutdownGrace, labels, requestLimits);
    }

    public ServerConfig withShutdownGrace(Duration g) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, g, labels, requestLimits);
    }

    public ServerConfig withRequestLimits(RequestLimits r) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels, r);
    }

    /** Whether {@link #host} is a loopback address (a name is resolved): anything else exposes the model to the network. */
    public boolean bindsLoopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * A warning to log at start, or null: a server bound beyond loopback without a bearer token answers anyone
     * who can reach the port.
     */
    public String exposureWarning() {
        if (token != null || bindsLoopbackOnly()) {
            return null;
        }
        return "occlusion4j serve: listening on " + host + " (not loopback) without a bearer token: anyone who can reach this port "
                + "can run explanations; give --token-file or bind 127.0.0.1";
    }

    public ServerConfig withLabels(List<String> l) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, l, requestLimits);
    }
}
