// Finds the host build of the kernels: the library packaged in this jar, or an explicit file.
package io.occlusion4j.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The kernel bodies compiled by g++ into one shared library ({@code src/host}), packaged in the kernels jar for
 * linux-x86_64, so the CUDA back end's host device (and {@code check-model}) run the same kernels on the CPU from
 * any class path. {@code -Docclusion4j.hostKernels=FILE} names another build. The packaged one is copied once per
 * process to a temporary file, because a library must be a file to be loaded.
 */
public final class HostKernelLibrary {
    /** System property naming the library file explicitly. */
    public static final String PROPERTY = "occlusion4j.hostKernels";
    static final String RESOURCE = "/io/occlusion4j/kernels/host/linux-x86_64/libocc_kernels_host.so";

    private static Path extracted;

    private HostKernelLibrary() {}

    /** The library file, or an {@link IllegalStateException} saying why there is none. */
    public static synchronized Path path() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("host kernel library " + p + " (-D" + PROPERTY + ") does not exist");
            }
            return p;
        }
        if (extracted == null) {
            extracted = extract();
        }
        return extracted;
    }

    private static Path extract() {
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        try (InputStream in = HostKernelLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("this occlusion4j-kernels jar carries no host kernel library (" + RESOURCE
                        + "); it is built for linux-x86_64 by the kernels module, this is " + platform);
            }
            if (!platform.startsWith("Linux/") || !(platform.endsWith("amd64") || platform.endsWith("x86_64"))) {
                throw new IllegalStateException("the packaged host kernel library is for linux-x86_64, this is " + platform
                        + "; build one with kernels/src/build/compile-kernels.sh and name it with -D" + PROPERTY);
            }
            Path file = Files.createTempFile("occlusion4j-host-kernels", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the host kernel library", e);
        }
    }
}
