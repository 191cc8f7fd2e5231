package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that never finishes arriving cannot hold its connection: a missing body gets 408 at the read timeout and
 * slow headers are closed at the JDK server's request limit. The JDK reads that limit once per JVM, so this class
 * runs in a JVM of its own (the server module's tests do not reuse forks) with a 1 s read timeout.
 */
class ReadDeadlineTest {
    @TempDir
    Path dir;

    private static ServerConfig oneSecond() {
        ServerConfig.RequestLimits d = ServerConfig.RequestLimits.defaults();
        return ServerConfig.defaults().withRequestLimits(new ServerConfig.RequestLimits(Duration.ofSeconds(1), d.maxTargets(),
                d.maxResponseBytes(), d.maxBatch(), d.intakeBytes())).withShutdownGrace(Duration.ofSeconds(1));
    }

    /** Sends {@code head} (one byte every {@code pauseMs} when positive), then reads until the server closes or 15 s pass. */
    private static String exchange(TestServer s, String head, long pauseMs) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), s.server.port())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
            try {
                for (byte b : bytes) {
                    out.write(b);
                    if (pauseMs > 0) {
                        out.flush();
                        Thread.sleep(pauseMs);
                    }
                }
                out.flush();
            } catch (IOException closed) {
                return "closed while sending";
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                return "no answer and still open after 15 s: " + got.toString(StandardCharsets.ISO_8859_1);
            } catch (IOException reset) {
                // closed by the server: what came before counts
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aBodyThatNeverArrivesGets408AndTheConnectionCloses() throws Exception {
        try (TestServer s = new TestServer(dir, oneSecond(), Map.of("window", "8"))) {
            long t0 = System.nanoTime();
            String answer = exchange(s, "POST /v1/explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-npy\r\n"
                    + "Content-Length: 100000\r\n\r\n" + "x".repeat(100), 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
            assertThat(seconds).as("seconds until the server let go").isLessThan(10);
            for (int i = 0; i < 100 && s.server.requestCount("/v1/explain", 408) == 0; i++) {
                Thread.sleep(50); // counted when the handler lets go of the exchange, just after the connection closed
            }
            assertThat(s.server.requestCount("/v1/explain", 408)).isEqualTo(1);
            s.assertHealthy();
        }
    }

    @Test
    void headersSentOneByteASecondAreCutOff() throws Exception {
        try (TestServer s = new TestServer(dir, oneSecond(), Map.of("window", "8"))) {
            long t0 = System.nanoTime();
            String answer = exchange(s, "POST /v1/explain HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(20), 500);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(answer).doesNotStartWith("no answer");
            assertThat(seconds).as("seconds until the server let go").isLessThan(10);
            s.assertHealthy();
        }
    }
}
