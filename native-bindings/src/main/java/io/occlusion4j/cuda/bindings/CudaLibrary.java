// The four NVIDIA libraries the project binds, with the names under which each is looked for.
package io.occlusion4j.cuda.bindings;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One NVIDIA library: the sonames tried on the loader path, the file-name pattern accepted in
 * folders, the companions loaded from the same folder first (so the library's own {@code dlopen}
 * of them finds them already loaded), and the property/variable that name it explicitly.
 */
public enum CudaLibrary {
    /** The driver, {@code libcuda.so.1}: installed with the kernel driver, never in a wheel. */
    DRIVER("cuda", "CUDA driver", List.of("libcuda.so.1", "libcuda.so"), "libcuda\\.so(\\.\\d+)*",
            List.of()),
    NVRTC("nvrtc", "NVRTC", List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"),
            "libnvrtc\\.so(\\.\\d+)*", List.of("libnvrtc-builtins\\.so(\\.[\\d.]+)*")),
    CUBLAS("cublas", "cuBLAS", List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so"),
            "libcublas\\.so(\\.\\d+)*", List.of("libcublasLt\\.so(\\.\\d+)*")),
    /** cuDNN 9: {@code libcudnn.so.9} is a shim that opens its sub-libraries by soname. */
    CUDNN("cudnn", "cuDNN", List.of("libcudnn.so.9", "libcudnn.so"), "libcudnn\\.so(\\.\\d+)*",
            List.of("libcudnn_graph\\.so(\\.\\d+)*", "libcudnn_engines_precompiled\\.so(\\.\\d+)*",
                    "libcudnn_engines_runtime_compiled\\.so(\\.\\d+)*", "libcudnn_heuristic\\.so(\\.\\d+)*",
                    "libcudnn_ops\\.so(\\.\\d+)*", "libcudnn_cnn\\.so(\\.\\d+)*"));

    private final String key;
    private final String displayName;
    private final List<String> sonames;
    private final Pattern fileName;
    private final List<Pattern> companions;

    CudaLibrary(String key, String displayName, List<String> sonames, String fileName, List<String> companions) {
        this.key = key;
        this.displayName = displayName;
        this.sonames = sonames;
        this.fileName = Pattern.compile(fileName);
        this.companions = companions.stream().map(Pattern::compile).toList();
    }

    /** Short key: {@code cuda}, {@code nvrtc}, {@code cublas}, {@code cudnn}. */
    public String key() {
        return key;
    }

    public String displayName() {
        return displayName;
    }

    /** Names tried on the loader path, most recent first. */
    public List<String> sonames() {
        return sonames;
    }

    /** System property naming the library file (or its folder) explicitly. */
    public String systemProperty() {
        return "occlusion4j." + key + ".library";
    }

    /** Environment variable naming the library file (or its folder) explicitly. */
    public String environmentVariable() {
        return "OCCLUSION4J_" + key.toUpperCase(Locale.ROOT) + "_LIBRARY";
    }

    /** Whether a file in a searched folder is this library (not a companion such as cublasLt). */
    public boolean matchesFileName(String name) {
        return fileName.matcher(name).matches();
    }

    public boolean isCompanion(String name) {
        return companions.stream().anyMatch(p -> p.matcher(name).matches());
    }
}
