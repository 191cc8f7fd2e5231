package io.occlusion4j.cpu.incremental;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's {@code assets/models}, found from the working directory up. */
final class ModelsDir {
    private ModelsDir() {
    }

    static Path find() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path m = p.resolve("assets/models");
            if (Files.isDirectory(m)) {
                return m;
            }
        }
        throw new IllegalStateException("assets/models not found above " + Path.of("").toAbsolutePath());
    }
}
