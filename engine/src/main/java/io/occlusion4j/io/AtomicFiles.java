package io.occlusion4j.io;

import io.occlusion4j.OcclusionException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes whole files or nothing: the content goes to a hidden sibling first, which is then renamed over
 * the target; on any failure the sibling is deleted. Every writer of the project's outputs (NPY, JSON,
 * PNG, ONNX models, videos) goes through here.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes a file's content to the path it is given. */
    @FunctionalInterface
    public interface Body {
        void write(Path file) throws IOException;
    }

    /**
     * Lets {@code body} write a temporary sibling of {@code target} (same folder, hidden, same extension so
     * format-sniffing writers still recognise it), then renames it over {@code target}. Folders are created
     * as needed; the file gets the process's ordinary permissions (not {@code createTempFile}'s owner-only).
     */
    public static void writeWith(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 ? name.substring(dot) : "";
        Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp" + ext);
        boolean done = false;
        try {
            Files.createDirectories(dir);
            body.write(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is what matters
                }
            }
        }
    }

    /** Writes {@code bytes} to {@code file} atomically; failures become an {@link OcclusionException} naming the file. */
    public static void write(Path file, byte[] bytes) {
        try {
            writeWith(file, tmp -> Files.write(tmp, bytes));
        } catch (IOException e) {
            throw new OcclusionException("cannot write " + file + ": " + e, e);
        }
    }
}
