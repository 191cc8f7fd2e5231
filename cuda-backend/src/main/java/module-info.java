/**
 * The CUDA back end: ONNX graph -> plan on cuDNN, cuBLAS and our kernels, the occlusion loop on the device. It exports
 * nothing: the engine finds it through ServiceLoader and talks to it only through the SPI, and every native failure
 * is translated into the engine's exceptions at that boundary.
 */
module io.occlusion4j.backend.cuda {
    requires java.logging;
    requires com.microsoft.onnxruntime; // SelfCheck scores the same inputs on ONNX Runtime
    requires io.occlusion4j;
    requires io.occlusion4j.graph;
    requires io.occlusion4j.kernels;
    requires io.occlusion4j.cuda;

    provides io.occlusion4j.core.BackendProvider with io.occlusion4j.backend.cuda.CudaBackendProvider;
    // check-model: whether a model runs on this back end, answered on the host device (no GPU).
    provides io.occlusion4j.core.ModelChecker with io.occlusion4j.backend.cuda.CudaModelChecker;
}
