package io.occlusion4j.bench;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import io.occlusion4j.server.OcclusionServer;
import io.occlusion4j.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded load test of {@code occlusion4j serve} on loopback: starts servers in this process (so the RSS read
 * from {@code /proc/self/status} is the server's, plus this small client), sends N requests at concurrency C
 * with {@link HttpClient}, and writes {@code bench/results/serve-DATE.md}. Phases:
 * <ol>
 *   <li>batch-size sweep on the engine (does a bigger batch per forward, what cross-request merging would
 *       give, raise variants/s?);</li>
 *   <li>cpu-small (ResNet-18 shape, 224 x 224, window 32, stride 32: 49 variants) with 1 and 2 explain slots;</li>
 *   <li>BlazeFace (the demo's settings, window 24, stride 8: 196 variants);</li>
 *   <li>memory: 500 then 4,500 more BlazeFace requests with window 64, stride 64 (4 variants, so 5,000 fit
 *       in about a minute), RSS after each;</li>
 *   <li>2x overload (C = twice slots + queue) shed with 503, then recovery.</li>
 * </ol>
 * Usage: {@code LoadTest [--out DIR] [--quick]}; it stops by itself (a few minutes on 2 cores).
 */
public final class LoadTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    /** Held so the level set on it is not lost when the logger is collected. */
    private static final java.util.logging.Logger ENGINE_LOG = java.util.logging.Logger.getLogger("io.occlusion4j");

    private LoadTest() {}

    /** The figures of one phase. */
    record Phase(String name, int requests, int concurrency, int ok, int shed, int errors, double p50ms, double p99ms,
            double seconds, long variants) {
        double throughput() {
            return ok / seconds;
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %.1f | %.1f | %.2f | %.0f |", name, requests, concurrency,
                    ok, shed, errors, p50ms, p99ms, throughput(), variants / seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (LoadTest [--out DIR] [--quick])");
            }
        }
        ENGINE_LOG.setLevel(java.util.logging.Level.WARNING);
        Path dir = Files.createTempDirectory("o4j-load");
        Path resnet = TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42);
        Path face = Path.of("assets/models/blazeface_front_128.onnx");
        byte[] astronaut = Files.readAllBytes(Path.of("assets/images/astronaut.png"));
        byte[] cpuSmallInput = Npy.toBytes(randomImage(224));
        List<String> report = new ArrayList<>();
        List<Phase> phases = new ArrayList<>();

        // 1. batch-size sweep on the engine
        List<String> sweep = batchSweep(resnet, quick);
        System.out.println(String.join("\n", sweep));

        // 2. cpu-small through the server, 1 slot then 2 slots
        int nSmall = quick ? 8 : 24;
        for (int slots : new int[] {1, 2}) {
            try (OcclusionServer s = OcclusionServer.start(Occlusion.builder().model(resnet).threads(2).build(), "resnet18 (cpu-small)",
                    Map.of("window", "32", "stride", "32", "maps", "none"), config(slots, 32))) {
                run(s, "warm-up", 2, 1, cpuSmallInput, "application/x-npy", "", 49);
                for (int c : slots == 1 ? new int[] {1, 4} : new int[] {4}) {
                    Phase p = run(s, "cpu-small w32 s32, " + slots + " slot" + (slots > 1 ? "s" : ""), c == 1 ? nSmall / 2 : nSmall, c,
                            cpuSmallInput, "application/x-npy", "", 49);
                    phases.add(p);
                    System.out.println(p.row());
                }
            }
        }

        // 3-5. BlazeFace
        Map<String, String> faceDefaults = Map.of("output", "Identity:0,Identity_1:0", "reduce", "max", "score", "sigmoid",
                "fill", "0.5", "window", "24", "stride", "8", "maps", "none");
        long rss500;
        long rss5000;
        try (OcclusionServer s = OcclusionServer.start(faceExplainer(face), "blazeface_front_128.onnx", faceDefaults, config(1, 32))) {
            run(s, "warm-up", 8, 2, astronaut, "image/png", "", 196);
            for (int c : new int[] {1, 4}) {
                Phase p = run(s, "BlazeFace w24 s8 (demo settings)", quick ? 20 : c == 1 ? 40 : 100, c, astronaut, "image/png", "", 196);
                phases.add(p);
                System.out.println(p.row());
            }
            Phase m1 = run(s, "BlazeFace w64 s64, requests 1-500", 500, 4, astronaut, "image/png", "window=64&stride=64", 4);
            rss500 = rssKiB();
            Phase m2 = run(s, "BlazeFace w64 s64, requests 501-" + (quick ? 1000 : 5000), quick ? 500 : 4500, 4, astronaut, "image/png",
                    "window=64&stride=64", 4);
            rss5000 = rssKiB();
            phases.add(m1);
            phases.add(m2);
            System.out.println(m1.row() + "\n" + m2.row());
        }
        int slots = 1;
        int queue = 4;
        Phase overload;
        Phase recovery;
        try (OcclusionServer s = OcclusionServer.start(faceExplainer(face), "blazeface_front_128.onnx", faceDefaults, config(slots, queue))) {
            run(s, "warm-up", 4, 1, astronaut, "image/png", "", 196);
            overload = run(s, "overload: BlazeFace w24 s8, slots 1 + queue 4, C = 2 x 5", quick ? 40 : 80, 2 * (slots + queue),
                    astronaut, "image/png", "", 196);
            recovery = run(s, "recovery right after, C = 2", 20, 2, astronaut, "image/png", "", 196);
            phases.add(overload);
            phases.add(recovery);
            System.out.println(overload.row() + "\n" + recovery.row());
        }

        LocalDate date = LocalDate.now(ZoneOffset.UTC);
        report.add("# occlusion4j serve load test, " + date);
        report.add("");
        report.add("`java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.occlusion4j.bench.LoadTest" + (quick ? " --quick" : "")
                + "`: servers started in-process on 127.0.0.1 (JDK HttpServer, virtual threads), `java.net.http.HttpClient` on loopback, "
                + "responses without maps (`maps=none`), ONNX Runtime with 2 intra-op threads.");
        report.add("");
        report.add("- commit: " + BenchMain.Machine.commit());
        for (String m : BenchMain.Machine.describe()) {
            report.add("- " + m);
        }
        report.add("");
        report.add("## Batch size per forward (engine, cpu-small model, 224 x 224, window 32, stride 16: 169 variants)");
        report.add("");
        report.addAll(sweep);
        report.add("");
        report.add("## Requests");
        report.add("");
        report.add("| phase | requests | concurrency | 200 | 503 | other errors | p50 ms | p99 ms | requests/s | variants/s |");
        report.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Phase p : phases) {
            report.add(p.row());
        }
        report.add("");
        report.add(String.format(Locale.ROOT, "Resident memory (VmRSS of this process: the server and the load client): %.1f MiB after 500 "
                + "requests, %.1f MiB after %d; change %+.1f %% (limit 10 %%). The 5,000-request check uses BlazeFace with window 64, "
                + "stride 64 (4 variants a request): cpu-small at ~1 s a request would take well over an hour on 2 cores.",
                rss500 / 1024.0, rss5000 / 1024.0, quick ? 1000 : 5000, 100.0 * (rss5000 - rss500) / rss500));
        report.add("");
        report.add(String.format(Locale.ROOT, "Overload: %d of %d requests shed with 503 (Retry-After), %d other errors; recovery: %d of %d "
                + "answered 200.", overload.shed(), overload.requests(), overload.errors(), recovery.ok(), recovery.requests()));
        String text = String.join("\n", report) + "\n";
        Files.createDirectories(out);
        Path file = out.resolve("serve-" + date + ".md");
        Files.writeString(file, text);
        System.out.println(text);
        System.out.println("written to " + file);
        System.exit(0);
    }

    static ServerConfig config(int slots, int queue) {
        return ServerConfig.defaults().withPort(0).withAdmission(slots, queue).withDeadline(Duration.ofSeconds(120))
                .withShutdownGrace(Duration.ofSeconds(5));
    }

    static Occlusion faceExplainer(Path model) {
        return Occlusion.builder().model(model).threads(2).layout(Layout.CHANNELS_LAST)
                .normalize(new float[] {0.5f}, new float[] {0.5f}).build();
    }

    static Tensor randomImage(int size) {
        float[] x = new float[3 * size * size];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return Tensor.of(x, 3, size, size);
    }

    /** Variants per second of one explanation at several batch sizes (after a warm-up run at each). */
    static List<String> batchSweep(Path model, boolean quick) {
        List<String> rows = new ArrayList<>();
        rows.add("| batch | forwards | variants/s |");
        rows.add("|---:|---:|---:|");
        Tensor x = randomImage(224);
        try (Occlusion o = Occlusion.builder().model(model).threads(2).window(32, 32).stride(16, 16).build()) {
            for (int batch : quick ? new int[] {8, 64} : new int[] {4, 16, 64, 170}) {
                Occlusion b = o.with(s -> s.batchSize(batch));
                b.explain(x);
                SensitivityMap m = b.explain(x);
                rows.add(String.format(Locale.ROOT, "| %d | %d | %.1f |", m.stats().batchSize(), m.stats().forwards(),
                        m.stats().variantsPerSecond()));
            }
        }
        return rows;
    }

    /** N requests at concurrency C; counts 200s, 503s and other answers; latency percentiles over the 200s. */
    static Phase run(OcclusionServer server, String name, int n, int c, byte[] body, String type, String query, int variantsEach)
            throws InterruptedException {
        URI uri = server.uri().resolve("/v1/explain" + (query.isEmpty() ? "" : "?" + query));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger shed = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long[] latencies = new long[n];
        AtomicInteger done = new AtomicInteger();
        AtomicLong firstError = new AtomicLong();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < c; w++) {
                pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        long s = System.nanoTime();
                        try {
                            HttpResponse<byte[]> r = CLIENT.send(HttpRequest.newBuilder(uri).header("Content-Type", type)
                                    .timeout(Duration.ofSeconds(300)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() == 200) {
                                latencies[done.getAndIncrement()] = System.nanoTime() - s;
                                ok.incrementAndGet();
                            } else if (r.statusCode() == 503) {
                                shed.incrementAndGet();
                            } else {
                                if (firstError.compareAndSet(0, 1)) {
                                    System.err.println(name + ": HTTP " + r.statusCode() + " " + new String(r.body()));
                                }
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            if (firstError.compareAndSet(0, 1)) {
                                System.err.println(name + ": " + e);
                            }
                            errors.incrementAndGet();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] l = Arrays.copyOf(latencies, done.get());
        Arrays.sort(l);
        return new Phase(name, n, c, ok.get(), shed.get(), errors.get(), pct(l, 0.50), pct(l, 0.99), seconds, (long) ok.get() * variantsEach);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** VmRSS of this process in KiB. */
    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
