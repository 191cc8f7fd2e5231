/**
 * The occlusion4j command (explain, evaluate, serve, demo, doctor). It launches on the class path (bin/occlusion4j);
 * the descriptor holds it to the modules' exports at compile time. The CUDA back end comes in at run time only,
 * found by the engine's ServiceLoader.
 */
module io.occlusion4j.cli {
    requires java.logging;
    requires com.microsoft.onnxruntime; // the process-wide ONNX Runtime environment's log level
    requires io.occlusion4j;
    requires io.occlusion4j.graph;
    requires io.occlusion4j.video;
    requires io.occlusion4j.server;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;

    // picocli reads the commands' annotated fields and creates the commands, mixins and converters by reflection.
    opens io.occlusion4j.cli to info.picocli;
}
