// Audit 4: event timing falls back to cuEventElapsedTime where the driver has no _v2 entry.
package io.occlusion4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.cuda.bindings.CudaLibrary;
import io.occlusion4j.cuda.bindings.LibraryLocator;
import io.occlusion4j.cuda.bindings.LoadedLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cuEventElapsedTime_v2} arrived with the 12.8 driver generation; older drivers export only the
 * unversioned entry. Two stand-in drivers built here with the C compiler (one per generation) show which entry
 * {@link CudaEvent} calls through.
 */
class CudaEventFallbackTest {

    private static LoadedLibrary stubDriver(Path dir, String name, String source) throws IOException, InterruptedException {
        Path c = Files.writeString(dir.resolve(name + ".c"), source);
        Path so = dir.resolve(name).resolve("libcuda.so.1");
        Files.createDirectories(so.getParent());
        Process p = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", so.toString(), c.toString()).inheritIO().start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "no C compiler (cc) to build the stand-in driver");
        LibraryLocator locator = new LibraryLocator(key -> key.equals(CudaLibrary.DRIVER.systemProperty()) ? so.toString()
                : null, key -> null, List::of, List::of);
        LoadedLibrary driver = locator.locate(CudaLibrary.DRIVER);
        assertThat(driver.isFound()).as(driver.reason()).isTrue();
        return driver;
    }

    @Test
    void anOlderDriverIsTimedThroughTheUnversionedEntry(@TempDir Path dir) throws Exception {
        LoadedLibrary old = stubDriver(dir, "old", "int cuEventElapsedTime(float* ms, void* a, void* b) { *ms = 1.5f; return 0; }\n");
        assertThat(old.hasSymbol("cuEventElapsedTime_v2")).isFalse();
        assertThat(CudaEvent.elapsedTimeSymbol(old)).isEqualTo("cuEventElapsedTime");
        LoadedLibrary current = stubDriver(dir, "current", "int cuEventElapsedTime(float* ms, void* a, void* b) { return 1; }\n"
                + "int cuEventElapsedTime_v2(float* ms, void* a, void* b) { *ms = 2.5f; return 0; }\n");
        assertThat(CudaEvent.elapsedTimeSymbol(current)).isEqualTo("cuEventElapsedTime_v2");
    }
}
