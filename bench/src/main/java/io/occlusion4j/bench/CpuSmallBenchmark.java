package io.occlusion4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.cpu.OrtBackendSession;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cpu-small workload (DESIGN section 6): a ResNet-18-shaped model at 224x224, window 32, stride
 * 16 (169 variants), 2 threads. Measures the engine's variants per second next to the bare batched
 * ONNX Runtime inference rate of the same model, batch size and thread count, in the same run. Both
 * report samples per second: {@code explain} counts 169 variants per call, {@code bareInference} the
 * batch per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CpuSmallBenchmark {
    public static final int SIZE = 224;
    public static final int WINDOW = 32;
    public static final int STRIDE = 16;
    public static final int THREADS = 2;
    public static final int VARIANTS = 169;

    Path dir;
    Occlusion occlusion;
    Tensor input;
    OrtEnvironment env;
    OrtSession bare;
    OnnxTensor bareInput;
    int batch;

    /** The batch size the engine picks for this input by default; the bare run uses the same. */
    public static int engineBatch() {
        return OrtBackendSession.defaultBatch(4L * 3 * SIZE * SIZE);
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        dir = Files.createTempDirectory("o4j-bench");
        Path model = TestModels.writeResNet18(dir.resolve("resnet18.onnx"), 1000, 42);
        float[] x = new float[3 * SIZE * SIZE];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        input = Tensor.of(x, 3, SIZE, SIZE);
        occlusion = Occlusion.builder().model(model).threads(THREADS).window(WINDOW, WINDOW).stride(STRIDE, STRIDE).build();
        batch = engineBatch();
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(THREADS);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            bare = env.createSession(model.toString(), o);
        }
        FloatBuffer buf = ByteBuffer.allocateDirect(4 * batch * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int b = 0; b < batch; b++) {
            buf.put(x);
        }
        buf.flip();
        bareInput = OnnxTensor.createTensor(env, buf, new long[] {batch, 3, SIZE, SIZE});
    }

    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(VARIANTS)
    public SensitivityMap explain() {
        return occlusion.explain(input);
    }

    /** One forward of a full batch; JMH divides by the batch size set in {@link BenchMain}. */
    @Benchmark
    public float bareInference() throws OrtException {
        try (OrtSession.Result r = bare.run(Map.of("input", bareInput))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        bareInput.close();
        bare.close();
        occlusion.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }
}
