package io.occlusion4j.server;

import static io.occlusion4j.server.TestServer.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's service items on loopback, each bounded in time and count: what one client can make the server hold
 * (sockets, the explain slot, memory) and how it answers (status, JSON, metrics).
 */
class HardeningTest {
    static final Map<String, String> DEFAULTS = Map.of("window", "8", "stride", "8");

    @TempDir
    Path dir;

    /** Open sockets of this process (the in-process server's and the test's own). */
    static long sockets() throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    n += Files.readSymbolicLink(fd).toString().startsWith("socket:") ? 1 : 0;
                } catch (IOException gone) {
                    // closed while listed
                }
            }
        }
        return n;
    }

    /** Writes {@code request} on a fresh loopback connection and reads the answer until the server closes (at most 20 s). */
    static String raw(TestServer s, byte[] request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                return "RESET after " + got.size() + " bytes: " + got.toString(StandardCharsets.ISO_8859_1);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] head(String query, String type, long length, String extra) {
        return ("POST /v1/explain" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " + type
                + "\r\nContent-Length: " + length + "\r\n" + extra + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aClientThatHangsUpCostsNoSocketAndIsCountedAsAnAbortNotA500() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            s.assertHealthy();
            long before = sockets();
            // a large answer (every map as JSON numbers for 10 targets, ~150 KB), asked for and abandoned at once with a reset
            byte[] npy = TestServer.npy(3, 32, 32);
            for (int i = 0; i < 5; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.server.port())) {
                    socket.setSoLinger(true, 0);
                    socket.getOutputStream().write(concat(head("?window=2&stride=2&top-k=10&encoding=float", "application/x-npy", npy.length, ""), npy));
                    socket.getOutputStream().flush();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // generous: the build machine is shared
            while (s.server.requestCount("/v1/explain", OcclusionServer.CLIENT_GONE) < 5 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(s.server.requestCount("/v1/explain", OcclusionServer.CLIENT_GONE)).isEqualTo(5);
            assertThat(s.server.requestCount("/v1/explain", 500)).isZero();
            long after = sockets();
            for (int i = 0; i < 100 && after > before; i++) {
                Thread.sleep(50);
                after = sockets();
            }
            assertThat(after).as("open sockets after the hang-ups (before: %d)", before).isLessThanOrEqualTo(before);
            String metrics = new String(s.get("/metrics").bytes(), StandardCharsets.UTF_8);
            assertThat(metrics).contains("occlusion4j_client_aborts_total 5");
            s.assertHealthy();
        }
    }

    @Test
    void blurSigmaIsBoundedAndRefusedAsAParameter() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            byte[] png = TestServer.png(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (String sigma : new String[] {"1e9", "1e5", "400.5"}) {
                TestServer.Reply r = s.post("fill=blur:" + sigma, "image/png", png);
                assertError(r, 400, "invalid_parameter", "fill");
                assertThat(r.json().path("message").asText()).contains("(0, 400]");
            }
            assertThat(s.post("fill=blur:400", "image/png", png).status()).isEqualTo(200);
            s.assertHealthy();
        }
    }

    @Test
    void targetsAreDeduplicatedAndCappedAndAnAnswerTooLargeIsRefusedBeforeAnyWork() throws Exception {
        ServerConfig.RequestLimits d = ServerConfig.RequestLimits.defaults();
        ServerConfig config = ServerConfig.defaults().withRequestLimits(
                new ServerConfig.RequestLimits(d.readTimeout(), 8, 200_000, 4, d.intakeBytes()));
        try (TestServer s = new TestServer(dir, config, DEFAULTS)) {
            byte[] npy = TestServer.npy(3, 32, 32);
            TestServer.Reply five = s.post("target=" + "0,".repeat(4999) + "0", "application/x-npy", npy);
            assertThat(five.status()).isEqualTo(200);
            assertThat(five.json().path("targets")).hasSize(1);
            assertThat(five.bytes().length).isLessThan(20_000);
            assertError(s.post("target=0,1,2,3,4,5,6,7,8", "application/x-npy", npy), 422, "unprocessable", "target");
            assertError(s.post("top-k=100000", "application/x-npy", npy), 422, "unprocessable", "top-k");
            // 8 targets x 1024 windows and 1024 pixels as JSON numbers: about 260 KB, over the 200 KB limit
            assertError(s.post("window=1&stride=1&top-k=8&encoding=float", "application/x-npy", npy), 422, "response_too_large", null);
            // a client's batch is lowered to the server's
            TestServer.Reply batched = s.post("window=4&stride=4&batch=2048", "application/x-npy", npy);
            assertThat(batched.status()).isEqualTo(200);
            assertThat(batched.json().path("stats").path("batch_size").asInt()).isEqualTo(4);
            s.assertHealthy();
        }
    }

    @Test
    void aBodyThatDoesNotFitTheIntakeBudgetIsRefusedBeforeItIsRead() throws Exception {
        ServerConfig.RequestLimits d = ServerConfig.RequestLimits.defaults();
        ServerConfig config = ServerConfig.defaults().withRequestLimits(
                new ServerConfig.RequestLimits(d.readTimeout(), d.maxTargets(), d.maxResponseBytes(), d.maxBatch(), 64 << 10));
        try (TestServer s = new TestServer(dir, config, DEFAULTS)) {
            TestServer.Reply r = s.post("", "application/x-npy", TestServer.npy(3, 96, 96)); // 110 KB
            assertError(r, 503, "overloaded", null);
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(s.post("", "application/x-npy", TestServer.npy(3, 32, 32)).status()).isEqualTo(200);
            s.assertHealthy();
        }
    }

    @Test
    void aMultipartBoundaryLongerThanRfc2046AllowsIs400() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            String b = "b".repeat(4000);
            byte[] body = ("--" + b + "\r\nContent-Disposition: form-data; name=\"input\"\r\nContent-Type: image/png\r\n\r\nxx\r\n--"
                    + b + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
            assertError(s.post("", "multipart/form-data; boundary=" + b, body), 400, "invalid_body", null);
        }
    }

    @Test
    void bearerIsMatchedInAnyCaseAndA401IsReadAfterTheBodyIsDrained() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults().withToken("tok"), DEFAULTS)) {
            byte[] npy = TestServer.npy(3, 32, 32);
            assertThat(s.post("", "application/x-npy", npy, "Authorization", "bearer tok").status()).isEqualTo(200);
            assertThat(s.post("", "application/x-npy", npy, "Authorization", "BEARER tok").status()).isEqualTo(200);
            byte[] big = new byte[512 << 10];
            String answer = raw(s, concat(head("", "application/x-npy", big.length, "Authorization: Bearer wrong\r\n"), big));
            assertThat(answer).startsWith("HTTP/1.1 401").contains("\"error\":\"unauthorized\"");
        }
    }

    @Test
    void malformedRequestsTheJdkAnswersItselfAreCounted() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            assertThat(raw(s, "GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))).startsWith("HTTP/1.1 400");
            String metrics = new String(s.get("/metrics").bytes(), StandardCharsets.UTF_8);
            assertThat(metrics).contains("occlusion4j_requests_total{path=\"(rejected)\",status=\"400\"} 1");
            assertThat(metrics).contains("occlusion4j_errors_total{status=\"400\"} 1");
        }
    }

    @Test
    void aTensorSavedAsTheModelTakesItIsExplainedAsItsSample() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            TestServer.Reply sample = s.post("", "application/x-npy", TestServer.npy(3, 32, 32));
            TestServer.Reply batch = s.post("", "application/x-npy", TestServer.npy(1, 3, 32, 32));
            assertThat(batch.status()).as("%s", batch.json()).isEqualTo(200);
            assertThat(batch.json().path("input_shape").toString()).isEqualTo("[3,32,32]");
            assertThat(batch.json().path("grid_maps").path("base64").asText()).isEqualTo(sample.json().path("grid_maps").path("base64").asText());
        }
    }

    @Test
    void aCorruptImageIsNamedOnce() throws Exception {
        try (TestServer s = new TestServer(dir, ServerConfig.defaults(), DEFAULTS)) {
            byte[] png = TestServer.png(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
            TestServer.Reply r = s.post("", "image/png", java.util.Arrays.copyOf(png, png.length / 2));
            assertError(r, 400, "invalid_image", null);
            assertThat(r.json().path("message").asText()).startsWith("the image is truncated or corrupt").doesNotContain("image the image");
        }
    }
}
