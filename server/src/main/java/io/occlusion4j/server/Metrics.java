package io.occlusion4j.server;

import io.occlusion4j.RunStats;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The server's counters in the Prometheus text exposition format (version 0.0.4): requests by path and
 * status (the JDK server's own rejections of malformed requests under path {@code "(rejected)"}), errors by
 * status, client aborts, connections the JDK closed by itself by reason, the explain latency histogram, variants
 * scored (a counter and a rate over the last 10 s), queue depth, explanations running, bytes held by requests
 * being read and decoded, and the back end in use.
 */
public final class Metrics {
    /** Upper bounds of the latency histogram's buckets, in seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final int RATE_WINDOW_S = 10;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder[] bucketCounts = new LongAdder[BUCKETS.length + 1];
    private final DoubleAdder latencySum = new DoubleAdder();
    private final LongAdder latencyCount = new LongAdder();
    private final LongAdder variants = new LongAdder();
    private final LongAdder clientAborts = new LongAdder();
    private final Map<String, LongAdder> closedByJdk = new ConcurrentHashMap<>();
    private volatile LongSupplier intakeBytes = () -> 0;
    private volatile long intakeCapacity;
    private final AtomicLongArray perSecond = new AtomicLongArray(RATE_WINDOW_S + 1);
    private final AtomicLongArray secondOf = new AtomicLongArray(RATE_WINDOW_S + 1);
    private volatile String backend;
    private volatile String device;
    private volatile String verified = "n/a";
    private final IntSupplier queueDepth;
    private final IntSupplier running;
    private final int queueCapacity;
    private final int slots;

    Metrics(String backend, String device, IntSupplier queueDepth, IntSupplier running, int queueCapacity, int slots) {
        this.backend = backend;
        this.device = device;
        this.queueDepth = queueDepth;
        this.running = running;
        this.queueCapacity = queueCapacity;
        this.slots = slots;
        for (int i = 0; i < bucketCounts.length; i++) {
            bucketCounts[i] = new LongAdder();
        }
    }

    void request(String path, int status) {
        requests.computeIfAbsent(path + "\u0000" + status, k -> new LongAdder()).increment();
        if (status >= 400) {
            errors.computeIfAbsent(status, k -> new LongAdder()).increment();
        }
    }

    /** A request whose client went away before its answer was written (counted apart from the statuses). */
    void clientAbort() {
        clientAborts.increment();
    }

    /** The JDK server answered {@code status} itself, before any handler (a malformed request). */
    void rejectedByJdk(int status) {
        request("(rejected)", status);
    }

    /** The JDK server closed a connection by itself ({@code reason}: request or response timeout, headers too large). */
    void closedByJdk(String reason) {
        closedByJdk.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    /** The bytes held by requests being read and decoded, and the budget they share. */
    void intake(LongSupplier held, long capacity) {
        this.intakeBytes = held;
        this.intakeCapacity = capacity;
    }

    long clientAborts() {
        return clientAborts.sum();
    }

    void explainLatency(double seconds) {
        int i = 0;
        while (i < BUCKETS.length && seconds > BUCKETS[i]) {
            i++;
        }
        bucketCounts[i].increment();
        latencySum.add(seconds);
        latencyCount.increment();
    }

    /** A finished run: its variants count, its back end (a self-checking one may have handed over to the CPU). */
    void variants(RunStats run) {
        int n = run.windows();
        backend = run.backend();
        device = run.device();
        verified = run.verification().isEmpty() ? "n/a" : Boolean.toString(run.verified());
        variants.add(n);
        long now = System.currentTimeMillis() / 1000;
        int slot = (int) (now % perSecond.length());
        if (secondOf.get(slot) != now) {
            // a new second reuses the slot of one RATE_WINDOW_S + 1 seconds ago; a lost race costs a few counts
            secondOf.set(slot, now);
            perSecond.set(slot, 0);
        }
        perSecond.addAndGet(slot, n);
    }

    /** Variants scored per second over the last 10 whole seconds. */
    double variantsPerSecond() {
        long now = System.currentTimeMillis() / 1000;
        long sum = 0;
        for (int i = 0; i < perSecond.length(); i++) {
            long s = secondOf.get(i);
            if (s < now && s >= now - RATE_WINDOW_S) {
                sum += perSecond.get(i);
            }
        }
        return sum / (double) RATE_WINDOW_S;
    }

    long requestCount(String path, int status) {
        LongAdder a = requests.get(path + "\u0000" + status);
        return a == null ? 0 : a.sum();
    }

    String render() {
        StringBuilder b = new StringBuilder(2048);
        b.append("# HELP occlusion4j_requests_total HTTP requests answered, by path and status.\n");
        b.append("# TYPE occlusion4j_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] k = e.getKey().split("\u0000");
            b.append("occlusion4j_requests_total{path=\"").append(escape(k[0])).append("\",status=\"").append(k[1]).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        });
        b.append("# HELP occlusion4j_errors_total HTTP requests answered with a status >= 400, by status.\n");
        b.append("# TYPE occlusion4j_errors_total counter\n");
        errors.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.append("occlusion4j_errors_total{status=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n'));
        b.append("# HELP occlusion4j_client_aborts_total Requests whose client went away before the answer was written.\n");
        b.append("# TYPE occlusion4j_client_aborts_total counter\n");
        b.append("occlusion4j_client_aborts_total ").append(clientAborts.sum()).append('\n');
        b.append("# HELP occlusion4j_connections_closed_total Connections the HTTP layer closed by itself, by reason.\n");
        b.append("# TYPE occlusion4j_connections_closed_total counter\n");
        closedByJdk.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.append("occlusion4j_connections_closed_total{reason=\"").append(escape(e.getKey())).append("\"} ")
                        .append(e.getValue().sum()).append('\n'));
        b.append("# HELP occlusion4j_intake_bytes Bytes held by requests being read, decoded, queued or run.\n");
        b.append("# TYPE occlusion4j_intake_bytes gauge\n");
        b.append("occlusion4j_intake_bytes ").append(intakeBytes.getAsLong()).append('\n');
        b.append("# HELP occlusion4j_intake_bytes_limit The budget those bytes share; past it requests get 503.\n");
        b.append("# TYPE occlusion4j_intake_bytes_limit gauge\n");
        b.append("occlusion4j_intake_bytes_limit ").append(intakeCapacity).append('\n');
        b.append("# HELP occlusion4j_explain_duration_seconds Latency of POST /v1/explain, arrival to answer, any status.\n");
        b.append("# TYPE occlusion4j_explain_duration_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += bucketCounts[i].sum();
            b.append("occlusion4j_explain_duration_seconds_bucket{le=\"").append(num(BUCKETS[i])).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += bucketCounts[BUCKETS.length].sum();
        b.append("occlusion4j_explain_duration_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        b.append("occlusion4j_explain_duration_seconds_sum ").append(num(latencySum.sum())).append('\n');
        b.append("occlusion4j_explain_duration_seconds_count ").append(latencyCount.sum()).append('\n');
        b.append("# HELP occlusion4j_variants_total Occluded variants scored.\n");
        b.append("# TYPE occlusion4j_variants_total counter\n");
        b.append("occlusion4j_variants_total ").append(variants.sum()).append('\n');
        b.append("# HELP occlusion4j_variants_per_second Occluded variants scored per second over the last 10 s.\n");
        b.append("# TYPE occlusion4j_variants_per_second gauge\n");
        b.append("occlusion4j_variants_per_second ").append(num(variantsPerSecond())).append('\n');
        b.append("# HELP occlusion4j_queue_depth Admitted requests waiting for an explain slot.\n");
        b.append("# TYPE occlusion4j_queue_depth gauge\n");
        b.append("occlusion4j_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        b.append("# HELP occlusion4j_queue_capacity Requests that may wait before new ones get 503.\n");
        b.append("# TYPE occlusion4j_queue_capacity gauge\n");
        b.append("occlusion4j_queue_capacity ").append(queueCapacity).append('\n');
        b.append("# HELP occlusion4j_explains_running Explanations running now.\n");
        b.append("# TYPE occlusion4j_explains_running gauge\n");
        b.append("occlusion4j_explains_running ").append(running.getAsInt()).append('\n');
        b.append("# HELP occlusion4j_explain_slots Explanations that may run at once.\n");
        b.append("# TYPE occlusion4j_explain_slots gauge\n");
        b.append("occlusion4j_explain_slots ").append(slots).append('\n');
        b.append("# HELP occlusion4j_backend_info The back end in use and whether its results were checked against ONNX "
                + "Runtime (n/a: the CPU back end is the reference) (value always 1).\n");
        b.append("# TYPE occlusion4j_backend_info gauge\n");
        b.append("occlusion4j_backend_info{backend=\"").append(escape(backend)).append("\",device=\"").append(escape(device))
                .append("\",verified=\"").append(verified).append("\"} 1\n");
        return b.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%s", v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
