package io.occlusion4j;

/** Which back end scores the variants. */
public enum Backend {
    /** CUDA when a usable GPU and every operator are supported, else the CPU; the choice is logged. */
    AUTO,
    /** ONNX Runtime on the CPU: any ONNX model. */
    CPU,
    /** occlusion4j's own CUDA inference plan. */
    CUDA;

    /** {@code auto}, {@code cpu} or {@code cuda} (any case), as {@code --backend} takes it. */
    public static Backend parse(String text) {
        return OptionText.constant("backend", text, Backend.class);
    }
}
