// occlusion4j serve: the HTTP service over one model, with explain's flags as per-server defaults.
package io.occlusion4j.cli;

import io.occlusion4j.Occlusion;
import io.occlusion4j.server.OcclusionServer;
import io.occlusion4j.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Serves occlusion maps of one model over HTTP: POST /v1/explain (image or NPY body, settings in the",
                "query string), GET /healthz, GET /metrics (Prometheus). The occlusion flags below are defaults that",
                "each request may override with a query parameter of the same name (window=16&top-k=3 ...)."},
        footer = {"", "Binds 127.0.0.1 unless --host says otherwise (a warning is printed for another address without a token).",
                "SIGTERM or SIGINT stops gracefully: requests in flight finish (within --shutdown-grace-ms), new ones are",
                "refused. Exit codes: 0 stopped with every request in flight answered, 1 the model cannot be loaded, the port",
                "cannot be bound or requests were cut off at the grace, 2 usage error."})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExplanationFlags flags = new ExplanationFlags();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind; default ${DEFAULT-VALUE} (loopback only)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (0: any free one); default ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "require 'Authorization: Bearer TOKEN' (TOKEN: the file's first line); the OCCLUSION4J_TOKEN environment variable works too")
    Path tokenFile;

    @Option(names = "--labels", paramLabel = "FILE", description = "class labels, one per line")
    Path labels;

    // --- limits and admission
    @Option(names = "--max-body-bytes", defaultValue = "16777216", description = "larger bodies get 413; default ${DEFAULT-VALUE}")
    long maxBodyBytes;
    @Option(names = "--max-pixels", defaultValue = "16777216", description = "larger images or tensors get 422; default ${DEFAULT-VALUE}")
    long maxPixels;
    @Option(names = "--max-side", defaultValue = "8192", description = "images or tensors with a longer side get 422; default ${DEFAULT-VALUE}")
    int maxSide;
    @Option(names = "--slots", defaultValue = "1", description = "explanations running at once; default ${DEFAULT-VALUE}")
    int slots;
    @Option(names = "--queue", defaultValue = "16", description = "requests waiting for a slot before 503; default ${DEFAULT-VALUE}")
    int queue;
    @Option(names = "--deadline-ms", defaultValue = "30000", description = "per-request deadline (504 past it); default ${DEFAULT-VALUE}")
    long deadlineMs;
    @Option(names = "--shutdown-grace-ms", defaultValue = "30000", description = "wait for in-flight requests on SIGTERM; default ${DEFAULT-VALUE}")
    long graceMs;
    @Option(names = "--read-timeout-ms", defaultValue = "30000",
            description = "a request's headers and body must arrive within this (408 for a body still missing); default ${DEFAULT-VALUE}")
    long readTimeoutMs;
    @Option(names = "--max-targets", defaultValue = "64", description = "distinct targets or top-k per request (422 above); default ${DEFAULT-VALUE}")
    int maxTargets;
    @Option(names = "--max-response-bytes", defaultValue = "67108864",
            description = "answers estimated larger get 422 before any work; default ${DEFAULT-VALUE}")
    long maxResponseBytes;
    @Option(names = "--max-batch", defaultValue = "64", description = "a request's batch is lowered to this; default ${DEFAULT-VALUE}")
    int maxBatch;
    @Option(names = "--max-intake-bytes", defaultValue = "536870912",
            description = "bytes all requests being read, decoded, queued or run may hold (503 past it); default ${DEFAULT-VALUE}")
    long maxIntakeBytes;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        flags.model.prep.check(false);
        if (deadlineMs < 1 || graceMs < 0 || readTimeoutMs < 1) {
            throw new UsageException("--deadline-ms and --read-timeout-ms must be positive and --shutdown-grace-ms not negative");
        }
        ServerConfig.RequestLimits limits;
        try {
            limits = new ServerConfig.RequestLimits(Duration.ofMillis(readTimeoutMs), maxTargets, maxResponseBytes, maxBatch, maxIntakeBytes);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // explain's flags are the server's request defaults, checked as a request's parameters would be (an
        // InvalidOptionException names the flag); each request parses its own with the same code
        Map<String, String> defaults = flags.given();
        OcclusionServer.checkDefaults(defaults);
        ServerConfig config = new ServerConfig(host, port, token(), maxBodyBytes, maxPixels, maxSide, slots, queue,
                Duration.ofMillis(deadlineMs), Duration.ofMillis(graceMs), labels == null ? List.of() : ExplainArgs.readLabels(labels),
                limits);
        Occlusion occlusion = flags.model.builder().build();
        Path model = flags.model.model;
        OcclusionServer server;
        try {
            server = OcclusionServer.start(occlusion, model.getFileName().toString(), defaults, config);
        } catch (IOException | RuntimeException e) {
            occlusion.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + io.getMessage(), io);
            }
            throw e;
        }
        stopOnSignals(server);
        String exposed = config.exposureWarning();
        if (exposed != null) {
            spec.commandLine().getErr().println(exposed);
            spec.commandLine().getErr().flush();
        }
        if (!quiet) {
            out.println("occlusion4j: serving " + model.getFileName() + " on " + server.uri() + " (" + occlusion.backend() + "; "
                    + slots + " slot" + (slots == 1 ? "" : "s") + ", queue " + queue + (config.token() != null ? ", bearer token required" : "")
                    + ")");
            out.flush();
        }
        server.awaitStopped();
        return server.requestsCutOff() > 0 ? 1 : 0;
    }

    /**
     * SIGTERM and SIGINT stop the server and let {@link #call} return its exit code (0 after a clean drain): with a
     * shutdown hook alone the JVM would exit 143 whatever the drain did. The hook stays for any other way the JVM
     * ends; stopping twice waits for the first.
     */
    private static void stopOnSignals(OcclusionServer server) {
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "occlusion4j-serve-shutdown"));
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> Thread.ofPlatform().name("occlusion4j-serve-" + name)
                        .start(server::stop));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // this JVM does not let us handle the signal: the shutdown hook still stops the server
            }
        }
    }

    private String token() {
        String t = null;
        if (tokenFile != null) {
            try {
                t = Files.readAllLines(tokenFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --token-file " + tokenFile + ": " + e.getMessage(), e);
            }
            if (t.isEmpty()) {
                throw new UsageException("--token-file " + tokenFile + " is empty");
            }
        } else {
            String env = System.getenv("OCCLUSION4J_TOKEN");
            if (env != null && !env.isBlank()) {
                t = env.strip();
            }
        }
        return t;
    }
}
