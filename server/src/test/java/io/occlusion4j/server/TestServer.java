package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** A server on loopback over a small CNN (3 x 32 x 32, 10 classes), and a client for it. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int SIZE = 32;

    final OcclusionServer server;
    /** The model the server loaded (a small CNN, 3 x 32 x 32 in, 10 classes out). */
    final Path model;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String token;

    TestServer(Path dir, ServerConfig config, Map<String, String> defaults) throws IOException {
        model = dir.resolve("cnn.onnx");
        if (!Files.exists(model)) {
            Files.write(model, TestModels.smallCnn(3, SIZE, SIZE, 10, 7).onnx());
        }
        Occlusion o = Occlusion.builder().model(model).threads(2).window(8, 8).build();
        this.server = OcclusionServer.start(o, "cnn.onnx", defaults, config.withPort(0));
        this.token = config.token();
    }

    record Reply(int status, JsonNode json, byte[] bytes, HttpResponse<byte[]> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply post(String query, String contentType, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v1/explain" + (query.isEmpty() ? "" : "?" + query)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(60));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b, headers);
    }

    Reply get(String path, String... headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET().timeout(Duration.ofSeconds(30)), headers);
    }

    Reply send(HttpRequest.Builder b, String... headers) throws IOException, InterruptedException {
        boolean auth = true;
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equals("no-token")) {
                auth = false;
                continue;
            }
            b.header(headers[i], headers[i + 1]);
        }
        if (auth && token != null && java.util.Arrays.stream(headers).noneMatch("Authorization"::equals)) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        String type = r.headers().firstValue("Content-Type").orElse("");
        JsonNode json = type.startsWith("application/json") ? JSON.readTree(r.body()) : null;
        return new Reply(r.statusCode(), json, r.body(), r);
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    /** Asserts an error answer: the status, a JSON body with the same status, the error code and the parameter. */
    static void assertError(Reply r, int status, String code, String param) {
        assertThat(r.status()).as("status of %s", r.json()).isEqualTo(status);
        assertThat(r.json()).as("JSON error body").isNotNull();
        assertThat(r.json().path("status").asInt()).isEqualTo(status);
        assertThat(r.json().path("error").asText()).isEqualTo(code);
        assertThat(r.json().path("message").asText()).isNotBlank();
        if (param != null) {
            assertThat(r.json().path("param").asText()).isEqualTo(param);
        }
    }

    void assertHealthy() throws IOException, InterruptedException {
        Reply h = get("/healthz", "no-token", "");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().path("status").asText()).isEqualTo("ok");
    }

    static byte[] png(int width, int height, int type) throws IOException {
        BufferedImage img = new BufferedImage(width, height, type);
        SplittableRandom rnd = new SplittableRandom(3);
        if (width * height <= 1 << 16) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    img.setRGB(x, y, rnd.nextInt(1 << 24));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static byte[] npy(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] x = new float[n];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return Npy.toBytes(Tensor.of(x, shape));
    }

    @Override
    public void close() {
        server.stop();
    }
}
