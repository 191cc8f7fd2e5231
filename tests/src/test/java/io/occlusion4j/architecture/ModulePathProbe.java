// Run by ModulePathTest in a JVM that holds the library on the module path: one explanation and one HTTP request.
package io.occlusion4j.architecture;

import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.server.OcclusionServer;
import io.occlusion4j.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Prints, one per line: the module the engine's classes came from, the back end AUTO chose and why, the grid map of
 * {@link #explainer} on the tensor (base64 of float32, little-endian), the status of {@code GET /healthz}, and the
 * status and body of a {@code POST /v1/explain} with {@link #QUERY} (the same settings). The probe itself is on the
 * class path and uses only exported API, as an application would.
 */
public final class ModulePathProbe {
    /** The server request with the settings of {@link #explainer}. */
    static final String QUERY = "window=2&stride=2&score=raw&fill=0&target=1&maps=grid";

    private ModulePathProbe() {}

    /** The explainer both runs use: AUTO back end, one thread, windows 2x2, targets class 1. */
    static Occlusion explainer(Path model) {
        return Occlusion.builder().model(model).threads(1).window(2, 2).stride(2, 2).targets(Targets.of(1)).build();
    }

    static String base64(Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.data()) {
            b.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path npy = Path.of(args[1]);
        Tensor x = Npy.read(npy);
        Occlusion o = explainer(model);
        SensitivityMap map = o.explain(x);
        System.out.println("module " + Occlusion.class.getModule().getName());
        System.out.println("backend " + o.backend());
        System.out.println("grid " + base64(map.gridMaps()));
        // the server owns the explainer from here: closing the server closes it
        try (OcclusionServer server = OcclusionServer.start(o, "linear", Map.of(), ServerConfig.defaults().withPort(0))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(server.uri().resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("healthz " + health.statusCode());
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(server.uri().resolve("/v1/explain") + "?" + QUERY))
                    .header("Content-Type", "application/x-npy").POST(HttpRequest.BodyPublishers.ofFile(npy)).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("explain " + answer.statusCode() + " " + answer.body().replace('\n', ' '));
        }
    }
}
