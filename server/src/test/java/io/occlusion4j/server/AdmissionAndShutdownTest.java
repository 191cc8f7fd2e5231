package io.occlusion4j.server;

import static io.occlusion4j.server.TestServer.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded queue (503 + Retry-After, then recovery), the deadline (504) and the graceful stop. */
class AdmissionAndShutdownTest {
    /** 1 x 1 windows per channel at batch 1 over 3 x 32 x 32: 3,073 forwards, a slow request for this model. */
    static final String SLOW = "window=1&stride=1&batch=1&per-channel=true";

    @TempDir
    Path dir;

    @Test
    void fullQueueShedsWith503AndRetryAfterThenRecovers() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults().withAdmission(1, 1), Map.of("window", "8"));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServer.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(pool.submit(() -> s.post(SLOW, "application/x-npy", TestServer.npy(3, 32, 32))));
            }
            int ok = 0;
            int shed = 0;
            for (Future<TestServer.Reply> f : replies) {
                TestServer.Reply r = f.get();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertError(r, 503, "overloaded", null);
                    assertThat(Long.parseLong(r.header("Retry-After"))).isPositive();
                    shed++;
                }
            }
            assertThat(ok).isBetween(1, 2 + 1);
            assertThat(shed).isGreaterThanOrEqualTo(8 - 3);
            s.assertHealthy();
            for (int i = 0; i < 3; i++) {
                assertThat(s.post("", "application/x-npy", TestServer.npy(3, 32, 32)).status()).isEqualTo(200);
            }
            assertThat(s.server.requestCount("/v1/explain", 503)).isEqualTo(shed);
        }
    }

    @Test
    void requestPastItsDeadlineGets504() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults().withDeadline(Duration.ofMillis(40)), Map.of("window", "8"))) {
            assertError(s.post(SLOW, "application/x-npy", TestServer.npy(3, 32, 32)), 504, "deadline_exceeded", null);
            s.assertHealthy();
            // the abandoned run gives its slot back (a leaked slot would keep "running" at 1 for good)
            long until = System.nanoTime() + 10_000_000_000L;
            JsonNode health = s.get("/healthz").json();
            while (health.path("running").asInt() != 0 || health.path("queue_depth").asInt() != 0) {
                assertThat(System.nanoTime()).as("the slot is freed: %s", health).isLessThan(until);
                Thread.sleep(5);
                health = s.get("/healthz").json();
            }
            // the next (fast) request is served, unless this machine is too busy for 40 ms: then it is a 504 again
            TestServer.Reply r = s.post("window=16", "application/x-npy", TestServer.npy(3, 32, 32));
            if (r.status() != 200) {
                assertError(r, 504, "deadline_exceeded", null);
            }
        }
    }

    @Test
    void stopLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
        TestServer s = new TestServer(dir, ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(30)), Map.of("window", "8"));
        // Warm both paths first: on a busy machine a cold first /healthz (connection, class loading) took longer than
        // the whole slow request, which then finished before it was ever seen running.
        s.assertHealthy();
        assertThat(s.post("", "application/x-npy", TestServer.npy(3, 32, 32)).status()).isEqualTo(200);
        CompletableFuture<TestServer.Reply> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return s.post(SLOW + "&maps=none", "application/x-npy", TestServer.npy(3, 32, 32));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long until = System.nanoTime() + 10_000_000_000L;
        while (s.get("/healthz").json().path("running").asInt() == 0) {
            assertThat(slow.isDone()).as("the slow request was seen running before it finished").isFalse();
            assertThat(System.nanoTime()).as("the slow request starts").isLessThan(until);
            Thread.sleep(5);
        }
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(s.server::stop);
        assertThat(slow.isDone()).as("stop begins while the request is in flight").isFalse();
        Thread.sleep(50);
        if (!slow.isDone()) {
            // while draining: refused with 503, or the listener is already closed
            try {
                TestServer.Reply refused = s.post("", "application/x-npy", TestServer.npy(3, 32, 32));
                assertError(refused, 503, "shutting_down", null);
            } catch (ConnectException | java.net.http.HttpConnectTimeoutException e) {
                // also a refusal
            } catch (IOException e) {
                // connection closed by the stopping server: a refusal too
            }
        }
        TestServer.Reply done = slow.get();
        assertThat(done.status()).as("the in-flight request finishes: %s", done.json()).isEqualTo(200);
        assertThat(done.json().path("stats").path("windows").asInt()).isEqualTo(3 * 1024);
        stopping.get();
        assertThatThrownBy(() -> s.get("/healthz")).isInstanceOf(IOException.class);
    }
}
