/**
 * The CUDA driver, NVRTC, cuBLAS and cuDNN through the Foreign Function and Memory API: the raw bindings in jextract's
 * layout and the safe layer over them. Not public API: only the kernels and the CUDA back end see it, and the back
 * end translates every native failure into the engine's exceptions.
 */
module io.occlusion4j.cuda {
    // The safe layer (contexts, streams, device buffers, NVRTC, cuBLAS, cuDNN): the kernels' loaders and launchers
    // and the CUDA back end's devices.
    exports io.occlusion4j.cuda to io.occlusion4j.kernels, io.occlusion4j.backend.cuda;
    // The raw bindings: the CUDA back end reads the library probe and NativeLibraryUnavailableException.
    exports io.occlusion4j.cuda.bindings to io.occlusion4j.backend.cuda;
}
