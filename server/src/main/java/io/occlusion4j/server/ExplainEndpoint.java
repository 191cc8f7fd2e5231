// POST /v1/explain, step by step: parameters, body, decoding, the explain call, the answer.
package io.occlusion4j.server;

import com.sun.net.httpserver.HttpExchange;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Reduce;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Summaries;
import io.occlusion4j.render.TensorPicture;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Answers one explain request (method, token and shutdown are checked by {@link OcclusionServer} first). Every
 * check that can fail is done before the request is queued: parameters (400), body (413, 415, 400), input (400,
 * 422), settings against the input (422); then the explanation runs ({@link ExplainCall}) and is answered as JSON
 * or, with {@code Accept: image/png}, as the heatmap. The answer's {@code timings} say where the time went.
 */
final class ExplainEndpoint implements AutoCloseable {
    private final String modelName;
    private final Map<String, String> defaults;
    private final ServerConfig config;
    private final InputDecoder decoder;
    private final ExplainCall call;
    private final Metrics metrics;
    private final boolean bgr;
    private final BodyReader reader;

    ExplainEndpoint(Occlusion model, String modelName, Map<String, String> defaults, ServerConfig config, Admission admission,
            Metrics metrics, BodyReader reader) {
        this.reader = reader;
        this.modelName = modelName;
        this.defaults = Map.copyOf(defaults);
        this.config = config;
        this.decoder = new InputDecoder(model, config.maxPixels(), config.maxSide(), config.slots() + config.queueCapacity());
        this.call = new ExplainCall(model, admission, config.deadline());
        this.metrics = metrics;
        this.bgr = model.settings().bgr();
    }

    /** @param t0 when the exchange arrived ({@link System#nanoTime()}); the deadline counts from it */
    int handle(HttpExchange ex, long t0) throws IOException {
        Map<String, String> query = ExplainParams.query(ex.getRequestURI().getRawQuery());
        try (RequestBody body = RequestBody.read(ex, reader, t0)) {
            return handle(ex, t0, query, body);
        }
    }

    /** The rest of the request, with its body read; the body's intake reservation follows what the request holds. */
    private int handle(HttpExchange ex, long t0, Map<String, String> query, RequestBody body) throws IOException {
        long deadline = t0 + config.deadline().toNanos();
        boolean png = wantsPng(ex);
        Map<String, String> given = new LinkedHashMap<>(body.params());
        given.putAll(query);
        ExplainParams params = ExplainParams.parse(defaults, given).within(config.requestLimits());

        long decode0 = System.nanoTime();
        InputDecoder.Input input = decoder.decode(body, deadline);
        int axes = input.spatialAxes();
        Occlusion occlusion = call.derive(params, axes);
        if (png && axes != 2) {
            throw ApiException.unprocessable(null, "Accept: image/png draws 2-D maps; this input has " + axes + " spatial axes");
        }
        Tensor x = call.input(occlusion, input);
        // a queued request keeps its input and what its maps and answer will take, not the bytes it came in
        body.intake().resize(4L * x.size() + ResponseEstimate.of(occlusion, x, params, png).check(config.requestLimits()),
                "the input and its maps");
        double decodeMs = (System.nanoTime() - decode0) / 1e6;

        ExplainCall.Done done = call.run(occlusion, x, deadline);
        SensitivityMap map = done.map();
        metrics.variants(map.stats());
        if (System.nanoTime() > deadline) {
            throw call.deadlineError(); // encoding is part of the answer's time
        }

        long encode0 = System.nanoTime();
        // the server's labels name the model's classes; a score reduced over the outputs (reduce=max, per request) is none
        Reduce reduce = params.options().reduce();
        List<String> labels = Summaries.labels(map.targets(), reduce == Reduce.MAX ? List.of() : config.labels(), reduce,
                params.options().score());
        ExplainAnswer answer = new ExplainAnswer(modelName, map, labels, params, x, input.kind());
        if (png) {
            BufferedImage picture = input.image() != null ? input.image() : TensorPicture.of(x, bgr);
            byte[] bytes = answer.png(picture);
            ex.getResponseHeaders().set("X-Occlusion4j-Targets", Arrays.toString(map.targets()));
            return Responses.bytes(ex, 200, "image/png", bytes);
        }
        Map<String, Object> doc = answer.json();
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("decode_ms", decodeMs);
        timings.put("queue_ms", done.queueMs());
        timings.put("explain_ms", done.explainMs());
        timings.put("encode_ms", (System.nanoTime() - encode0) / 1e6);
        timings.put("total_ms", (System.nanoTime() - t0) / 1e6);
        doc.put("timings", timings);
        return Responses.json(ex, 200, doc);
    }

    private static boolean wantsPng(HttpExchange ex) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("image/png");
    }

    /** Stops the image decode threads. */
    @Override
    public void close() {
        decoder.close();
    }
}
