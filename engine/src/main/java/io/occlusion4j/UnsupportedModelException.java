package io.occlusion4j;

/**
 * A back end cannot run this model: an operator (or a variant of one) its plan does not support. The message
 * names the operator and the node; the CPU back end (ONNX Runtime) runs any ONNX model.
 */
public class UnsupportedModelException extends BackendException {
    public UnsupportedModelException(String backend, String message, Throwable cause) {
        super(backend, message, cause);
    }
}
