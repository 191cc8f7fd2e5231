package io.occlusion4j.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The hostile half of the serve benchmark, on loopback only: each attack of issue 16 sent over raw sockets to a
 * server in its own process, with the answer, the time it took, the server's resident memory and sockets before
 * and after, and whether {@code /healthz} answers afterwards; then a soak of mixed good, bad and aborted requests
 * with the server's memory and file handles after the first 500 and after all of them. Every loop is bounded in
 * count and every read in time.
 */
final class ServeAbuse {
    static final String TOKEN = "load-test-token";
    private static final int READ_LIMIT_MS = 60_000;

    private final ServeProcess server;
    private final byte[] picture;

    ServeAbuse(ServeProcess server, byte[] picture) {
        this.server = server;
        this.picture = picture;
    }

    /** What one raw request got: the status (0: the connection closed with no answer), the body, the milliseconds. */
    record Answer(int status, String body, long millis) {
        String shown() {
            String b = body.length() > 160 ? body.substring(0, 160) + "..." : body;
            return status == 0 ? "connection closed, no answer" : status + " " + b.replace('|', '/').replace('\n', ' ');
        }
    }

    /** Sends {@code head} then {@code body} (with {@code pauseMs} between bytes when positive) and reads the answer. */
    Answer send(byte[] head, byte[] body, long pauseMs, int bodyBytesToSend) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(READ_LIMIT_MS);
            OutputStream out = s.getOutputStream();
            try {
                if (pauseMs > 0) {
                    for (byte b : head) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(pauseMs);
                    }
                } else {
                    out.write(head);
                    out.write(body, 0, Math.min(body.length, bodyBytesToSend));
                    out.flush();
                }
            } catch (IOException closedWhileSending) {
                // the server may close first; read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // a reset or no answer within the read limit: what was read so far counts
            }
            return parse(got.toString(StandardCharsets.ISO_8859_1), t0);
        } catch (IOException e) {
            return new Answer(0, e.toString(), (System.nanoTime() - t0) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "interrupted", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static Answer parse(String text, long t0) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!text.startsWith("HTTP/1.1 ")) {
            return new Answer(0, "", ms);
        }
        int status = Integer.parseInt(text.substring(9, 12));
        int split = text.indexOf("\r\n\r\n");
        return new Answer(status, split < 0 ? "" : text.substring(split + 4).strip(), ms);
    }

    /** A request head for POST /v1/explain, with the token unless {@code token} is false. */
    static byte[] head(String query, String type, long length, boolean token, String extraHeaders) {
        return ("POST /v1/explain" + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + (token ? "Authorization: Bearer " + TOKEN + "\r\n" : "") + "Content-Type: " + type + "\r\nContent-Length: " + length
                + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    Answer post(String query, String type, byte[] body) {
        return send(head(query, type, body.length, true, ""), body, 0, body.length);
    }

    boolean healthy() {
        Answer a = send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                new byte[0], 0, 0);
        return a.status() == 200;
    }

    /** One row of the abuse table: runs {@code attack}, then waits up to 5 s for the server's sockets to settle. */
    String row(String name, java.util.function.Supplier<Answer> attack) throws IOException, InterruptedException {
        long rss0 = server.rssKiB();
        long sockets0 = server.fileHandles()[1];
        Answer a = attack.get();
        long sockets1 = server.fileHandles()[1];
        for (int i = 0; i < 50 && sockets1 > sockets0; i++) {
            Thread.sleep(100);
            sockets1 = server.fileHandles()[1];
        }
        long rss1 = server.rssKiB();
        return String.format(Locale.ROOT, "| %s | %s | %d | %.0f / %.0f | %d / %d | %s |", name, a.shown(), a.millis(), rss0 / 1024.0,
                rss1 / 1024.0, sockets0, sockets1, healthy() ? "yes" : "NO");
    }

    /** Every attack of issue 16 against a BlazeFace server with a token. */
    List<String> attacks() throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add("| attack | answer | ms | server RSS MiB before / after | server sockets before / after | /healthz after |");
        rows.add("|---|---|---:|---:|---:|---|");
        rows.add(row("50 clients hang up right after sending (answered after they left)", () -> {
            long answered = explainRequests();
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                    s.getOutputStream().write(head("window=64&stride=64", "image/png", picture.length, true, ""));
                    s.getOutputStream().write(picture);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    return new Answer(0, e.toString(), 0);
                }
            }
            return waitForAnswered(answered + 50);
        }));
        rows.add(row("body never arrives (Content-Length 1 MB, 100 bytes sent)",
                () -> send(head("", "image/png", 1 << 20, true, ""), picture, 0, 100)));
        rows.add(row("headers one byte a second", () -> send(("POST /v1/explain HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                + "a".repeat(40)).getBytes(StandardCharsets.ISO_8859_1), new byte[0], 1000, 0)));
        rows.add(row("fill=blur:1e9", () -> post("fill=blur:1e9", "image/png", picture)));
        rows.add(row("fill=blur:1e5", () -> post("fill=blur:1e5", "image/png", picture)));
        rows.add(row("target=0 repeated 5,000 times", () -> post("window=64&stride=64&target=" + "0,".repeat(4999) + "0", "image/png", picture)));
        rows.add(row("top-k=100000", () -> post("top-k=100000", "image/png", picture)));
        rows.add(row("batch=2048", () -> post("window=16&stride=16&batch=2048", "image/png", picture)));
        byte[] bomb = flatPng(20000, 20000, 1, 0);
        rows.add(row("PNG of 20000 x 20000 in " + bomb.length / 1024 + " KB", () -> post("", "image/png", bomb)));
        byte[] deep = flatPng(4096, 4096, 16, 2);
        rows.add(row("48 concurrent 4096 x 4096 16-bit PNGs (" + deep.length / 1024 + " KB each)", () -> concurrent(48, deep)));
        String boundary = "b".repeat(4000);
        byte[] multipart = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"input\"\r\nContent-Type: image/png\r\n\r\n"
                + "x".repeat(1 << 20) + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        rows.add(row("multipart with a 4,000-character boundary", () -> post("", "multipart/form-data; boundary=" + boundary, multipart)));
        byte[] oneMb = new byte[1 << 20];
        rows.add(row("wrong token with a 1 MB body", () -> send(head("", "image/png", oneMb.length, false,
                "Authorization: Bearer wrong\r\n"), oneMb, 0, oneMb.length)));
        rows.add(row("lower-case 'bearer' scheme", () -> send(head("window=64&stride=64", "image/png", picture.length, false,
                "Authorization: bearer " + TOKEN + "\r\n"), picture, 0, picture.length)));
        rows.add(row("malformed request line", () -> send("GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                new byte[0], 0, 0)));
        rows.add(row("500 KB of headers", () -> send(head("", "image/png", picture.length, true, "X-Big: " + "h".repeat(500 << 10) + "\r\n"),
                picture, 0, picture.length)));
        return rows;
    }

    /** Explain requests the server has answered or given up on, from its {@code /metrics} (every status, 499 included). */
    long explainRequests() {
        Answer m = send(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), new byte[0], 0, 0);
        long n = 0;
        for (String line : m.body().split("\n")) {
            if (line.startsWith("occlusion4j_requests_total{path=\"/v1/explain\"")) {
                n += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1).strip());
            }
        }
        return n;
    }

    /** Waits (at most 120 s) until the server has counted {@code total} explain requests; the answer says what it counted. */
    private Answer waitForAnswered(long total) {
        long t0 = System.nanoTime();
        long n = 0;
        for (int i = 0; i < 1200 && (n = explainRequests()) < total; i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String metrics = send(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), new byte[0], 0, 0).body();
        StringBuilder b = new StringBuilder(n >= total ? "all counted: " : "only " + n + " of " + total + " counted: ");
        for (String line : metrics.split("\n")) {
            if (line.startsWith("occlusion4j_requests_total{path=\"/v1/explain\"") || line.startsWith("occlusion4j_client_aborts_total")) {
                b.append(line.replace("occlusion4j_", "").replace("path=\"/v1/explain\",", "")).append("; ");
            }
        }
        return new Answer(200, b.toString(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Waits (at most 60 s) until the server has no explanation queued or running. */
    private Answer waitForQuiet() {
        long t0 = System.nanoTime();
        for (int i = 0; i < 600; i++) {
            Answer h = send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                    new byte[0], 0, 0);
            if (h.body().contains("\"queue_depth\":0") && h.body().contains("\"running\":0")) {
                return new Answer(h.status(), "all answered; healthz " + h.body(), (System.nanoTime() - t0) / 1_000_000);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Answer(0, "still busy after 60 s", (System.nanoTime() - t0) / 1_000_000);
    }

    /** {@code n} uploads of {@code body} at once; the answer counts statuses, the time is the slowest. */
    private Answer concurrent(int n, byte[] body) {
        long t0 = System.nanoTime();
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> post("window=64&stride=64", "image/png", body)));
            }
            for (Future<Answer> f : answers) {
                statuses.merge(f.get().status(), 1, Integer::sum);
            }
        } catch (Exception e) {
            return new Answer(0, e.toString(), 0);
        }
        StringBuilder b = new StringBuilder();
        statuses.forEach((s, c) -> b.append(c).append(" x ").append(s == 0 ? "closed" : s).append(", "));
        b.setLength(b.length() - 2);
        return new Answer(statuses.size() == 1 ? statuses.keySet().iterator().next() : 207, b.toString(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * {@code total} requests, 4 at a time: 6 in 10 good, 3 bad (garbage image, unknown parameter, wrong media type),
     * 1 aborted (the client leaves before the answer). Returns {@code [rss KiB, handles, sockets]} after the first
     * {@code first} and after all.
     */
    long[][] soak(int first, int total) throws Exception {
        long[][] at = new long[2][];
        byte[] garbage = "definitely not a picture".repeat(40).getBytes(StandardCharsets.ISO_8859_1);
        int done = 0;
        for (int phase = 0; phase < 2; phase++) {
            int until = phase == 0 ? first : total;
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger(done);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int w = 0; w < 4; w++) {
                    pool.submit(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < until) {
                            switch (i % 10) {
                                case 0, 1, 2, 3, 4, 5 -> post("window=64&stride=64", "image/png", picture);
                                case 6 -> post("", "image/png", garbage);
                                case 7 -> post("windw=4", "image/png", picture);
                                case 8 -> post("", "text/plain", garbage);
                                default -> abort();
                            }
                        }
                    });
                }
            }
            done = until;
            waitForQuiet();
            long[] h = server.fileHandles();
            at[phase] = new long[] {server.rssKiB(), h[0], h[1]};
        }
        return at;
    }

    private void abort() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write(head("window=64&stride=64", "image/png", picture.length, true, ""));
            s.getOutputStream().write(picture);
        } catch (IOException ignored) {
            // counted by the server, not here
        }
    }

    /** A valid PNG of a flat {@code w x h} picture (grey or RGB), written row by row so it is never held whole. */
    static byte[] flatPng(int w, int h, int bitDepth, int colorType) {
        int channels = colorType == 2 ? 3 : 1;
        byte[] row = new byte[(int) (((long) w * channels * bitDepth + 7) / 8) + 1];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < h; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) bitDepth).put((byte) colorType)
                .put(new byte[3]).array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
