package io.occlusion4j;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** Test helpers: models on disk, random inputs, and a plain one-sample ONNX Runtime call. */
public final class ModelFiles {
    private ModelFiles() {}

    public static Path write(Path dir, String name, byte[] onnx) {
        try {
            return Files.write(dir.resolve(name), onnx);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] random(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return x;
    }

    /** One forward of one sample through a fresh session: the naive path the engine must agree with. */
    public static final class Naive implements AutoCloseable {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final String input;
        private final String output;

        public Naive(Path model) throws OrtException {
            session = env.createSession(model.toString(), new OrtSession.SessionOptions());
            input = session.getInputNames().iterator().next();
            output = session.getOutputNames().iterator().next();
        }

        public float[] run(float[] sample, long[] shape) throws OrtException {
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), shape);
                 OrtSession.Result r = session.run(Map.of(input, in))) {
                FloatBuffer fb = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                return out;
            }
        }

        @Override
        public void close() throws OrtException {
            session.close();
        }
    }
}
