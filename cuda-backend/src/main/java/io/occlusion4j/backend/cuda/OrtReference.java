// The model on ONNX Runtime (CPU, fp32): the reference check-model measures the host-run plan against.
package io.occlusion4j.backend.cuda;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.graph.TensorValue;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a model file once on ONNX Runtime with the given float inputs; returns each asked-for output as fp32. */
final class OrtReference {

    private OrtReference() {
    }

    static Map<String, float[]> run(Path model, Map<String, TensorValue> inputs, List<String> outputs)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> tensors = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model.toString(), options)) {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            for (Map.Entry<String, TensorValue> in : inputs.entrySet()) {
                OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in.getValue().floats()), in.getValue().shape());
                tensors.add(t);
                feed.put(in.getKey(), t);
            }
            try (OrtSession.Result result = session.run(feed)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (String name : outputs) {
                    OnnxValue v = result.get(name).orElseThrow(() -> new IllegalStateException(
                            "ONNX Runtime gave no output '" + name + "'"));
                    if (!(v instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                        throw new IllegalStateException("output '" + name + "' is not a float tensor on ONNX Runtime");
                    }
                    FloatBuffer y = t.getFloatBuffer();
                    float[] all = new float[y.remaining()];
                    y.get(all);
                    out.put(name, all);
                }
                return out;
            }
        } finally {
            tensors.forEach(OnnxTensor::close);
        }
    }
}
