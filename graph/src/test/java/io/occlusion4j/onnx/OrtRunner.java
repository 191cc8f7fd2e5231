package io.occlusion4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Map;

/** Test helper: one ONNX Runtime session over a model with one float input and one float output. */
final class OrtRunner implements AutoCloseable {

    /** An output tensor copied out of ORT. */
    record Output(long[] shape, float[] values) {
        float at(int row, int col) {
            return values[Math.toIntExact(row * shape[1] + col)];
        }
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(byte[] model) throws OrtException {
        session = env.createSession(model, options());
    }

    OrtRunner(String path) throws OrtException {
        session = env.createSession(path, options());
    }

    private static OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(2);
        o.setInterOpNumThreads(1);
        return o;
    }

    /** Declared input shape as ORT sees it (-1 for a symbolic dimension). */
    long[] inputShape(String name) throws OrtException {
        return ((TensorInfo) session.getInputInfo().get(name).getInfo()).getShape();
    }

    long[] outputShape(String name) throws OrtException {
        return ((TensorInfo) session.getOutputInfo().get(name).getInfo()).getShape();
    }

    /** Runs a test model ({@link TestModels#INPUT} to {@link TestModels#OUTPUT}). */
    Output run(float[] input, long[] shape) throws OrtException {
        return run(TestModels.INPUT, input, shape, TestModels.OUTPUT);
    }

    Output run(String inputName, float[] input, long[] shape, String outputName) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result r = session.run(Map.of(inputName, in))) {
            OnnxTensor out = (OnnxTensor) r.get(outputName).orElseThrow();
            FloatBuffer fb = out.getFloatBuffer();
            float[] values = new float[fb.remaining()];
            fb.get(values);
            return new Output(out.getInfo().getShape(), values);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /** {@code n} values uniform in [0, 1) from a seeded generator. */
    static float[] randomInput(long seed, int n) {
        return new SplitMix64(seed).uniformArray(n, 0f, 1f);
    }
}
