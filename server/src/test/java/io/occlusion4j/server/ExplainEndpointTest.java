package io.occlusion4j.server;

import static io.occlusion4j.server.TestServer.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.io.Npy;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid and invalid requests against one running server on loopback (with a bearer token). */
class ExplainEndpointTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = ServerConfig.defaults().withToken("s3cret").withLimits(256 << 10, 512L * 512, 1024)
                .withLabels(List.of("zero", "one", "two"));
        s = new TestServer(dir, config, Map.of("window", "8", "score", "softmax"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** Whatever a test sent, the server is still answering afterwards. */
    @AfterEach
    void stillHealthy() throws Exception {
        s.assertHealthy();
    }

    @Test
    void pngImageGivesTargetsScoresAndBase64Maps() throws Exception {
        TestServer.Reply r = s.post("", "image/png", TestServer.png(40, 48, BufferedImage.TYPE_INT_RGB));
        assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("input").asText()).isEqualTo("image");
        assertThat(j.path("input_shape").toString()).isEqualTo("[3,32,32]");
        assertThat(j.path("window").toString()).isEqualTo("[8,8]");
        JsonNode target = j.path("targets").get(0);
        int index = target.path("index").asInt();
        assertThat(index).isBetween(0, 9);
        assertThat(target.path("label").asText()).isEqualTo(index < 3 ? List.of("zero", "one", "two").get(index) : "class " + index);
        assertThat(target.path("base_score").asDouble()).isBetween(0.1, 1.0); // softmax default; argmax of 10 classes
        assertThat(j.path("grid_shape").toString()).isEqualTo("[4,4]");
        JsonNode grid = j.path("grid_maps");
        assertThat(grid.path("shape").toString()).isEqualTo("[1,4,4]");
        assertThat(grid.path("dtype").asText()).isEqualTo("float32");
        float[] g = floats(grid.path("base64").asText());
        assertThat(g).hasSize(16);
        float[] p = floats(j.path("pixel_maps").path("base64").asText());
        assertThat(p).hasSize(32 * 32);
        // tiles (stride = window): every pixel's value is its tile's grid value
        assertThat(p[0]).isEqualTo(g[0]);
        assertThat(p[31 * 32 + 31]).isEqualTo(g[15]);
        assertThat(j.path("stats").path("windows").asInt()).isEqualTo(16);
        assertThat(j.path("timings").path("explain_ms").asDouble()).isPositive();
        assertThat(j.path("timings").path("total_ms").asDouble()).isGreaterThanOrEqualTo(j.path("timings").path("explain_ms").asDouble());
    }

    @Test
    void npyTensorWithQueryParametersGivesFloatArrays() throws Exception {
        TestServer.Reply r = s.post("window=16&stride=8&top-k=2&score=raw&encoding=float&maps=both", "application/x-npy",
                TestServer.npy(3, 32, 32));
        assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("input").asText()).isEqualTo("tensor");
        assertThat(j.path("targets")).hasSize(2);
        assertThat(j.path("targets").get(0).path("base_score").asDouble())
                .isGreaterThanOrEqualTo(j.path("targets").get(1).path("base_score").asDouble());
        assertThat(j.path("grid_maps").path("shape").toString()).isEqualTo("[2,3,3]");
        assertThat(j.path("grid_maps").path("data")).hasSize(18);
        assertThat(j.path("pixel_maps").path("data")).hasSize(2 * 32 * 32);
        assertThat(j.path("stats").path("windows").asInt()).isEqualTo(9);
    }

    @Test
    void sameTensorGivesSameMapAsTheLibrary() throws Exception {
        byte[] x = TestServer.npy(3, 32, 32);
        TestServer.Reply a = s.post("target=3&maps=grid&stride=4&fill=0.5", "application/x-npy", x);
        TestServer.Reply b = s.post("target=3&maps=grid&stride=4&fill=0.5", "application/octet-stream", x);
        assertThat(a.status()).as("%s", a.json()).isEqualTo(200);
        assertThat(b.status()).as("%s", b.json()).isEqualTo(200);
        assertThat(a.json().has("pixel_maps")).isFalse();
        assertThat(a.json().path("targets").get(0).path("index").asInt()).isEqualTo(3);
        assertThat(a.json().path("targets").get(0).path("label").asText()).isEqualTo("class 3");
        // the library on the same model and tensor, with the server's defaults (window 8, softmax) and the query's settings
        SensitivityMap lib;
        try (Occlusion o = Occlusion.builder().model(s.model).threads(2).window(8, 8).stride(4, 4).score(Score.SOFTMAX)
                .fill(Fill.constant(0.5f)).targets(Targets.of(3)).build()) {
            lib = o.explain(Npy.parse(x, "x"));
        }
        for (TestServer.Reply r : List.of(a, b)) { // the same model, session settings and batches: equal bit for bit
            JsonNode grid = r.json().path("grid_maps");
            assertThat(grid.path("shape").toString()).isEqualTo(Arrays.toString(lib.gridMaps().shape()).replace(" ", ""));
            assertThat(floats(grid.path("base64").asText())).containsExactly(lib.gridMaps().data());
        }
        assertThat(a.json().path("targets").get(0).path("base_score").floatValue()).isEqualTo(lib.baseScores()[0]);
        float largest = 0;
        for (float v : lib.gridMaps().data()) {
            largest = Math.max(largest, Math.abs(v));
        }
        assertThat(largest).as("the map says something (not all 0)").isPositive();
    }

    @Test
    void aReducedScoreIsNotNamedByTheClassLabels() throws Exception {
        TestServer.Reply r = s.post("reduce=max&maps=none", "application/x-npy", TestServer.npy(3, 32, 32));
        assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
        JsonNode target = r.json().path("targets").get(0);
        assertThat(target.path("index").asInt()).isZero();
        assertThat(target.path("label").asText()).isEqualTo("max softmax score"); // not "zero", the server's label of class 0
        assertThat(r.json().path("reduce").asText()).isEqualTo("max");
    }

    @Test
    void acceptPngAnswersTheRenderedHeatmap() throws Exception {
        TestServer.Reply r = s.post("top-k=2", "image/png", TestServer.png(32, 32, BufferedImage.TYPE_INT_RGB), "Accept", "image/png");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("image/png");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.bytes()));
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isGreaterThan(2 * 32); // two panels side by side
    }

    @Test
    void multipartWithAJsonParamsPart() throws Exception {
        String boundary = "o4jboundary";
        byte[] npy = TestServer.npy(3, 32, 32);
        var out = new java.io.ByteArrayOutputStream();
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"params\"\r\nContent-Type: application/json\r\n\r\n"
                + "{\"window\": [16, 16], \"top-k\": 3, \"encoding\": \"float\"}\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"input\"; filename=\"x.npy\"\r\n"
                + "Content-Type: application/x-npy\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(npy);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        TestServer.Reply r = s.post("stride=8", "multipart/form-data; boundary=" + boundary, out.toByteArray());
        assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
        assertThat(r.json().path("window").toString()).isEqualTo("[16,16]");
        assertThat(r.json().path("stride").toString()).isEqualTo("[8,8]");
        assertThat(r.json().path("targets")).hasSize(3);
    }

    // ---------------------------------------------------------------------------------- bad input

    @Test
    void garbageBody() throws Exception {
        assertError(s.post("", "image/png", "this is not a picture at all".getBytes(StandardCharsets.UTF_8)), 400, "invalid_image", null);
        assertError(s.post("", "application/x-npy", "neither a tensor".getBytes(StandardCharsets.UTF_8)), 400, "invalid_tensor", null);
    }

    @Test
    void truncatedPng() throws Exception {
        byte[] png = TestServer.png(32, 32, BufferedImage.TYPE_INT_RGB);
        assertError(s.post("", "image/png", Arrays.copyOf(png, png.length / 2)), 400, "invalid_image", null);
        assertError(s.post("", "image/png", Arrays.copyOf(png, png.length - 6)), 400, "invalid_image", null);
    }

    @Test
    void hugeImageIsRefusedBeforeDecoding() throws Exception {
        byte[] png = TestServer.png(4000, 900, BufferedImage.TYPE_BYTE_BINARY); // small file, 3.6 M pixels
        assertThat(png.length).isLessThan(256 << 10);
        TestServer.Reply r = s.post("", "image/png", png);
        assertError(r, 422, "image_too_large", null);
        assertThat(r.json().path("message").asText()).contains("4000x900");
    }

    @Test
    void tooLargeBody() throws Exception {
        assertError(s.post("", "application/x-npy", new byte[300 << 10]), 413, "body_too_large", null);
    }

    @Test
    void tensorTooLargeOrOfTheWrongShape() throws Exception {
        assertError(s.post("", "application/x-npy", TestServer.npy(1, 2000, 2)), 422, "input_too_large", null);
        TestServer.Reply r = s.post("", "application/x-npy", TestServer.npy(3, 16, 16));
        assertError(r, 422, "unprocessable", null);
        assertThat(r.json().path("message").asText()).contains("model input");
    }

    @Test
    void wrongContentType() throws Exception {
        assertError(s.post("", "text/plain", "hello".getBytes(StandardCharsets.UTF_8)), 415, "unsupported_media_type", null);
        assertError(s.post("", null, TestServer.npy(3, 32, 32)), 415, "unsupported_media_type", null);
    }

    @Test
    void emptyBody() throws Exception {
        assertError(s.post("", "image/png", new byte[0]), 400, "invalid_body", null);
    }

    @Test
    void unknownOutputName() throws Exception {
        TestServer.Reply r = s.post("output=probabilities", "application/x-npy", TestServer.npy(3, 32, 32));
        assertError(r, 422, "unprocessable", "output");
        assertThat(r.json().path("message").asText()).contains("probabilities").contains("logits");
    }

    @Test
    void negativeOrMalformedWindow() throws Exception {
        assertError(s.post("window=-4", "application/x-npy", TestServer.npy(3, 32, 32)), 400, "invalid_parameter", "window");
        assertError(s.post("window=abc", "application/x-npy", TestServer.npy(3, 32, 32)), 400, "invalid_parameter", "window");
        assertError(s.post("stride=0", "application/x-npy", TestServer.npy(3, 32, 32)), 400, "invalid_parameter", "stride");
    }

    @Test
    void settingsTheInputCannotTake() throws Exception {
        assertError(s.post("window=64", "application/x-npy", TestServer.npy(3, 32, 32)), 422, "unprocessable", "window");
        assertError(s.post("target=12", "application/x-npy", TestServer.npy(3, 32, 32)), 422, "unprocessable", "target");
        assertError(s.post("window=8,8,8", "application/x-npy", TestServer.npy(3, 32, 32)), 422, "unprocessable", "window");
    }

    @Test
    void otherBadParameters() throws Exception {
        byte[] x = TestServer.npy(3, 32, 32);
        assertError(s.post("windw=8", "application/x-npy", x), 400, "invalid_parameter", "windw");
        assertError(s.post("edge=wrap", "application/x-npy", x), 400, "invalid_parameter", "edge");
        assertError(s.post("fill=purple", "application/x-npy", x), 400, "invalid_parameter", "fill");
        assertError(s.post("fill=/etc/passwd.npy", "application/x-npy", x), 400, "invalid_parameter", "fill");
        assertError(s.post("top-k=0", "application/x-npy", x), 400, "invalid_parameter", "top-k");
        assertError(s.post("batch=-1", "application/x-npy", x), 400, "invalid_parameter", "batch");
        assertError(s.post("window=8&window=4", "application/x-npy", x), 400, "invalid_parameter", "window");
    }

    @Test
    void missingOrWrongToken() throws Exception {
        TestServer.Reply r = s.post("", "application/x-npy", TestServer.npy(3, 32, 32), "no-token", "");
        assertError(r, 401, "unauthorized", null);
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
        assertError(s.post("", "application/x-npy", TestServer.npy(3, 32, 32), "Authorization", "Bearer nope"), 401, "unauthorized", null);
        assertError(s.get("/metrics", "no-token", ""), 401, "unauthorized", null);
    }

    @Test
    void wrongMethodAndUnknownPath() throws Exception {
        assertError(s.get("/v1/explain"), 405, "method_not_allowed", null);
        assertError(s.get("/v2/explain"), 404, "not_found", null);
    }

    @Test
    void metricsInPrometheusFormat() throws Exception {
        s.post("", "application/x-npy", TestServer.npy(3, 32, 32));
        s.post("window=-1", "application/x-npy", TestServer.npy(3, 32, 32));
        TestServer.Reply r = s.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        String text = new String(r.bytes(), StandardCharsets.UTF_8);
        assertThat(text).contains("# TYPE occlusion4j_requests_total counter")
                .containsPattern("occlusion4j_requests_total\\{path=\"/v1/explain\",status=\"200\"} [1-9]")
                .containsPattern("occlusion4j_errors_total\\{status=\"400\"} [1-9]")
                .contains("occlusion4j_explain_duration_seconds_bucket{le=\"+Inf\"}")
                .contains("occlusion4j_explain_duration_seconds_count")
                .containsPattern("occlusion4j_variants_total [1-9]")
                .contains("occlusion4j_variants_per_second ")
                .contains("occlusion4j_queue_depth 0")
                .contains("occlusion4j_backend_info{backend=\"cpu\"");
        for (String line : text.split("\n")) {
            assertThat(line).matches("# (HELP|TYPE) .*|[a-z0-9_]+(\\{.*})? [0-9.eE+-]+");
        }
    }

    private static float[] floats(String base64) {
        ByteBuffer bb = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }
}
