package io.occlusion4j.bench;

import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
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
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded load and abuse test of {@code occlusion4j serve} on loopback. Each server runs in a process of its own
 * ({@link ServeProcess}), so the resident memory and file handles read from {@code /proc} are the server's alone.
 * Writes {@code bench/results/serve-DATE.md}:
 * <ol>
 *   <li>load: BlazeFace (the demo's settings, window 24, stride 8: 196 variants) at C = 1, 4 and 16, then at twice
 *       what the server admits (C = 2 x (slots + queue)), shed with 503, and the recovery right after; cpu-small
 *       (ResNet-18 shape, 224 x 224, window 32, stride 32: 49 variants) at C = 1 and 4;</li>
 *   <li>abuse: every attack of issue 16 ({@link ServeAbuse#attacks}) with its answer, time, server memory and
 *       sockets before and after, and the server's health afterwards;</li>
 *   <li>soak: 5,000 mixed good, bad and aborted requests; the server's memory and file handles after the first
 *       500 and after all.</li>
 * </ol>
 * Usage: {@code LoadTest [--out DIR] [--quick]}; it ends by itself (several minutes on 2 cores).
 */
public final class LoadTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

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
        Path dir = Files.createTempDirectory("o4j-load");
        Path resnet = TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42);
        String face = Path.of("assets/models/blazeface_front_128.onnx").toAbsolutePath().toString();
        byte[] astronaut = Files.readAllBytes(Path.of("assets/images/astronaut.png"));
        byte[] cpuSmallInput = Npy.toBytes(randomImage(224));
        List<String> faceArgs = List.of("--model", face, "--face", "--default", "output=Identity:0,Identity_1:0", "--default", "reduce=max",
                "--default", "score=sigmoid", "--default", "fill=0.5", "--default", "window=24", "--default", "stride=8",
                "--default", "maps=none");
        List<Phase> phases = new ArrayList<>();
        int slots = 1;
        int queue = 16;

        // 1. load
        try (ServeProcess s = ServeProcess.start(concat(faceArgs, "--slots", "" + slots, "--queue", "" + queue))) {
            run(s, "warm-up", 4, 1, astronaut, "image/png", "", 196);
            for (int c : new int[] {1, 4, 16}) {
                phases.add(report(run(s, "BlazeFace w24 s8 (demo settings)", quick ? 2 * c : c == 1 ? 20 : 4 * c, c, astronaut, "image/png", "", 196)));
            }
            int over = 2 * (slots + queue);
            phases.add(report(run(s, "2x overload: slots " + slots + " + queue " + queue + ", C = " + over, quick ? over : 3 * over, over,
                    astronaut, "image/png", "", 196)));
            phases.add(report(run(s, "recovery right after, C = 2", quick ? 4 : 20, 2, astronaut, "image/png", "", 196)));
        }
        try (ServeProcess s = ServeProcess.start(List.of("--model", resnet.toString(), "--default", "window=32", "--default", "stride=32",
                "--default", "maps=none"))) {
            run(s, "warm-up", 2, 1, cpuSmallInput, "application/x-npy", "", 49);
            for (int c : new int[] {1, 4}) {
                phases.add(report(run(s, "cpu-small w32 s32", quick ? 4 : c == 1 ? 12 : 24, c, cpuSmallInput, "application/x-npy", "", 49)));
            }
        }

        // 2-3. abuse and soak, against a server with a token and a short read timeout
        List<String> abuse;
        long[][] soak;
        int soakTotal = quick ? 1000 : 5000;
        try (ServeProcess s = ServeProcess.start(concat(faceArgs, "--token", ServeAbuse.TOKEN, "--read-timeout-ms", "5000",
                "--deadline-ms", "30000"))) {
            ServeAbuse attacks = new ServeAbuse(s, astronaut);
            attacks.post("window=64&stride=64", "image/png", astronaut);
            abuse = attacks.attacks();
            abuse.forEach(System.out::println);
            soak = attacks.soak(500, soakTotal);
        }

        LocalDate date = LocalDate.now(ZoneOffset.UTC);
        List<String> report = new ArrayList<>();
        report.add("# occlusion4j serve load and abuse test, " + date);
        report.add("");
        report.add("`java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.occlusion4j.bench.LoadTest" + (quick ? " --quick" : "")
                + "`: each server in a process of its own on 127.0.0.1 (JDK HttpServer, virtual threads; ONNX Runtime with 2 intra-op "
                + "threads, 1 explain slot; a fixed, pre-touched 1 GiB heap, so its RSS grows only with what it keeps), `java.net.http.HttpClient` and raw sockets on loopback, responses without maps (`maps=none`). "
                + "The machine is shared by several engineers right now: timings are noisy.");
        report.add("");
        report.add("- commit: " + BenchMain.Machine.commit());
        for (String m : BenchMain.Machine.describe()) {
            report.add("- " + m);
        }
        report.add("");
        report.add("## Load");
        report.add("");
        report.add("| phase | requests | concurrency | 200 | 503 | other errors | p50 ms | p99 ms | requests/s | variants/s |");
        report.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        phases.forEach(p -> report.add(p.row()));
        report.add("");
        report.add("## Abuse (issue 16), one attack after the other on one BlazeFace server (bearer token, 5 s read timeout, "
                + "30 s deadline)");
        report.add("");
        report.addAll(abuse);
        report.add("");
        report.add("## Soak: " + soakTotal + " mixed requests, 4 at a time (6 in 10 good, 3 bad, 1 aborted by the client)");
        report.add("");
        report.add("| after | server RSS MiB | open file handles | sockets |");
        report.add("|---|---:|---:|---:|");
        report.add(String.format(Locale.ROOT, "| 500 requests | %.1f | %d | %d |", soak[0][0] / 1024.0, soak[0][1], soak[0][2]));
        report.add(String.format(Locale.ROOT, "| %d requests | %.1f | %d | %d |", soakTotal, soak[1][0] / 1024.0, soak[1][1], soak[1][2]));
        report.add("");
        report.add(String.format(Locale.ROOT, "RSS change from 500 to %d requests: %+.1f %% (limit 10 %%); file handles %+d.", soakTotal,
                100.0 * (soak[1][0] - soak[0][0]) / soak[0][0], soak[1][1] - soak[0][1]));
        String text = String.join("\n", report) + "\n";
        Files.createDirectories(out);
        Path file = out.resolve("serve-" + date + ".md");
        Files.writeString(file, text);
        System.out.println(text);
        System.out.println("written to " + file);
    }

    private static Phase report(Phase p) {
        System.out.println(p.row());
        return p;
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(more));
        return all;
    }

    static Tensor randomImage(int size) {
        float[] x = new float[3 * size * size];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return Tensor.of(x, 3, size, size);
    }

    /** N requests at concurrency C; counts 200s, 503s and other answers; latency percentiles over the 200s. */
    static Phase run(ServeProcess server, String name, int n, int c, byte[] body, String type, String query, int variantsEach)
            throws InterruptedException {
        URI uri = server.uri("/v1/explain" + (query.isEmpty() ? "" : "?" + query));
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
}
