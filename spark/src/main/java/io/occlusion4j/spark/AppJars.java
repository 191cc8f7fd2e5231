// The jars an executor needs besides Spark's own: this module, the engine and what it runs on.
package io.occlusion4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * What a driver lists in {@code spark.jars} so that executors of a cluster that knows nothing of occlusion4j
 * can run its tasks: the class-path entries holding this module, the engine, the ONNX graph module, ONNX
 * Runtime and protobuf, and the CUDA back end's modules where the driver has them. Each is found where the driver loaded it from; a class folder (a build's
 * {@code target/classes}, an IDE) is packed into a temporary jar, since executors fetch files.
 */
public final class AppJars {
    /** One class of each artifact executors need (named, not imported: the graph module is the engine's). */
    private static final List<String> ANCHORS = List.of("io.occlusion4j.spark.Occlusions", "io.occlusion4j.Occlusion",
            "io.occlusion4j.graph.Graph", "ai.onnxruntime.OrtEnvironment", "com.google.protobuf.Message");
    /** The CUDA back end's artifacts, shipped when the driver has them (the CLI does) so executors can open it. */
    private static final List<String> OPTIONAL = List.of("io.occlusion4j.backend.cuda.CudaBackendProvider",
            "io.occlusion4j.kernels.OcclusionKernels", "io.occlusion4j.cuda.CudaContext");

    private AppJars() {}

    /** The jars (class folders packed into temporary jars), each once, in a fixed order. */
    public static List<Path> forExecutors() {
        Set<Path> out = new LinkedHashSet<>();
        for (Path where : locations()) {
            out.add(Files.isDirectory(where) ? pack(where) : where);
        }
        return List.copyOf(out);
    }

    /** Where this JVM loaded those artifacts from: jars or class folders, each once. */
    public static List<Path> locations() {
        Set<Path> out = new LinkedHashSet<>();
        for (String name : ANCHORS) {
            out.add(location(name));
        }
        for (String name : OPTIONAL) {
            try {
                Class.forName(name, false, AppJars.class.getClassLoader());
                out.add(location(name));
            } catch (ClassNotFoundException e) {
                // this driver runs without the CUDA back end; so will its executors
            }
        }
        return List.copyOf(out);
    }

    /** Where {@code className} was loaded from (a jar or a class folder). */
    static Path location(String className) {
        try {
            CodeSource source = Class.forName(className, false, AppJars.class.getClassLoader()).getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                throw new IllegalStateException("cannot tell which jar holds " + className);
            }
            return Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(className + " is not on the class path; the executors need it", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + className + ": " + e.getMessage(), e);
        }
    }

    private static Path pack(Path classes) {
        try {
            Path jar = Files.createTempFile("occlusion4j-" + classes.getParent().getFileName() + "-", ".jar");
            jar.toFile().deleteOnExit();
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(classes)) {
                walk.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
            try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os)) {
                for (Path f : files) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack " + classes + " into a jar for the executors", e);
        }
    }
}
