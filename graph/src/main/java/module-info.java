/**
 * ONNX as data: the model reader, the graph IR with its rewrites and plans, the plain-Java reference executor, and the
 * ONNX writer with the project's test models. Not public API: the engine, the CUDA back end and the tools build on it.
 */
module io.occlusion4j.graph {
    requires com.google.protobuf;

    // The IR: the CUDA back end lowers its plans; the engine's incremental inference reads the graph.
    exports io.occlusion4j.graph to io.occlusion4j, io.occlusion4j.backend.cuda;
    // io.occlusion4j.onnx (the ONNX writer and TestModels) and io.occlusion4j.onnx.proto (the generated protobuf
    // classes) stay inside: the CLI's doctor, the benchmarks and the tests that use the writer run on the class path.
}
