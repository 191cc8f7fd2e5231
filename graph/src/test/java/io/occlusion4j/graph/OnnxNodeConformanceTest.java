package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.NodeProto;
import io.occlusion4j.onnx.proto.TensorProto;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * ONNX's node conformance tests (Debian's {@code libonnx-testdata}) through the reference executor. A
 * case runs when every operator of its model is in {@link Operators#SUPPORTED}; among those, the cases
 * in {@value #EXCLUDED} are skipped, each with its reason. Skips (does not fail) when the package is not
 * installed.
 */
class OnnxNodeConformanceTest {

    /** Where Debian's package puts the node tests. */
    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");
    static final String EXCLUDED = "onnx-node-tests-excluded.txt";
    static final double ATOL = 1e-4;
    static final double RTOL = 1e-4;

    /** A test case folder and the operators its model uses. */
    record Case(String name, Path dir, Set<String> ops) {
    }

    static List<Case> selectedCases() {
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(NODE_TESTS)) {
            for (Path dir : dirs.sorted().toList()) {
                Path model = dir.resolve("model.onnx");
                if (!Files.isRegularFile(model)) {
                    continue;
                }
                ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
                Set<String> ops = new TreeSet<>();
                boolean supported = true;
                for (NodeProto n : m.getGraph().getNodeList()) {
                    boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
                    supported &= standard && (Operators.SUPPORTED.contains(n.getOpType()) || n.getOpType().equals("Constant"));
                    ops.add(n.getOpType());
                }
                if (supported) {
                    cases.add(new Case(dir.getFileName().toString(), dir, ops));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    /** Case name to reason, from the committed exclusion list. */
    static Map<String, String> excluded() {
        Map<String, String> r = new LinkedHashMap<>();
        try (InputStream in = Objects.requireNonNull(OnnxNodeConformanceTest.class.getResourceAsStream(EXCLUDED), EXCLUDED);
             BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                assertThat(space).as("line '%s' needs 'case reason'", line).isPositive();
                r.put(line.substring(0, space), line.substring(space).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }

    private static void assumeInstalled() {
        assumeTrue(Files.isDirectory(NODE_TESTS), "ONNX node tests not installed at " + NODE_TESTS
                + " (apt-get install -y libonnx-testdata)");
    }

    @TestFactory
    Stream<DynamicTest> nodeConformance() {
        assumeInstalled();
        Map<String, String> excluded = excluded();
        return selectedCases().stream()
                .filter(c -> !excluded.containsKey(c.name()))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    try {
                        runCase(c);
                    } catch (RuntimeException | AssertionError e) {
                        throw new AssertionError(c.name() + ": " + e.getMessage(), e);
                    }
                }));
    }

    @Test
    void everyExclusionIsASelectedCaseAndEverySupportedOperatorIsCovered() {
        assumeInstalled();
        List<Case> cases = selectedCases();
        Map<String, String> excluded = excluded();
        Set<String> names = new TreeSet<>();
        Map<String, Integer> runPerOp = new TreeMap<>();
        for (Case c : cases) {
            names.add(c.name());
            if (!excluded.containsKey(c.name())) {
                for (String op : c.ops()) {
                    runPerOp.merge(op, 1, Integer::sum);
                }
            }
        }
        assertThat(names).as("excluded cases must be real, selected cases").containsAll(excluded.keySet());
        int ran = cases.size() - excluded.size();
        System.out.printf("ONNX node conformance: %d cases selected, %d run, %d excluded; run per operator: %s%n",
                cases.size(), ran, excluded.size(), runPerOp);
        // Every operator has a case that runs, except Cast: ONNX 1.12's Cast cases all involve DOUBLE,
        // FLOAT16, BFLOAT16 or STRING. Its FLOAT/INT32/INT64 paths are covered by the PaddleOCR model test. And Gelu:
        // an opset-20 operator, newer than ONNX 1.12's cases; TransformerModelsTest (the erf pattern fused into it,
        // against ONNX Runtime) and the CUDA back end's HostPlanKernelsTest cover it.
        Set<String> uncovered = new TreeSet<>(Operators.SUPPORTED);
        uncovered.removeAll(runPerOp.keySet());
        assertThat(uncovered).containsExactly("Cast", "Gelu");
        assertThat(ran).isGreaterThan(150);
    }

    static void runCase(Case c) throws IOException {
        Graph graph = OnnxModelReader.read(c.dir().resolve("model.onnx"));
        List<Path> sets;
        try (Stream<Path> s = Files.list(c.dir())) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
        }
        assertThat(sets).as("data sets of %s", c.name()).isNotEmpty();
        for (Path set : sets) {
            Map<String, TensorValue> inputs = new LinkedHashMap<>();
            Map<String, TensorValue> shapeOperands = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            List<ValueInfo> declared = graph.inputs();
            for (int i = 0; i < declared.size(); i++) {
                TensorValue t = readTensor(set.resolve("input_" + i + ".pb"));
                // Integer inputs are shape operands (Reshape targets, Slice bounds, axes); the plan needs
                // them at build time, as real models have them (initializers).
                if (t.type().isIntegral()) {
                    shapeOperands.put(declared.get(i).name(), t);
                } else {
                    inputs.put(declared.get(i).name(), t);
                    shapes.put(declared.get(i).name(), t.shape());
                }
            }
            Graph bound = graph.withInputsAsConstants(shapeOperands);
            // Shape inference on the bound shapes must agree with what the executor computes.
            Graph shaped = ShapeInference.infer(bound, shapes);
            Map<String, TensorValue> actual = ReferenceExecutor.run(bound, inputs);
            for (int o = 0; o < graph.outputs().size(); o++) {
                String name = graph.outputs().get(o);
                TensorValue expected = readTensor(set.resolve("output_" + o + ".pb"));
                TensorValue got = actual.get(name);
                assertThat(got.shape()).as("%s output %s shape", c.name(), name).containsExactly(expected.shape());
                assertThat(shaped.info(name).shape()).as("%s inferred shape of %s", c.name(), name)
                        .isEqualTo(Shape.of(expected.shape()));
                assertThat(got.type()).as("%s output %s type", c.name(), name).isEqualTo(expected.type());
                assertClose(c.name() + " output " + name, got, expected);
            }
        }
    }

    static TensorValue readTensor(Path pb) throws IOException {
        TensorProto t = TensorProto.parseFrom(Files.readAllBytes(pb));
        return OnnxModelReader.decodeTensor(t, pb.getParent(), pb.toString());
    }

    static void assertClose(String what, TensorValue got, TensorValue expected) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i);
            double g = got.get(i);
            if (Double.isNaN(e) && Double.isNaN(g)) {
                continue;
            }
            if (Double.isInfinite(e) && e == g) {
                continue;
            }
            double excess = Math.abs(g - e) - (ATOL + RTOL * Math.abs(e));
            if (!(excess <= worst) || (Double.isNaN(excess) && at < 0)) {
                worst = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                at = i;
            }
        }
        assertThat(at).as("%s: element %d is %s, expected %s", what, at, at < 0 ? 0 : got.get(at),
                at < 0 ? 0 : expected.get(at)).isEqualTo(-1);
    }

    static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
