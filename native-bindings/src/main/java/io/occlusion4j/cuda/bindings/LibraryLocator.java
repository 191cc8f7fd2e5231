// Finds an NVIDIA library: explicit path, loader path, /usr/local/cuda*, then NVIDIA's Python wheels.
package io.occlusion4j.cuda.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Looks for a library in a fixed order and records every candidate with its outcome:
 * <ol>
 *   <li>an explicit path (file or folder) from the system property, then the environment variable;</li>
 *   <li>the usual sonames on the dynamic loader's path;</li>
 *   <li>the {@code lib64}/{@code lib} folders of every {@code /usr/local/cuda*};</li>
 *   <li>{@code site-packages/nvidia/*}{@code /lib} of every {@code python3} on the PATH (PyTorch's wheels).</li>
 * </ol>
 * Before a library is loaded from a folder, its companions in that folder are loaded (cuBLASLt for
 * cuBLAS, cuDNN's sub-libraries, NVRTC's builtins): the library opens them by soname, and the loader
 * then finds them already in the process instead of searching a path that does not hold them.
 */
public final class LibraryLocator {

    private static final String PYTHON_SITE_SCRIPT = String.join(";",
            "import site, sys",
            "paths = list(getattr(site, 'getsitepackages', lambda: [])())",
            "paths.append(site.getusersitepackages())",
            "paths += [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]",
            "print('\\n'.join(paths))");

    private final Function<String, String> properties;
    private final Function<String, String> environment;
    private final Supplier<List<Path>> cudaRoots;
    private final Supplier<List<Path>> sitePackages;
    private final Arena arena;

    /**
     * A locator over the given sources; tests pass their own, {@link #fromEnvironment()} passes the real ones.
     *
     * @param properties   system property lookup (null when unset)
     * @param environment  environment variable lookup (null when unset)
     * @param cudaRoots    CUDA toolkit roots such as {@code /usr/local/cuda}
     * @param sitePackages Python site-packages folders
     */
    public LibraryLocator(Function<String, String> properties, Function<String, String> environment,
                          Supplier<List<Path>> cudaRoots, Supplier<List<Path>> sitePackages) {
        this.properties = Objects.requireNonNull(properties);
        this.environment = Objects.requireNonNull(environment);
        this.cudaRoots = Objects.requireNonNull(cudaRoots);
        this.sitePackages = Objects.requireNonNull(sitePackages);
        // Libraries stay loaded for the life of the process, as the dynamic loader keeps them anyway.
        this.arena = Arena.global();
    }

    public static LibraryLocator fromEnvironment() {
        return new LibraryLocator(System::getProperty, System::getenv,
                () -> cudaRootsUnder(Path.of("/usr/local")), new PythonSitePackages()::get);
    }

    /** Every {@code cuda*} folder under {@code parent}: {@code cuda} first, then newest version first. */
    static List<Path> cudaRootsUnder(Path parent) {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(p -> p.getFileName().toString().startsWith("cuda") && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> !p.getFileName().toString().equals("cuda"))
                            .thenComparing(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public LoadedLibrary locate(CudaLibrary library) {
        return locate(library, candidate -> null);
    }

    /**
     * Looks for {@code library}, taking the first candidate that loads and that {@code refusal} accepts (returns
     * null for); a refused candidate is recorded in {@link LoadedLibrary#tried()} with the reason, and the search
     * goes on (for NVRTC: one whose code the installed driver can load).
     */
    public LoadedLibrary locate(CudaLibrary library, Function<LoadedLibrary, String> refusal) {
        List<String> tried = new ArrayList<>();
        List<String> steps = new ArrayList<>();

        // 1. Explicit path.
        String explicit = firstNonBlank(properties.apply(library.systemProperty()),
                environment.apply(library.environmentVariable()));
        if (explicit != null) {
            LoadedLibrary found = tryPath(library, Path.of(explicit), tried, "explicit path " + explicit, refusal);
            if (found != null) {
                return found;
            }
            steps.add("the explicit path " + explicit + " did not load");
        } else {
            steps.add("no explicit path (-D" + library.systemProperty() + " or $" + library.environmentVariable() + ")");
        }

        // 2. Loader path.
        for (String soname : library.sonames()) {
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(soname, arena);
                Path resolved = MappedFiles.find(library).orElse(Path.of(soname));
                LoadedLibrary found = accepted(LoadedLibrary.found(library, resolved, lookup, tried,
                        "loaded " + soname + " from the loader path"), soname, tried, refusal);
                if (found != null) {
                    return found;
                }
            } catch (IllegalArgumentException e) {
                tried.add(soname + ": not on the loader path");
            }
        }
        steps.add(String.join(", ", library.sonames()) + " not on the loader path");

        // 3. CUDA toolkit folders.
        List<Path> roots = cudaRoots.get();
        for (Path root : roots) {
            for (String sub : List.of("lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib")) {
                LoadedLibrary found = tryFolder(library, root.resolve(sub), tried, "CUDA toolkit " + root, refusal);
                if (found != null) {
                    return found;
                }
            }
        }
        steps.add(roots.isEmpty() ? "no /usr/local/cuda* folder" : "not in " + roots);

        // 4. NVIDIA's Python wheels.
        List<Path> sites = sitePackages.get();
        List<Path> wheelFolders = new ArrayList<>();
        for (Path site : sites) {
            wheelFolders.addAll(nvidiaWheelLibFolders(site));
        }
        for (Path folder : wheelFolders) {
            LoadedLibrary found = tryFolder(library, folder, tried, "Python wheel folder", refusal);
            if (found != null) {
                return found;
            }
        }
        if (sites.isEmpty()) {
            steps.add("no python3 on the PATH reported a site-packages folder");
        } else if (wheelFolders.isEmpty()) {
            steps.add("no nvidia/*/lib folder under " + sites);
        } else {
            steps.add("not in " + wheelFolders.size() + " nvidia/*/lib folder(s) of the Python wheels");
        }
        List<String> refused = tried.stream().filter(t -> t.contains(": refused: ")).toList();
        if (!refused.isEmpty()) {
            steps.add("refused " + String.join("; ", refused));
        }
        return LoadedLibrary.missing(library, tried, library.displayName() + " not found: " + String.join("; ", steps));
    }

    static List<Path> nvidiaWheelLibFolders(Path site) {
        Path nvidia = site.resolve("nvidia");
        if (!Files.isDirectory(nvidia)) {
            return List.of();
        }
        try (Stream<Path> packages = Files.list(nvidia)) {
            return packages.sorted()
                    .flatMap(p -> Stream.of(p.resolve("lib"), p.resolve("lib64")))
                    .filter(Files::isDirectory)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private LoadedLibrary tryPath(CudaLibrary library, Path path, List<String> tried, String how,
                                  Function<LoadedLibrary, String> refusal) {
        if (Files.isDirectory(path)) {
            return tryFolder(library, path, tried, how, refusal);
        }
        if (!Files.exists(path)) {
            tried.add(path + ": no such file");
            return null;
        }
        return tryFile(library, path, tried, how, refusal);
    }

    private LoadedLibrary tryFolder(CudaLibrary library, Path folder, List<String> tried, String how,
                                    Function<LoadedLibrary, String> refusal) {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        List<Path> candidates = new ArrayList<>();
        for (String soname : library.sonames()) {
            Path p = folder.resolve(soname);
            if (Files.exists(p)) {
                candidates.add(p);
            }
        }
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(p -> library.matchesFileName(p.getFileName().toString()))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .filter(p -> !candidates.contains(p))
                    .forEach(candidates::add);
        } catch (IOException e) {
            tried.add(folder + ": unreadable (" + e.getMessage() + ")");
            return null;
        }
        for (Path candidate : candidates) {
            LoadedLibrary found = tryFile(library, candidate, tried, how, refusal);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private LoadedLibrary tryFile(CudaLibrary library, Path file, List<String> tried, String how,
                                  Function<LoadedLibrary, String> refusal) {
        List<String> companionNotes = loadCompanions(library, file.toAbsolutePath().getParent());
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, arena);
            String note = companionNotes.isEmpty() ? "" : " (" + String.join("; ", companionNotes) + ")";
            return accepted(LoadedLibrary.found(library, file, lookup, tried, "loaded " + file + " via " + how + note),
                    file.toString(), tried, refusal);
        } catch (IllegalArgumentException e) {
            tried.add(file + ": failed to load (" + e.getMessage() + ")");
            return null;
        }
    }

    /** {@code candidate} with "loaded" recorded, or null with the refusal recorded. */
    private static LoadedLibrary accepted(LoadedLibrary candidate, String name, List<String> tried,
                                          Function<LoadedLibrary, String> refusal) {
        String why = refusal.apply(candidate);
        if (why != null) {
            tried.add(name + ": refused: " + why);
            return null;
        }
        tried.add(name + ": loaded");
        return LoadedLibrary.found(candidate.library(), candidate.path().orElse(null), candidate.lookup(), tried,
                candidate.reason());
    }

    private List<String> loadCompanions(CudaLibrary library, Path folder) {
        List<String> notes = new ArrayList<>();
        if (folder == null) {
            return notes;
        }
        Set<Path> seen = new LinkedHashSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(p -> library.isCompanion(p.getFileName().toString()))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()))
                    .forEach(p -> {
                        try {
                            if (seen.add(p.toRealPath())) {
                                SymbolLookup.libraryLookup(p, arena);
                            }
                        } catch (IOException | IllegalArgumentException e) {
                            notes.add("companion " + p.getFileName() + " did not load: " + e.getMessage());
                        }
                    });
        } catch (IOException e) {
            notes.add("cannot list " + folder);
        }
        return notes;
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.trim();
        }
        if (b != null && !b.isBlank()) {
            return b.trim();
        }
        return null;
    }

    /** Asks every {@code python3} on the PATH for its site-packages folders, once. */
    static final class PythonSitePackages implements Supplier<List<Path>> {
        private List<Path> cached;

        @Override
        public synchronized List<Path> get() {
            if (cached == null) {
                cached = query();
            }
            return cached;
        }

        private static List<Path> query() {
            String pathVariable = System.getenv("PATH");
            if (pathVariable == null) {
                return List.of();
            }
            Set<Path> interpreters = new LinkedHashSet<>();
            for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
                if (dir.isBlank()) {
                    continue;
                }
                Path python = Path.of(dir, "python3");
                if (Files.isExecutable(python)) {
                    interpreters.add(python);
                }
            }
            Set<Path> sites = new LinkedHashSet<>();
            for (Path python : interpreters) {
                sites.addAll(ask(python));
            }
            return List.copyOf(sites);
        }

        private static List<Path> ask(Path python) {
            try {
                Process process = new ProcessBuilder(python.toString(), "-c", PYTHON_SITE_SCRIPT)
                        .redirectErrorStream(false)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                process.getOutputStream().close();
                // The answer is a few lines, far below a pipe's buffer, so waiting before reading cannot block.
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return List.of();
                }
                byte[] out;
                try (InputStream in = process.getInputStream()) {
                    out = in.readAllBytes();
                }
                return new String(out, StandardCharsets.UTF_8).lines()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .map(Path::of)
                        .filter(Files::isDirectory)
                        .toList();
            } catch (IOException e) {
                return List.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }
}
