// How a model reaches the executors: its bytes broadcast once, or a path every executor can read.
package io.occlusion4j.spark;

import io.occlusion4j.OcclusionException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The model of a job. {@link #broadcast} reads the file on the driver and broadcasts its bytes (each
 * executor fetches them once, whatever the number of tasks, and writes them to one local temporary file);
 * {@link #shared} sends only a path, for models on storage every executor mounts (or larger than 2 GB).
 * {@link #id()} names the model's content, so an executor keeps one open model per content.
 */
public final class ModelShipment implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Content id -> the local file an executor wrote the broadcast bytes to. */
    private static final Map<String, Path> LOCAL_COPIES = new ConcurrentHashMap<>();

    private final String id;
    private final String name;
    private final Broadcast<byte[]> bytes;
    private final String sharedPath;

    private ModelShipment(String id, String name, Broadcast<byte[]> bytes, String sharedPath) {
        this.id = id;
        this.name = name;
        this.bytes = bytes;
        this.sharedPath = sharedPath;
    }

    /** Broadcasts the bytes of {@code model} (read here, on the driver). */
    public static ModelShipment broadcast(SparkSession spark, Path model) {
        byte[] content = read(model);
        Broadcast<byte[]> b = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(content);
        return new ModelShipment(digest(content), model.getFileName().toString(), b, null);
    }

    /** Ships only {@code model}'s path: every executor must be able to read it there. */
    public static ModelShipment shared(Path model) {
        if (!Files.isRegularFile(model)) {
            throw new OcclusionException("model file " + model + " does not exist or is not a file");
        }
        return new ModelShipment("path:" + model.toAbsolutePath(), model.getFileName().toString(), null, model.toAbsolutePath().toString());
    }

    /** Names the model's content (broadcast) or its path (shared). */
    public String id() {
        return id;
    }

    /** The model's file name, for messages. */
    public String name() {
        return name;
    }

    /** Where this JVM reads the model: the shared path, or a temporary copy of the broadcast bytes made once. */
    Path localPath() {
        if (sharedPath != null) {
            return Path.of(sharedPath);
        }
        return LOCAL_COPIES.computeIfAbsent(id, key -> {
            try {
                Path file = Files.createTempFile("occlusion4j-model-", "-" + name);
                file.toFile().deleteOnExit();
                Files.write(file, bytes.value());
                return file;
            } catch (IOException e) {
                throw new OcclusionException("cannot write the broadcast model " + name + " to a local file: " + e.getMessage(), e);
            }
        });
    }

    private static byte[] read(Path model) {
        try {
            if (!Files.isRegularFile(model)) {
                throw new OcclusionException("model file " + model + " does not exist or is not a file");
            }
            if (Files.size(model) > Integer.MAX_VALUE - 16) {
                throw new OcclusionException("model " + model + " is larger than 2 GB and cannot be broadcast;"
                        + " put it on storage every executor reads and ship it with ModelShipment.shared");
            }
            return Files.readAllBytes(model);
        } catch (IOException e) {
            throw new OcclusionException("cannot read model " + model + ": " + e.getMessage(), e);
        }
    }

    private static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "model " + name + " (" + (sharedPath != null ? "shared path" : "broadcast") + ", " + id + ")";
    }
}
