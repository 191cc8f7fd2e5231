/**
 * occlusion4j, the library users depend on: the API (Occlusion, its settings and the option vocabulary), the
 * explorations and faithfulness metrics, image/NPY I/O and rendering, the back-end SPI with the host loop, and the CPU
 * back end on ONNX Runtime. Back ends are found at run time through {@link io.occlusion4j.core.BackendProvider}.
 */
module io.occlusion4j {
    requires transitive java.desktop; // BufferedImage in the API (Occlusion.explain, Images, HeatmapRenderer)
    requires com.microsoft.onnxruntime;
    requires io.occlusion4j.graph;

    exports io.occlusion4j;
    exports io.occlusion4j.explore;
    exports io.occlusion4j.metrics;
    exports io.occlusion4j.io;
    exports io.occlusion4j.render;
    // The back-end SPI and the host loop: the CUDA back end implements BackendProvider and reuses the loop's parts;
    exports io.occlusion4j.core to io.occlusion4j.backend.cuda;
    // The ONNX Runtime session: the CUDA back end's self-check scores on it.
    exports io.occlusion4j.cpu to io.occlusion4j.backend.cuda;
    // The incremental plan's analysis (PlanGeometry): the CUDA back end runs the same plan on the device.
    exports io.occlusion4j.cpu.incremental to io.occlusion4j.backend.cuda;

    uses io.occlusion4j.core.BackendProvider;
    uses io.occlusion4j.core.ModelChecker;
}
