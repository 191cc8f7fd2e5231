// The HTTP service over one loaded model: its lifecycle (start, graceful stop) and the routing of each exchange.
package io.occlusion4j.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.occlusion4j.Occlusion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Every error is a JSON body {@code {"status", "error", "message", "param"}} ({@link Responses}).
 *
 * <p>This class holds the lifecycle and the routing (method, token, shutdown); an explain request is answered by
 * {@link ExplainEndpoint}: {@link RequestBody} reads the body, {@link ExplainParams} the parameters,
 * {@link InputDecoder} the input, {@link ExplainCall} runs the explanation on an {@link Admission} slot within the
 * request's deadline, {@link ExplainAnswer} makes the JSON or PNG answer.
 */
public final class OcclusionServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j.server");
    /** The status counted for a request whose client left before its answer was written (nginx's convention). */
    static final int CLIENT_GONE = 499;
    /** Refused requests' bodies are read and dropped up to this much before the answer. */
    static final long SMALL_BODY = 1L << 20;

    private final Occlusion model;
    private final String modelName;
    private final ServerConfig config;
    private final HttpServer http;
    private final ExecutorService requestThreads;
    private final Admission admission;
    private final Metrics metrics;
    private final ExplainEndpoint explain;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    private volatile int cutOff;
    private final BearerToken token;
    private final BodyReader reader;
    private final JdkHttpServer.Listener jdkEvents;

    private OcclusionServer(Occlusion model, String modelName, Map<String, String> defaults, ServerConfig config) throws IOException {
        this.model = model;
        this.modelName = modelName;
        this.config = config;
        this.token = config.token() == null ? null : new BearerToken(config.token());
        this.admission = new Admission(config.slots(), config.queueCapacity());
        String[] backend = model.backend().split(" ", 2);
        this.metrics = new Metrics(backend[0], deviceOf(model), admission::queueDepth,
                admission::running, config.queueCapacity(), config.slots());
        ServerConfig.RequestLimits limits = config.requestLimits();
        IntakeBudget intake = new IntakeBudget(limits.intakeBytes());
        metrics.intake(intake::reserved, intake.capacity());
        this.reader = new BodyReader(config.maxBodyBytes(), intake, limits.readTimeout());
        this.explain = new ExplainEndpoint(model, modelName, defaults, config, admission, metrics, reader);
        // The JDK server reads its time limits once, when its classes load: set them before the first one is made. It
        // closes a request still arriving a little after our 408, and an answer not written by the deadline plus the
        // read time (so a client that stops reading cannot hold a connection).
        long[] jdk = JdkHttpServer.timeouts(limits.readTimeout().plusSeconds(2),
                config.deadline().plus(limits.readTimeout()).plusSeconds(5));
        if (jdk[0] * 1000 < limits.readTimeout().toMillis() || jdk[1] * 1000 < config.deadline().toMillis()) {
            LOG.log(System.Logger.Level.WARNING, "occlusion4j serve: the JDK server's time limits in effect (" + JdkHttpServer.MAX_REQ_TIME
                    + "=" + jdk[0] + " s, " + JdkHttpServer.MAX_RSP_TIME + "=" + jdk[1] + " s, set by -D or an earlier server in this"
                    + " JVM) are shorter than this server's read timeout or deadline: connections may close without an answer");
        }
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
        this.jdkEvents = new JdkHttpServer.Listener() {
            @Override
            public void rejected(int status) {
                metrics.rejectedByJdk(status);
            }

            @Override
            public void closed(String reason, int localPort) {
                if (localPort < 0 || localPort == port()) {
                    metrics.closedByJdk(reason);
                }
            }
        };
        JdkHttpServer.listen(jdkEvents);
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
        String exposed = config.exposureWarning();
        if (exposed != null) {
            LOG.log(System.Logger.Level.WARNING, exposed);
        }
        LOG.log(System.Logger.Level.INFO, () -> "occlusion4j serve: " + modelName + " on " + s.uri() + " (" + model.backend() + ")");
        return s;
    }

    /**
     * Checks default request parameters as a request's would be (a window may be left to the requests).
     *
     * @throws io.occlusion4j.InvalidOptionException naming the parameter when one is invalid
     */
    public static void checkDefaults(Map<String, String> defaults) {
        Map<String, String> check = new LinkedHashMap<>(defaults);
        check.putIfAbsent("window", "1");
        ExplainParams.parseOrThrow(check, Map.of());
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
        cutOff = left;
        http.stop(0);
        JdkHttpServer.unlisten(jdkEvents);
        explain.close();
        admission.close();
        requestThreads.shutdownNow();
        model.close();
        LOG.log(System.Logger.Level.INFO, () -> "occlusion4j serve: stopped" + (left > 0 ? " (" + left + " requests cut off)" : ""));
        stopped.countDown();
    }

    /** Requests still in flight when {@link #stop()} gave up waiting for them (0 after a clean drain). */
    public int requestsCutOff() {
        return cutOff;
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

    // ------------------------------------------------------------------------------------ routing

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
            status = route(ex, path, t0);
        } catch (ApiException e) {
            status = refuse(ex, e, t0);
        } catch (ClientGone gone) {
            status = clientGone();
        } catch (RuntimeException | IOException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "occlusion4j serve: internal error on " + path, e);
            status = refuse(ex, new ApiException(500, "internal", "internal error: " + e, null), t0);
        } finally {
            ex.close();
            metrics.request(metricPath, status);
            if (path.equals("/v1/explain")) {
                metrics.explainLatency((System.nanoTime() - t0) / 1e9);
            }
            inFlight.decrementAndGet();
        }
    }

    /**
     * Answers {@code e} as JSON; returns its status, or {@link #CLIENT_GONE} when the client left first. A body the
     * request had not sent yet is drained first (a small one: the client then reads the answer instead of a reset),
     * except after a 408 (it is not coming) or a 413 (drained already, up to its own bound).
     */
    private int refuse(HttpExchange ex, ApiException e, long t0) {
        if (e.status() != 408 && e.status() != 413) {
            reader.drain(ex, t0, SMALL_BODY);
        }
        try {
            Responses.error(ex, e);
            return e.status();
        } catch (ClientGone gone) {
            return clientGone();
        }
    }

    private int clientGone() {
        metrics.clientAbort();
        return CLIENT_GONE;
    }

    /** Each endpoint with its method and whether it needs the token; returns the status sent. */
    private int route(HttpExchange ex, String path, long t0) throws IOException {
        switch (path) {
            case "/healthz" -> {
                requireMethod(ex, "GET");
                return healthz(ex);
            }
            case "/metrics" -> {
                requireMethod(ex, "GET");
                requireToken(ex);
                byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
                return Responses.bytes(ex, 200, "text/plain; version=0.0.4; charset=utf-8", body);
            }
            case "/v1/explain" -> {
                requireMethod(ex, "POST");
                requireToken(ex);
                if (draining) {
                    ex.getResponseHeaders().set("Connection", "close");
                    throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
                }
                return explain.handle(ex, t0);
            }
            default -> throw new ApiException(404, "not_found", "no such endpoint " + path
                    + "; the server answers POST /v1/explain, GET /healthz and GET /metrics", null);
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
        if (token == null) {
            return;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        if (!token.accepts(given)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"occlusion4j\"");
            throw new ApiException(401, "unauthorized", given == null ? "this server needs 'Authorization: Bearer TOKEN'"
                    : "the bearer token is not valid", null);
        }
    }

    private int healthz(HttpExchange ex) throws IOException {
        if (draining) {
            ex.getResponseHeaders().set("Connection", "close");
            return Responses.json(ex, 503, Map.of("status", "shutting down"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("model", modelName);
        body.put("backend", model.backend());
        body.put("queue_depth", admission.queueDepth());
        body.put("running", admission.running());
        return Responses.json(ex, 200, body);
    }
}
