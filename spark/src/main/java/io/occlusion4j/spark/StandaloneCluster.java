// A Spark standalone cluster (one Master, N Workers) on 127.0.0.1, started from jars, no Spark distribution.
package io.occlusion4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts {@code org.apache.spark.deploy.master.Master} and {@code Worker}s as separate JVMs on 127.0.0.1 with
 * free ports, for tests and benchmarks that need a real cluster. {@code SPARK_HOME} is a folder whose
 * {@code jars/} links to the given Spark jars (what Workers put on their executors' class path); the
 * application's own jars reach the executors through {@code spark.jars}. The class path goes to each JVM in an
 * {@code @argfile}, so command lines stay short (ONNX Runtime 1.29 crashes in a process with a long one).
 * {@link #close()} stops every process it started, the executors under the Workers included.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 90_000;

    private final Path home;
    private final String masterUrl;
    private final List<Process> processes = new ArrayList<>();

    private StandaloneCluster(Path home, String masterUrl) {
        this.home = home;
        this.masterUrl = masterUrl;
    }

    /**
     * Starts a Master and {@code workers} Workers of {@code cores} cores and {@code memory} (Spark's words:
     * {@code 1g}) each, and returns once every Worker has registered.
     *
     * @param sparkJars Spark and its dependencies (for the daemons and, through {@code SPARK_HOME/jars}, executors)
     * @param dir       a folder for {@code SPARK_HOME}, the work folders and each process's log
     */
    public static StandaloneCluster start(List<Path> sparkJars, int workers, int cores, String memory, Path dir) {
        try {
            Path home = Files.createDirectories(dir.resolve("spark-home"));
            Path jars = Files.createDirectories(home.resolve("jars"));
            Set<String> names = new HashSet<>();
            for (Path jar : sparkJars) {
                String name = jar.getFileName().toString();
                Path link = jars.resolve(names.add(name) ? name : names.size() + "-" + name);
                names.add(link.getFileName().toString());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
            Path argfile = dir.resolve("classpath.args");
            String classPath = sparkJars.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(java.io.File.pathSeparator));
            Files.writeString(argfile, "-cp \"" + classPath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
            int port = freePort();
            StandaloneCluster cluster = new StandaloneCluster(home, "spark://127.0.0.1:" + port);
            try {
                Path masterLog = dir.resolve("master.log");
                cluster.launch(argfile, masterLog, List.of("-Dspark.master.rest.enabled=false", "-Dspark.master.rest.port=" + freePort()),
                        "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port),
                        "--webui-port", Integer.toString(freePort()));
                awaitLine(masterLog, "I have been elected leader", cluster.processes.getFirst());
                for (int w = 0; w < workers; w++) {
                    Path workDir = Files.createDirectories(dir.resolve("worker-" + w));
                    Path log = dir.resolve("worker-" + w + ".log");
                    cluster.launch(argfile, log, List.of(), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                            "--cores", Integer.toString(cores), "--memory", memory, "--webui-port", Integer.toString(freePort()),
                            "--work-dir", workDir.toString(), cluster.masterUrl);
                    awaitLine(log, "Successfully registered with master", cluster.processes.getLast());
                }
                return cluster;
            } catch (RuntimeException | IOException e) {
                cluster.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the standalone cluster in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code spark://127.0.0.1:PORT}. */
    public String masterUrl() {
        return masterUrl;
    }

    /** The processes started (Master first), for checks that they are gone after {@link #close()}. */
    public List<ProcessHandle> processes() {
        return processes.stream().map(Process::toHandle).toList();
    }

    private void launch(Path argfile, Path log, List<String> properties, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(properties);
        command.add("@" + argfile);
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("ORT_DISABLE_TELEMETRY", "1"); // inherited by the executors the Worker starts
        processes.add(pb.start());
    }

    private static void awaitLine(Path log, String line, Process process) {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            String text = read(log);
            if (text.contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the Spark daemon logging to " + log + " exited (" + process.exitValue() + ") before '"
                        + line + "':\n" + tail(text));
            }
            sleep(200);
        }
        throw new IllegalStateException("no '" + line + "' in " + log + " after " + START_TIMEOUT_MS / 1000 + " s:\n" + tail(read(log)));
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the cluster", e);
        }
    }

    /** Stops the Workers (and their executors), then the Master; waits for each to exit; removes the jar links. */
    @Override
    public void close() {
        try {
            stopProcesses();
        } finally {
            try (var links = Files.list(home.resolve("jars"))) {
                for (Path link : links.toList()) {
                    Files.deleteIfExists(link);
                }
            } catch (IOException e) {
                // links left in a temporary folder point at jars and hold nothing themselves
            }
        }
    }

    private void stopProcesses() {
        List<Process> reversed = new ArrayList<>(processes);
        java.util.Collections.reverse(reversed);
        for (Process p : reversed) {
            List<ProcessHandle> children = p.toHandle().descendants().toList();
            p.destroy();
            children.forEach(ProcessHandle::destroy);
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                for (ProcessHandle c : children) {
                    c.onExit().get(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                children.forEach(ProcessHandle::destroyForcibly);
            }
        }
    }
}
