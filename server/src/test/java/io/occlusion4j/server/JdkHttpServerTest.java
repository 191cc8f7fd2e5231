package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The JDK server's own rejections reach the listener (and so the metrics) though no handler runs. */
class JdkHttpServerTest {
    @Test
    void malformedRequestsAnsweredByTheJdkAreCounted() throws Exception {
        List<Integer> rejected = new CopyOnWriteArrayList<>();
        JdkHttpServer.Listener l = new JdkHttpServer.Listener() {
            @Override
            public void rejected(int status) {
                rejected.add(status);
            }

            @Override
            public void closed(String reason, int localPort) {}
        };
        JdkHttpServer.listen(l);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        http.createContext("/", ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        http.start();
        try {
            for (String request : List.of("GARBAGE\r\n\r\n", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http.getAddress().getPort())) {
                    OutputStream out = s.getOutputStream();
                    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    InputStream in = s.getInputStream();
                    String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertThat(answer).startsWith("HTTP/1.1 400");
                }
            }
        } finally {
            http.stop(0);
            JdkHttpServer.unlisten(l);
        }
        assertThat(rejected).containsExactly(400, 400, 400);
    }
}
