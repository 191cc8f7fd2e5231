// Resolves which file the loader actually mapped for a library opened by soname.
package io.occlusion4j.cuda.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads {@code /proc/self/maps} (Linux) to report the real path behind a soname such as libcuda.so.1. */
final class MappedFiles {

    private MappedFiles() { }

    static Optional<Path> find(CudaLibrary library) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(maps);
            for (String line : lines) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                Path file = Path.of(line.substring(slash).strip());
                if (library.matchesFileName(file.getFileName().toString())) {
                    return Optional.of(file);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
