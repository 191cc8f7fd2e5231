/**
 * Our CUDA kernels: the .cu sources (resources), their launch tables and loaders (NVRTC on a GPU, the packaged host
 * build on the CPU), and the launchers. Not public API: only the CUDA back end sees it.
 */
module io.occlusion4j.kernels {
    requires java.logging;
    requires io.occlusion4j.cuda;

    // Kernel programs, launchers and the kernels' codes: the CUDA back end's plan and occlusion loop.
    exports io.occlusion4j.kernels to io.occlusion4j.backend.cuda;
}
