// Compiles CUDA C++ with NVRTC, caching results on disk.
package io.occlusion4j.cuda;

import io.occlusion4j.cuda.bindings.NativeLibraries;
import io.occlusion4j.cuda.bindings.NvrtcCompatibility;
import io.occlusion4j.cuda.bindings.nvrtc_h;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * NVRTC front end. A result is cached under a SHA-256 of (compiler version, output kind, architecture,
 * options, source), so a changed compiler, option or target never reuses a stale image. A failed
 * compile raises {@link NvrtcException} holding the whole log. Holds no native resource: each
 * program is created and destroyed within {@link #compile}.
 */
public final class NvrtcCompiler {

    public enum Output { PTX, CUBIN }

    /** NVRTC's version. */
    public record Version(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /** A compiled image ready for {@link CudaContext#loadModule(byte[])}. */
    public record Compiled(String name, Output output, byte[] image, String log, boolean fromCache, String key) { }

    private final Path cacheDirectory;

    private NvrtcCompiler(Path cacheDirectory) {
        this.cacheDirectory = cacheDirectory;
    }

    /** Caches in {@code directory} (created when needed). */
    public static NvrtcCompiler cachingIn(Path directory) {
        return new NvrtcCompiler(directory);
    }

    /** Caches in {@code $XDG_CACHE_HOME/occlusion4j/nvrtc}, else {@code ~/.cache/occlusion4j/nvrtc}. */
    public static NvrtcCompiler withDefaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new NvrtcCompiler(base.resolve("occlusion4j").resolve("nvrtc"));
    }

    public static NvrtcCompiler withoutCache() {
        return new NvrtcCompiler(null);
    }

    public static Version version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            NvrtcException.check(nvrtc_h.nvrtcVersion(major, minor), "nvrtcVersion");
            return new Version(major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /**
     * Compiles {@code source}.
     *
     * @param name    the program's name in messages, e.g. {@code occlude.cu}
     * @param arch    the real architecture, e.g. {@code sm_90}; PTX is generated for the matching
     *                virtual one ({@code compute_90})
     * @param options further NVRTC options, e.g. {@code -default-device}, {@code --use_fast_math}
     */
    public Compiled compile(String name, String source, String arch, List<String> options, Output output) {
        if (!arch.matches("sm_\\d+[a-z]?")) {
            throw new IllegalArgumentException("architecture must look like sm_90, not " + arch);
        }
        refuseUnloadable(output);
        String target = output == Output.PTX ? arch.replace("sm_", "compute_") : arch;
        List<String> allOptions = new java.util.ArrayList<>();
        allOptions.add("--gpu-architecture=" + target);
        allOptions.addAll(options);
        String key = cacheKey(version(), output, target, allOptions, source);
        Path cached = cacheDirectory == null ? null
                : cacheDirectory.resolve(key + (output == Output.PTX ? ".ptx" : ".cubin"));
        if (cached != null && Files.isRegularFile(cached)) {
            try {
                return new Compiled(name, output, Files.readAllBytes(cached), "", true, key);
            } catch (IOException e) {
                // An unreadable entry is recompiled and rewritten below.
            }
        }
        Compiled compiled = compileNow(name, source, allOptions, output, key);
        if (cached != null) {
            store(cached, compiled.image());
        }
        return compiled;
    }

    /** Raises when the installed driver could not load {@code output} of this NVRTC (no driver: nothing to refuse). */
    private static void refuseUnloadable(Output output) {
        int driver = NativeLibraries.driverVersion();
        if (driver == 0) {
            return;
        }
        Version v = version();
        String why = NvrtcCompatibility.refusal(v.major(), v.minor(), driver, output == Output.PTX);
        if (why != null) {
            throw new IllegalArgumentException("cannot compile " + output + ": " + why);
        }
    }

    static String cacheKey(Version version, Output output, String target, List<String> options, String source) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : List.of("nvrtc " + version, output.name(), target, String.join("\u0000", options), source)) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0x1e);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static Compiled compileNow(String name, String source, List<String> options, Output output, String key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(ValueLayout.ADDRESS);
            NvrtcException.check(nvrtc_h.nvrtcCreateProgram(programOut, arena.allocateFrom(source),
                    arena.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment program = programOut.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment optionArray = arena.allocate(ValueLayout.ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int status = nvrtc_h.nvrtcCompileProgram(program, options.size(), optionArray);
                String log = log(arena, program);
                if (status != nvrtc_h.NVRTC_SUCCESS) {
                    throw new NvrtcException("nvrtcCompileProgram", status,
                            name + " with " + options + "\n" + log);
                }
                byte[] image = output == Output.PTX ? ptx(arena, program) : cubin(arena, program);
                return new Compiled(name, output, image, log, false, key);
            } finally {
                nvrtc_h.nvrtcDestroyProgram(programOut);
            }
        }
    }

    private static String log(Arena arena, MemorySegment program) {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        NvrtcException.check(nvrtc_h.nvrtcGetProgramLogSize(program, size), "nvrtcGetProgramLogSize");
        MemorySegment text = arena.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
        NvrtcException.check(nvrtc_h.nvrtcGetProgramLog(program, text), "nvrtcGetProgramLog");
        return text.getString(0).strip();
    }

    private static byte[] ptx(Arena arena, MemorySegment program) {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        NvrtcException.check(nvrtc_h.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize");
        long n = size.get(ValueLayout.JAVA_LONG, 0);
        MemorySegment ptx = arena.allocate(n);
        NvrtcException.check(nvrtc_h.nvrtcGetPTX(program, ptx), "nvrtcGetPTX");
        return ptx.toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] cubin(Arena arena, MemorySegment program) {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        NvrtcException.check(nvrtc_h.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
        long n = size.get(ValueLayout.JAVA_LONG, 0);
        MemorySegment cubin = arena.allocate(n);
        NvrtcException.check(nvrtc_h.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
        return cubin.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes through a temporary file and a rename, so a reader never sees half an image. */
    private static void store(Path target, byte[] image) {
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.write(temporary, image);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the NVRTC cache entry " + target, e);
        }
    }
}
