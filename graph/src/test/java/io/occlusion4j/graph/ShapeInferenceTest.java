package io.occlusion4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShapeInferenceTest {

    private static Graph conv(String autoPad, long[] pads, long[] strides, long[] dilations, long group, int cin,
                              int cout, long[] kernel, List<Dim> input) {
        long[] w = new long[2 + kernel.length];
        w[0] = cout;
        w[1] = cin / group;
        System.arraycopy(kernel, 0, w, 2, kernel.length);
        OnnxGraphBuilder b = new OnnxGraphBuilder("conv").input("x", input)
                .floatInitializer("w", w, new float[(int) TensorValue.count(w)]);
        OnnxGraphBuilder.NodeBuilder n = b.node("Conv").name("c").inputs("x", "w").outputs("y")
                .intsAttr("strides", strides).intsAttr("dilations", dilations).intAttr("group", group);
        if (autoPad != null) {
            n.stringAttr("auto_pad", autoPad);
        } else {
            n.intsAttr("pads", pads);
        }
        n.add().output("y");
        return OnnxModelReader.read(b.toBytes(), null, "conv");
    }

    @Test
    void convolutionShapesWithAsymmetricPadsDilationGroupsAndAutoPad() {
        // H: (10 + 1 + 2 - 2*(3-1) - 1)/2 + 1 = 5; W: (9 + 0 + 3 - 1*(3-1) - 1)/1 + 1 = 10.
        Graph g = ShapeInference.infer(conv(null, new long[] {1, 0, 2, 3}, new long[] {2, 1}, new long[] {2, 1}, 4, 8, 12,
                new long[] {3, 3}, Dim.shape("N", 8, 10, 9)));
        assertThat(g.info("y").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(12), Dim.of(5), Dim.of(10));

        Graph same = ShapeInference.infer(conv("SAME_UPPER", null, new long[] {2, 2, 2}, new long[] {1, 1, 1}, 1, 2, 4,
                new long[] {3, 3, 3}, Dim.shape(1, 2, 7, 8, 9)));
        assertThat(same.info("y").shape()).isEqualTo(Shape.of(1, 4, 4, 4, 5));

        Graph depthwise1d = ShapeInference.infer(conv(null, new long[] {0, 0}, new long[] {1}, new long[] {1}, 6, 6, 6,
                new long[] {5}, Dim.shape(2, 6, 20)));
        assertThat(depthwise1d.info("y").shape()).isEqualTo(Shape.of(2, 6, 16));

        // An open spatial size stays open: a fresh symbol naming the node and axis.
        Graph open = ShapeInference.infer(conv(null, new long[] {1, 1, 1, 1}, new long[] {2, 2}, new long[] {1, 1}, 1,
                3, 4, new long[] {3, 3}, Dim.shape("N", 3, "H", 32)));
        assertThat(open.info("y").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(4), Dim.sym("c[2]"), Dim.of(16));
    }

    @Test
    void channelMismatchNamesTheNode() {
        assertThatThrownBy(() -> ShapeInference.infer(conv(null, new long[] {0, 0, 0, 0}, new long[] {1, 1},
                new long[] {1, 1}, 1, 4, 2, new long[] {1, 1}, Dim.shape(1, 3, 5, 5))))
                .isInstanceOf(GraphException.class)
                .hasMessageStartingWith("node 'c' (Conv): input channels 3");
    }

    @Test
    void resnet18KeepsTheDynamicBatchThroughEveryNode() {
        Graph g = ShapeInference.infer(OnnxModelReader.read(TestModels.resnet18(10, 1L).onnx(), null, "r18"));
        assertThat(g.info(TestModels.OUTPUT).shape().dims()).containsExactly(Dim.sym("N"), Dim.of(10));
        assertThat(g.info("maxpool.out").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(64), Dim.of(56), Dim.of(56));
        assertThat(g.info("layer4.1.relu2.out").shape().dims())
                .containsExactly(Dim.sym("N"), Dim.of(512), Dim.of(7), Dim.of(7));
        Graph bound = ShapeInference.infer(g, Map.of(TestModels.INPUT, new long[] {8, 3, 224, 224}));
        assertThat(bound.info(TestModels.OUTPUT).shape()).isEqualTo(Shape.of(8, 10));
        assertThatThrownBy(() -> ShapeInference.infer(g, Map.of(TestModels.INPUT, new long[] {8, 1, 224, 224})))
                .isInstanceOf(GraphException.class).hasMessageContaining("input 'input' is declared [N, 3, 224, 224]");
    }

    @Test
    void shapeArithmeticCarriesTheSymbolicBatchIntoReshape() {
        // PaddleOCR builds its classifier's Reshape target from Shape(x)[0:1] ++ [200], with casts between.
        Graph g = OnnxModelReader.read(ModelParityTest.MODELS.resolve("ppocr_mobile_v2_cls.onnx"));
        Graph inferred = ShapeInference.infer(g);
        String out = g.outputs().get(0);
        assertThat(inferred.info(out).shape().dims()).containsExactly(Dim.sym("p2o.DynamicDimension.0"), Dim.of(2));
        Graph n48 = ShapeInference.infer(ShapeInference.bindInputs(g, Map.of()).withInputs(List.of(
                new ValueInfo("x", DataType.FLOAT, new Shape(Dim.shape("B", 3, 48, 192))))));
        assertThat(n48.info("reshape2_0.tmp_0").shape().dims()).containsExactly(Dim.sym("B"), Dim.of(200));

        // Folding turns that sub-graph into a constant target [-1, 200]: the dynamic-batch plan has no shape ops.
        Graph folded = ConstantFolding.apply(n48);
        assertThat(folded.opTypes()).doesNotContain("Shape", "Cast", "Slice", "Concat");
        Node reshape = folded.nodes().stream().filter(n -> n.opType().equals("Reshape")).findFirst().orElseThrow();
        assertThat(folded.constants().get(reshape.input(1)).longs()).containsExactly(-1L, 200L);
    }

    @Test
    void broadcastingAndReshapeInference() {
        byte[] onnx = new OnnxGraphBuilder("se")
                .opset(13)
                .input("x", Dim.shape("N", 16, 8, 8))
                .int64Initializer("target", new long[] {3}, new long[] {0, -1, 4})
                .node("GlobalAveragePool").name("gap").inputs("x").outputs("s").add()
                .node("HardSigmoid").name("hs").inputs("s").outputs("g").add()
                .node("Mul").name("scale").inputs("x", "g").outputs("y").add()
                .node("Reshape").name("r").inputs("y", "target").outputs("z").add()
                .node("Transpose").name("t").inputs("z").outputs("zt").intsAttr("perm", 2, 0, 1).add()
                .output("zt")
                .toBytes();
        Graph g = ShapeInference.infer(OnnxModelReader.read(onnx, null, "se"));
        assertThat(g.info("s").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(16), Dim.of(1), Dim.of(1));
        assertThat(g.info("y").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(16), Dim.of(8), Dim.of(8));
        assertThat(g.info("z").shape().dims()).containsExactly(Dim.sym("N"), Dim.of(256), Dim.of(4));
        assertThat(g.info("zt").shape().dims()).containsExactly(Dim.of(4), Dim.sym("N"), Dim.of(256));
    }
}
