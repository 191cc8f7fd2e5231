package io.occlusion4j.bench;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.server.OcclusionServer;
import io.occlusion4j.server.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An {@code occlusion4j serve} server in a process of its own, so that the load and abuse tests read the server's
 * resident memory and open file handles apart from the client's. {@link #main} is the child: it starts the
 * server on a free loopback port, prints {@code port N}, and stops when its standard input closes. {@link #start}
 * is the parent's side.
 */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private ServeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts a child server. {@code args}: {@code --model FILE} and {@code --face} (BlazeFace's layout and
     * scaling) or not; {@code --slots}, {@code --queue}, {@code --deadline-ms}, {@code --read-timeout-ms},
     * {@code --token}; {@code --default NAME=VALUE} for request defaults.
     */
    static ServeProcess start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a fixed, pre-touched heap: the resident memory then grows only with what is really kept (or leaked), not
                // with the garbage collector's choice of heap size
                "--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"), ServeProcess.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("port ")) {
            p.destroyForcibly();
            throw new IOException("the server process did not start (it said: " + line + ")");
        }
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep its stdout drained
        return new ServeProcess(p, Integer.parseInt(line.substring(5).strip()));
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    int port() {
        return port;
    }

    /** VmRSS of the server process in KiB. */
    long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for process " + process.pid());
    }

    /** Open file handles of the server process: {@code [all, sockets]}. */
    long[] fileHandles() throws IOException {
        long all = 0;
        long sockets = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
            for (Path fd : fds.toList()) {
                all++;
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException gone) {
                    // closed while listed
                }
            }
        }
        return new long[] {all, sockets};
    }

    /** Closes the child's standard input (a graceful stop) and waits for it; returns its exit code. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        boolean face = false;
        int slots = 1;
        int queue = 16;
        long deadlineMs = 120_000;
        long readTimeoutMs = 30_000;
        String token = null;
        Map<String, String> defaults = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--face" -> face = true;
                case "--slots" -> slots = Integer.parseInt(args[++i]);
                case "--queue" -> queue = Integer.parseInt(args[++i]);
                case "--deadline-ms" -> deadlineMs = Long.parseLong(args[++i]);
                case "--read-timeout-ms" -> readTimeoutMs = Long.parseLong(args[++i]);
                case "--token" -> token = args[++i];
                case "--default" -> {
                    String[] kv = args[++i].split("=", 2);
                    defaults.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        java.util.logging.Logger.getLogger("io.occlusion4j").setLevel(java.util.logging.Level.WARNING);
        Occlusion.Builder b = Occlusion.builder().model(model).threads(2);
        if (face) {
            b.layout(Layout.CHANNELS_LAST).normalize(new float[] {0.5f}, new float[] {0.5f});
        }
        ServerConfig.RequestLimits d = ServerConfig.RequestLimits.defaults();
        ServerConfig config = ServerConfig.defaults().withPort(0).withAdmission(slots, queue).withDeadline(Duration.ofMillis(deadlineMs))
                .withShutdownGrace(Duration.ofSeconds(10)).withToken(token).withRequestLimits(new ServerConfig.RequestLimits(
                        Duration.ofMillis(readTimeoutMs), d.maxTargets(), d.maxResponseBytes(), d.maxBatch(), d.intakeBytes()));
        OcclusionServer server = OcclusionServer.start(b.build(), model.getFileName().toString(), defaults, config);
        System.out.println("port " + server.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes our standard input
        }
        server.stop();
    }
}
