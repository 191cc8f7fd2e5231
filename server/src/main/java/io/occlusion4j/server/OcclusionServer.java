package io.occlusion4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Reduce;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.core.ModelSignature;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.io.Summaries;
import io.occlusion4j.render.Colormap;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * {@code occlusion4j serve}: an HTTP/1.1 service over one loaded model. The JDK's {@link HttpServer} accepts
 * connections and runs each exchange on its own virtual thread; explanations run on the few platform threads
 * of an {@link Admission} queue.
 *
 * <ul>
 *   <li>{@code POST /v1/explain}: body PNG/JPEG ({@code image/png}, {@code image/jpeg}), NPY
 *       ({@code application/x-npy}) or {@code multipart/form-data} with an {@code input} part and an optional
 *       {@code params} part (a JSON object); settings in the query string ({@link ExplainParams}). Answers
 *       JSON, or the rendered heatmap with {@code Accept: image/png}.</li>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"ok"}}, 503 while shutting down. Needs no token.</li>
 *   <li>{@code GET /metrics}: Prometheus text format.</li>
 * </ul>
 *
 * Every error is a JSON body {@code {"status", "error", "message", "param"}}.
 */
public final class OcclusionServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j.server");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies over the limit are read and dropped up to this much, so the client sees the 413 instead of a reset. */
    private static final long DRAIN_LIMIT = 64L << 20;

    private final Occlusion model;
    private final String modelName;
    private final Map<String, String> defaults;
    private final ServerConfig config;
    private final HttpServer http;
    private final ExecutorService requestThreads;
    private final Admission admission;
    private final Metrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    private final byte[] tokenBytes;

    private OcclusionServer(Occlusion model, String modelName, Map<String, String> defaults, ServerConfig config) throws IOException {
        this.model = model;
        this.modelName = modelName;
        this.defaults = Map.copyOf(defaults);
        this.config = config;
        this.tokenBytes = config.token() == null ? null : ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        this.admission = new Admission(config.slots(), config.queueCapacity());
        String[] backend = model.backend().split(" ", 2);
        this.metrics = new Metrics(backend[0], deviceOf(model), admission::queueDepth,
                admission::running, config.queueCapacity(), config.slots());
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
        this.requestThreads = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(requestThreads);
        http.createContext("/", this::handle);
    }

    /**
     * Starts serving {@code model}. The server owns the model from here on: {@link #stop()} closes it.
     *
     * @param modelName shown in answers and logs (a file name, say)
     * @param defaults  request parameters that apply when a request does not give them (names as in
     *                  {@link ExplainParams}); checked now, so a bad default fails the start
     */
    public static OcclusionServer start(Occlusion model, String modelName, Map<String, String> defaults, ServerConfig config)
            throws IOException {
        checkDefaults(defaults);
        OcclusionServer s = new OcclusionServer(model, modelName, defaults, config);
        s.http.start();
        LOG.log(System.Logger.Level.INFO, () -> "occlusion4j serve: " + modelName + " on " + s.uri() + " (" + model.backend() + ")");
        return s;
    }

    /** Throws {@link IllegalArgumentException} naming the parameter when a default request parameter is invalid. */
    public static void checkDefaults(Map<String, String> defaults) {
        Map<String, String> check = new LinkedHashMap<>(defaults);
        check.putIfAbsent("window", "1");
        try {
            ExplainParams.parse(check, Map.of());
        } catch (ApiException e) {
            throw new IllegalArgumentException("invalid default for " + e.param() + ": " + e.getMessage(), e);
        }
    }

    private static String deviceOf(Occlusion model) {
        String b = model.backend();
        int p = b.indexOf('(');
        return p < 0 ? "" : b.substring(p + 1, b.length() - 1);
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public URI uri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    public ServerConfig config() {
        return config;
    }

    /** Requests answered so far on {@code path} with {@code status}. */
    public long requestCount(String path, int status) {
        return metrics.requestCount(path, status);
    }

    /**
     * Graceful stop: new requests are refused (503, {@code Connection: close}) while those in flight finish,
     * for at most the configured grace; then the listener closes and the model is released. Idempotent;
     * a second caller waits for the first to finish.
     */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        draining = true;
        long end = System.nanoTime() + config.shutdownGrace().toNanos();
        try {
            while (inFlight.get() > 0 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = inFlight.get();
        http.stop(0);
        admission.close();
        requestThreads.shutdownNow();
        model.close();
        LOG.log(System.Logger.Level.INFO, () -> "occlusion4j serve: stopped" + (left > 0 ? " (" + left + " requests cut off)" : ""));
        stopped.countDown();
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    // ------------------------------------------------------------------------------------ dispatch

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        String metricPath = switch (path) {
            case "/v1/explain", "/healthz", "/metrics" -> path;
            default -> "other";
        };
        inFlight.incrementAndGet();
        int status = 500;
        try {
            status = switch (path) {
                case "/healthz" -> healthz(ex);
                case "/metrics" -> metrics(ex);
                case "/v1/explain" -> explain(ex, t0);
                default -> throw new ApiException(404, "not_found", "no such endpoint " + path
                        + "; the server answers POST /v1/explain, GET /healthz and GET /metrics", null);
            };
        } catch (ApiException e) {
            status = e.status();
            sendError(ex, e);
        } catch (RuntimeException | IOException | Error e) {
            status = 500;
            LOG.log(System.Logger.Level.ERROR, "occlusion4j serve: internal error on " + path, e);
            sendError(ex, new ApiException(500, "internal", "internal error: " + e, null));
        } finally {
            ex.close();
            metrics.request(metricPath, status);
            if (path.equals("/v1/explain")) {
                metrics.explainLatency((System.nanoTime() - t0) / 1e9);
            }
            inFlight.decrementAndGet();
        }
    }

    private void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new ApiException(405, "method_not_allowed", ex.getRequestURI().getPath() + " takes " + method
                    + ", not " + ex.getRequestMethod(), null);
        }
    }

    private void requireToken(HttpExchange ex) {
        if (tokenBytes == null) {
            return;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        if (given == null || !MessageDigest.isEqual(tokenBytes, given.strip().getBytes(StandardCharsets.UTF_8))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"occlusion4j\"");
            throw new ApiException(401, "unauthorized", given == null ? "this server needs 'Authorization: Bearer TOKEN'"
                    : "the bearer token is not valid", null);
        }
    }

    private int healthz(HttpExchange ex) throws IOException {
        requireMethod(ex, "GET");
        if (draining) {
            ex.getResponseHeaders().set("Connection", "close");
            return sendJson(ex, 503, Map.of("status", "shutting down"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("model", modelName);
        body.put("backend", model.backend());
        body.put("queue_depth", admission.queueDepth());
        body.put("running", admission.running());
        return sendJson(ex, 200, body);
    }

    private int metrics(HttpExchange ex) throws IOException {
        requireMethod(ex, "GET");
        requireToken(ex);
        byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return 200;
    }

    // ------------------------------------------------------------------------------------ explain

    /** What the body held: the tensor to explain and, for images, the decoded picture. */
    private record Input(Tensor tensor, BufferedImage image, String kind) {}

    private int explain(HttpExchange ex, long t0) throws IOException {
        requireMethod(ex, "POST");
        requireToken(ex);
        if (draining) {
            ex.getResponseHeaders().set("Connection", "close");
            throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
        }
        long deadline = t0 + config.deadline().toNanos();
        Map<String, String> query = ExplainParams.query(ex.getRequestURI().getRawQuery());
        boolean png = wantsPng(ex.getRequestHeaders());
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || contentType.isBlank()) {
            drain(ex.getRequestBody());
            throw new ApiException(415, "unsupported_media_type", "no Content-Type: send image/png, image/jpeg, application/x-npy "
                    + "or multipart/form-data", null);
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!isImage(mediaType) && !isNpy(mediaType) && !mediaType.equals("multipart/form-data")) {
            drain(ex.getRequestBody());
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + mediaType + " is not accepted: send image/png, "
                    + "image/jpeg, application/x-npy or multipart/form-data", null);
        }
        byte[] body = readBody(ex);
        Map<String, String> jsonParams = Map.of();
        if (mediaType.equals("multipart/form-data")) {
            String boundary = Multipart.boundary(contentType);
            if (boundary == null) {
                throw new ApiException(400, "invalid_body", "multipart/form-data without a boundary", null);
            }
            byte[] inputBytes = null;
            String inputType = null;
            for (Multipart.Part part : Multipart.parse(body, boundary)) {
                if ("params".equals(part.name())) {
                    jsonParams = jsonParams(part.body());
                } else if ("input".equals(part.name())) {
                    inputBytes = part.body();
                    inputType = part.contentType() == null ? "" : part.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
                }
            }
            if (inputBytes == null) {
                throw new ApiException(400, "invalid_body", "the multipart body has no part named 'input'", null);
            }
            if (!isImage(inputType) && !isNpy(inputType)) {
                throw new ApiException(415, "unsupported_media_type", "the input part's Content-Type '" + inputType
                        + "' is not image/png, image/jpeg or application/x-npy", null);
            }
            body = inputBytes;
            mediaType = inputType;
        }
        Map<String, String> given = new LinkedHashMap<>(jsonParams);
        given.putAll(query);
        ExplainParams params = ExplainParams.parse(defaults, given);

        long decode0 = System.nanoTime();
        Input input = isImage(mediaType) ? decodeImage(body) : decodeTensor(body);
        body = null;
        int axes = input.image() != null ? 2 : input.tensor().rank() - 1;
        Occlusion occlusion = derive(params, axes);
        if (png && axes != 2) {
            throw ApiException.unprocessable(null, "Accept: image/png draws 2-D maps; this input has " + axes + " spatial axes");
        }
        Tensor x = input.image() != null ? occlusion.imageTensor(input.image()) : input.tensor();
        checkFits(occlusion, x);
        double decodeMs = (System.nanoTime() - decode0) / 1e6;

        long submitted = System.nanoTime();
        long[] started = new long[1];
        final Tensor tensor = x;
        Future<SensitivityMap> future = admission.submit(() -> {
            started[0] = System.nanoTime();
            if (started[0] > deadline) {
                throw new DeadlineExceeded();
            }
            Occlusion timed = occlusion.with(b -> b.progress((done, total) -> {
                if (System.nanoTime() > deadline) {
                    throw new DeadlineExceeded();
                }
            }));
            return timed.explain(tensor);
        });
        SensitivityMap map = await(future, deadline);
        long finished = System.nanoTime();
        metrics.variants(map.stats().windows(), map.stats().device());

        long encode0 = System.nanoTime();
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("decode_ms", decodeMs);
        timings.put("queue_ms", (started[0] - submitted) / 1e6);
        timings.put("explain_ms", (finished - started[0]) / 1e6);
        List<String> labels = labelsFor(map, params);
        if (png) {
            BufferedImage picture = input.image() != null ? input.image() : picture(x);
            byte[] bytes = renderPng(map, labels, picture, params);
            ex.getResponseHeaders().set("Content-Type", "image/png");
            ex.getResponseHeaders().set("X-Occlusion4j-Targets", Arrays.toString(map.targets()));
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
            return 200;
        }
        Map<String, Object> doc = answer(map, labels, params, x, input.kind());
        timings.put("encode_ms", (System.nanoTime() - encode0) / 1e6);
        timings.put("total_ms", (System.nanoTime() - t0) / 1e6);
        doc.put("timings", timings);
        return sendJson(ex, 200, doc);
    }

    private static final class DeadlineExceeded extends RuntimeException {
        DeadlineExceeded() {
            super("deadline exceeded", null, false, false);
        }
    }

    private SensitivityMap await(Future<SensitivityMap> future, long deadline) {
        try {
            long left = deadline - System.nanoTime();
            return future.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            admission.purge();
            throw deadlineError();
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof DeadlineExceeded) {
                throw deadlineError();
            }
            if (c instanceof ApiException a) {
                throw a;
            }
            if (c instanceof IllegalArgumentException) {
                throw ApiException.unprocessable(paramOf(c.getMessage()), c.getMessage());
            }
            if (c instanceof OcclusionException) {
                throw new ApiException(422, "unprocessable", c.getMessage(), null);
            }
            throw new ApiException(500, "internal", "internal error: " + c, null);
        }
    }

    private ApiException deadlineError() {
        return new ApiException(504, "deadline_exceeded", "the request was not answered within its deadline of "
                + config.deadline().toMillis() + " ms (waiting for a slot included)", null);
    }

    /** Which parameter an engine settings error is about, from its wording; null when it is not clear. */
    static String paramOf(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("top-k")) {
            return "top-k";
        }
        if (m.startsWith("target") || m.contains(" target ")) {
            return "target";
        }
        if (m.contains("stride")) {
            return "stride";
        }
        if (m.contains("window")) {
            return "window";
        }
        if (m.contains("output")) {
            return m.contains("reduce") ? "reduce" : "output";
        }
        if (m.contains("fill") || m.contains("baseline") || m.contains("constant")) {
            return "fill";
        }
        return null;
    }

    /** Per-request settings over the loaded model; unknown outputs are refused here, before any work is queued. */
    private Occlusion derive(ExplainParams params, int axes) {
        ModelSignature sig = model.signature();
        for (String name : params.outputs) {
            if (sig.output(name) == null) {
                throw ApiException.unprocessable("output", "the model has no output named '" + name + "'; its outputs are "
                        + sig.outputNames());
            }
        }
        if (params.outputs.size() > 1 && params.reduce == Reduce.NONE) {
            throw ApiException.unprocessable("reduce", "several outputs " + params.outputs + " are scored together only with reduce=max");
        }
        try {
            return model.with(b -> params.apply(b, axes));
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(paramOf(e.getMessage()), e.getMessage());
        }
    }

    /** Settings errors found before queueing (window larger than the input, stride, model input shape). */
    private static void checkFits(Occlusion occlusion, Tensor x) {
        try {
            occlusion.grid(x);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(paramOf(e.getMessage()), e.getMessage());
        } catch (OcclusionException e) {
            throw new ApiException(422, "unprocessable", e.getMessage(), null);
        }
    }

    private byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        long max = config.maxBodyBytes();
        InputStream in = ex.getRequestBody();
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n > max) {
                drain(in);
                throw tooLarge(n);
            }
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (body.length > max) {
            drain(in);
            throw tooLarge(-1);
        }
        if (body.length == 0) {
            throw new ApiException(400, "invalid_body", "the body is empty: send the image or NPY bytes", null);
        }
        return body;
    }

    private ApiException tooLarge(long n) {
        return new ApiException(413, "body_too_large", "the body " + (n >= 0 ? "of " + n + " bytes " : "")
                + "is larger than the limit of " + config.maxBodyBytes() + " bytes", null);
    }

    /** Reads and drops what is left of a refused body (up to a bound), so the client can read the answer. */
    private static void drain(InputStream in) {
        try {
            byte[] buf = new byte[64 << 10];
            long total = 0;
            int n;
            while (total < DRAIN_LIMIT && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException ignored) {
            // the connection closes with the answer
        }
    }

    private static boolean isImage(String mediaType) {
        return mediaType.equals("image/png") || mediaType.equals("image/jpeg") || mediaType.equals("image/jpg");
    }

    private static boolean isNpy(String mediaType) {
        return mediaType.equals("application/x-npy") || mediaType.equals("application/npy") || mediaType.equals("application/octet-stream");
    }

    private static boolean wantsPng(Headers headers) {
        String accept = headers.getFirst("Accept");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("image/png");
    }

    private static Map<String, String> jsonParams(byte[] bytes) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException(400, "invalid_body", "the params part is not JSON: " + e.getMessage().lines().findFirst().orElse(""), "params");
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, "invalid_body", "the params part must be a JSON object of parameter names to values", "params");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(i -> items.add(i.asText()));
                out.put(e.getKey(), String.join(",", items));
            } else if (v.isValueNode()) {
                out.put(e.getKey(), v.asText());
            } else {
                throw ApiException.badParam(e.getKey(), "parameter '" + e.getKey() + "' must be a string, number, boolean or array");
            }
        }
        return out;
    }

    /** Reads the image header first: a picture too large is refused before its pixels are decoded. */
    private Input decodeImage(byte[] body) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ApiException(400, "invalid_image", "the body is not a PNG or JPEG image" + start(body), null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                checkSize(h, w, "image");
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ApiException(400, "invalid_image", "the image is truncated or corrupt: " + e.getMessage(), null);
        }
        try {
            BufferedImage image = Images.decode(body, "the image");
            return new Input(null, image, "image");
        } catch (OcclusionException e) {
            throw new ApiException(400, "invalid_image", e.getMessage(), null);
        }
    }

    private Input decodeTensor(byte[] body) {
        Tensor t;
        try {
            t = Npy.parse(body, "the NPY body");
        } catch (OcclusionException e) {
            throw new ApiException(400, "invalid_tensor", e.getMessage(), null);
        } catch (RuntimeException e) {
            throw new ApiException(400, "invalid_tensor", "the NPY body cannot be read: " + e, null);
        }
        int[] s = t.shape();
        if (s.length < 2) {
            throw new ApiException(422, "unprocessable", "the tensor " + Arrays.toString(s) + " must be [C, D1..Dk]", null);
        }
        long pixels = 1;
        for (int i = 1; i < s.length; i++) {
            pixels *= s[i];
            if (s[i] > config.maxSide()) {
                throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has a side longer than the limit of "
                        + config.maxSide(), null);
            }
        }
        if (pixels > config.maxPixels()) {
            throw new ApiException(422, "input_too_large", "the tensor " + Arrays.toString(s) + " has " + pixels
                    + " elements per channel, more than the limit of " + config.maxPixels(), null);
        }
        return new Input(t, null, "tensor");
    }

    private void checkSize(long h, long w, String what) {
        if (w > config.maxSide() || h > config.maxSide() || w * h > config.maxPixels()) {
            throw new ApiException(422, "image_too_large", "the " + what + " is " + w + "x" + h + "; the limits are "
                    + config.maxPixels() + " pixels and " + config.maxSide() + " pixels a side", null);
        }
    }

    private static String start(byte[] b) {
        return b.length < 4 ? "" : String.format(" (it starts with bytes %02x %02x %02x %02x)", b[0], b[1], b[2], b[3]);
    }

    private List<String> labelsFor(SensitivityMap map, ExplainParams params) {
        List<String> out = new ArrayList<>();
        List<String> lines = config.labels();
        for (int t : map.targets()) {
            if (params.reduce == Reduce.MAX) {
                out.add("max " + params.score.name().toLowerCase(Locale.ROOT) + " score");
            } else if (t < lines.size() && !lines.get(t).isEmpty()) {
                out.add(lines.get(t));
            } else {
                out.add("class " + t);
            }
        }
        return out;
    }

    private Map<String, Object> answer(SensitivityMap map, List<String> labels, ExplainParams params, Tensor x, String kind) {
        Map<String, Object> doc = new LinkedHashMap<>();
        int axes = x.rank() - 1;
        doc.put("model", modelName);
        doc.put("input", kind);
        doc.put("input_shape", x.shape());
        doc.put("window", ExplainParams.perAxis(params.window, axes, "window"));
        doc.put("stride", ExplainParams.perAxis(params.stride != null ? params.stride : params.window, axes, "stride"));
        doc.put("edge", params.edge.name().toLowerCase(Locale.ROOT));
        doc.put("fill", params.fillText);
        doc.put("per_channel", params.perChannel);
        doc.put("score", params.score.name().toLowerCase(Locale.ROOT));
        doc.put("reduce", params.reduce.name().toLowerCase(Locale.ROOT));
        doc.put("output", map.output());
        List<Map<String, Object>> targets = Summaries.targets(map, labels);
        doc.put("targets", targets);
        doc.put("grid_shape", map.gridShape());
        doc.put("pixel_shape", map.pixelShape());
        if (params.gridMaps) {
            doc.put("grid_maps", array(map.gridMaps(), params.base64));
        }
        if (params.pixelMaps) {
            doc.put("pixel_maps", array(map.pixelMaps(), params.base64));
        }
        Map<String, Object> stats = Summaries.stats(map.stats());
        doc.put("stats", stats);
        return doc;
    }

    /** {@code {"shape": [...], "dtype": "float32", "data": [...]}} or with {@code "base64"} (little-endian float32). */
    static Map<String, Object> array(Tensor t, boolean base64) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", t.shape());
        m.put("dtype", "float32");
        if (base64) {
            ByteBuffer bb = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(t.data());
            m.put("byte_order", "little");
            m.put("base64", Base64.getEncoder().encodeToString(bb.array()));
        } else {
            m.put("data", t.data());
        }
        return m;
    }

    private static byte[] renderPng(SensitivityMap map, List<String> labels, BufferedImage picture, ExplainParams params) {
        HeatmapRenderer.Options o = HeatmapRenderer.Options.defaults().withAlpha(params.alpha);
        if (!params.colormap.equalsIgnoreCase("auto")) {
            try {
                o = o.withColormap(Colormap.parse(params.colormap));
            } catch (IllegalArgumentException e) {
                throw ApiException.badParam("colormap", e.getMessage());
            }
        }
        HeatmapRenderer renderer = new HeatmapRenderer(o);
        List<HeatmapRenderer.Panel> panels = HeatmapRenderer.panels(map, picture, labels);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(renderer.renderPanels(panels), "png", bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the PNG", e);
        }
        return bytes.toByteArray();
    }

    /** A picture of a raw {@code [C, H, W]} tensor in [0,1]: RGB for 3 channels, grey (the channel mean) otherwise. */
    static BufferedImage picture(Tensor t) {
        int[] s = t.shape();
        int c = s[0];
        int h = s[1];
        int w = s[2];
        int plane = h * w;
        float[] d = t.data();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            int rgb;
            if (c == 3) {
                rgb = (byteOf(d[i]) << 16) | (byteOf(d[plane + i]) << 8) | byteOf(d[2 * plane + i]);
            } else {
                float sum = 0;
                for (int k = 0; k < c; k++) {
                    sum += d[k * plane + i];
                }
                int g = byteOf(sum / c);
                rgb = (g << 16) | (g << 8) | g;
            }
            img.setRGB(i % w, i / w, rgb);
        }
        return img;
    }

    private static int byteOf(float v) {
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }

    // ------------------------------------------------------------------------------------ answers

    private static int sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    private static void sendError(HttpExchange ex, ApiException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", e.status());
        body.put("error", e.code());
        body.put("message", e.getMessage());
        body.put("param", e.param());
        if (e.retryAfterSeconds() > 0) {
            ex.getResponseHeaders().set("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        try {
            sendJson(ex, e.status(), body);
        } catch (IOException | RuntimeException io) {
            // headers already sent or the client went away: nothing more to say
        }
    }
}
