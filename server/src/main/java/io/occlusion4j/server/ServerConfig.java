package io.occlusion4j.server;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the server listens and what it accepts. Defaults: loopback, port 8080, no token, 16 MiB bodies,
 * images up to 4096 x 4096 (16.8 M pixels, and no side above 8192), one explain slot, 16 requests
 * waiting, a 30 s per-request deadline, a 30 s shutdown grace.
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
 */
public record ServerConfig(String host, int port, String token, long maxBodyBytes, long maxPixels, int maxSide, int slots,
        int queueCapacity, Duration deadline, Duration shutdownGrace, List<String> labels) {

    public ServerConfig {
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
        return new ServerConfig(h, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels);
    }

    public ServerConfig withToken(String t) {
        return new ServerConfig(host, port, t, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, labels);
    }

    public ServerConfig withLimits(long bodyBytes, long pixels, int side) {
        return new ServerConfig(host, port, token, bodyBytes, pixels, side, slots, queueCapacity, deadline, shutdownGrace, labels);
    }

    public ServerConfig withAdmission(int s, int queue) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, s, queue, deadline, shutdownGrace, labels);
    }

    public ServerConfig withDeadline(Duration d) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, d, shutdownGrace, labels);
    }

    public ServerConfig withShutdownGrace(Duration g) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, g, labels);
    }

    public ServerConfig withLabels(List<String> l) {
        return new ServerConfig(host, port, token, maxBodyBytes, maxPixels, maxSide, slots, queueCapacity, deadline, shutdownGrace, l);
    }
}
