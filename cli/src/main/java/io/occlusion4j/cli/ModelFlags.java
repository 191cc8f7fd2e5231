// The flags that say which model runs and how (explain, evaluate, serve): the model, the back end, threads, the
// back end's self-check, preprocessing.
package io.occlusion4j.cli;

import io.occlusion4j.Backend;
import io.occlusion4j.Occlusion;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A picocli mixin: the model file, where it runs, and how an input becomes the model's input ({@link Preprocessing}). */
final class ModelFlags {
    @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "the ONNX model")
    Path model;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda", converter = VocabularyConverter.ToBackend.class,
            description = "back end; default ${DEFAULT-VALUE}")
    Backend backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads per explanation (0: all)")
    int threads;

    @Option(names = "--no-verify", description = "the CUDA back end skips its self-check against ONNX Runtime (benchmarks)")
    boolean noVerify;

    @Mixin
    Preprocessing prep = new Preprocessing();

    /** A builder for the model with these flags; the settings are the library's defaults until set. */
    Occlusion.Builder builder() {
        return prep.applyTo(Occlusion.builder().model(model).backend(backend).threads(threads).verifyBackend(!noVerify));
    }
}
