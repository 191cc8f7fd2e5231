// Seeded models in the layout of torchvision's ResNet-50 and MobileNetV2 and a small ViT block, BN calibrated.
package io.occlusion4j.bench;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.Node;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Operators;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.onnx.OnnxGraphBuilder;
import io.occlusion4j.onnx.proto.ModelProto;
import io.occlusion4j.onnx.proto.TensorProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Models for check-model's table beyond {@code TestModels}: a ResNet-50 (torchvision's layout: bottlenecks [3, 4, 6, 3],
 * stride on the 3x3 convolution, BatchNormalization kept), a MobileNetV2 (inverted residuals, depthwise convolutions,
 * ReLU6 as Clip) and a one-block vision transformer (patch convolution, LayerNormalization, attention as MatMul-Softmax-
 * MatMul, exact GELU through Erf). Weights are seeded He-uniform; every BatchNormalization's running statistics are
 * then calibrated on a random batch ({@link #calibrateBatchNorm}), so the network's output depends on its input (random
 * statistics can make a deep network's output constant).
 */
final class ZooModels {

    private ZooModels() {
    }

    /** ResNet-50 for {@code [N, 3, 224, 224]} with 1000 classes, BN calibrated. */
    static byte[] resnet50(long seed) {
        Net n = new Net("resnet50", seed, 3, 224, 224);
        String x = n.convBn("conv1", "input", 3, 64, 7, 2, 1, "Relu");
        x = n.maxPool(x);
        int[] blocks = {3, 4, 6, 3};
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            int out = width * 4;
            for (int b = 0; b < blocks[stage]; b++) {
                String p = "layer" + (stage + 1) + "." + b + ".";
                int stride = b == 0 && stage > 0 ? 2 : 1;
                String y = n.convBn(p + "conv1", x, in, width, 1, 1, 1, "Relu");
                y = n.convBn(p + "conv2", y, width, width, 3, stride, 1, "Relu");
                y = n.convBn(p + "conv3", y, width, out, 1, 1, 1, null);
                String identity = b == 0 ? n.convBn(p + "downsample", x, in, out, 1, stride, 1, null) : x;
                x = n.relu(p + "relu", n.add(p + "add", y, identity));
                in = out;
            }
        }
        return calibrateBatchNorm(n.head(x, in, 1000), new long[] {2, 3, 224, 224}, seed);
    }

    /** MobileNetV2 for {@code [N, 3, 224, 224]} with 1000 classes, BN calibrated. */
    static byte[] mobilenetV2(long seed) {
        Net n = new Net("mobilenet_v2", seed, 3, 224, 224);
        String x = n.convBn("features.0", "input", 3, 32, 3, 2, 1, "Relu6");
        int[][] settings = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                {6, 320, 1, 1}};
        int in = 32;
        int index = 1;
        for (int[] s : settings) {
            for (int i = 0; i < s[2]; i++) {
                String p = "features." + index++ + ".";
                int stride = i == 0 ? s[3] : 1;
                int hidden = in * s[0];
                String y = x;
                if (s[0] != 1) {
                    y = n.convBn(p + "expand", y, in, hidden, 1, 1, 1, "Relu6");
                }
                y = n.convBn(p + "dw", y, hidden, hidden, 3, stride, hidden, "Relu6");
                y = n.convBn(p + "project", y, hidden, s[1], 1, 1, 1, null);
                x = stride == 1 && in == s[1] ? n.add(p + "add", y, x) : y;
                in = s[1];
            }
        }
        x = n.convBn("features.18", x, in, 1280, 1, 1, 1, "Relu6");
        return calibrateBatchNorm(n.head(x, 1280, 1000), new long[] {2, 3, 224, 224}, seed);
    }

    /**
     * A one-block vision transformer on {@code [N, 3, 32, 32]}: 8x8 patches to 64 features (16 tokens), LayerNorm,
     * single-head attention (Q, K, V MatMuls, Q K^T / 8, Softmax, times V), residual, LayerNorm, MLP with exact GELU
     * ({@code 0.5 x (1 + erf(x / sqrt 2))}), residual, mean over tokens, Gemm to 10 classes.
     */
    static byte[] vitBlock(long seed) {
        Net n = new Net("vit_block", seed, 3, 32, 32);
        OnnxGraphBuilder g = n.g;
        String x = n.conv("patch", "input", 3, 64, 8, 8, 1, true);
        g.int64Initializer("tokens_shape", new long[] {3}, new long[] {0, 64, 16});
        g.node("Reshape").name("flatten_patches").inputs(x, "tokens_shape").outputs("tokens_cf").add();
        g.node("Transpose").name("to_tokens").inputs("tokens_cf").outputs("tokens").intsAttr("perm", 0, 2, 1).add();
        String h = n.layerNorm("ln1", "tokens", 64);
        String q = n.matmul("q", h, 64, 64);
        String k = n.matmul("k", h, 64, 64);
        String v = n.matmul("v", h, 64, 64);
        g.node("Transpose").name("k_t").inputs(k).outputs("k_t.out").intsAttr("perm", 0, 2, 1).add();
        g.node("MatMul").name("scores").inputs(q, "k_t.out").outputs("scores.out").add();
        g.floatInitializer("scale", new long[0], new float[] {8f});
        g.node("Div").name("scaled").inputs("scores.out", "scale").outputs("scaled.out").add();
        g.node("Softmax").name("attn").inputs("scaled.out").outputs("attn.out").intAttr("axis", -1).add();
        g.node("MatMul").name("context").inputs("attn.out", v).outputs("context.out").add();
        String r1 = n.add("residual1", "tokens", n.matmul("proj", "context.out", 64, 64));
        String m = n.matmul("fc1", n.layerNorm("ln2", r1, 64), 64, 128);
        g.floatInitializer("sqrt2", new long[0], new float[] {(float) Math.sqrt(2)});
        g.floatInitializer("one", new long[0], new float[] {1f});
        g.floatInitializer("half", new long[0], new float[] {0.5f});
        g.node("Div").name("gelu.div").inputs(m, "sqrt2").outputs("gelu.div.out").add();
        g.node("Erf").name("gelu.erf").inputs("gelu.div.out").outputs("gelu.erf.out").add();
        g.node("Add").name("gelu.add").inputs("gelu.erf.out", "one").outputs("gelu.add.out").add();
        g.node("Mul").name("gelu.mul").inputs(m, "gelu.add.out").outputs("gelu.mul.out").add();
        g.node("Mul").name("gelu.half").inputs("gelu.mul.out", "half").outputs("gelu.out").add();
        String r2 = n.add("residual2", r1, n.matmul("fc2", "gelu.out", 128, 64));
        g.node("ReduceMean").name("pool").inputs(r2).outputs("pooled").intsAttr("axes", 1).intAttr("keepdims", 0).add();
        n.gemm("head", "pooled", 64, 10, "logits");
        g.output("logits", List.of(Dim.sym("N"), Dim.of(10)));
        return g.toBytes();
    }

    /**
     * {@code onnx} with every BatchNormalization's mean and variance set to the statistics of its input over a seeded
     * random batch of {@code shape} (uniform in [-1, 1)), computed node by node in order, each BN normalizing with its
     * calibrated statistics before the next is measured.
     */
    static byte[] calibrateBatchNorm(byte[] onnx, long[] shape, long seed) {
        Graph graph = OnnxModelReader.read(onnx, null, "calibration");
        Map<String, TensorValue> env = new HashMap<>(graph.constants());
        env.put(graph.inputs().get(0).name(), random(shape, seed));
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            for (String v : graph.nodes().get(i).inputs()) {
                lastUse.put(v, i);
            }
        }
        Map<String, float[]> stats = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            Node node = graph.nodes().get(i);
            List<TensorValue> args = new java.util.ArrayList<>();
            for (String v : node.inputs()) {
                args.add(v.isEmpty() ? null : env.get(v));
            }
            if (node.opType().equals("BatchNormalization")) {
                float[][] mv = channelStatistics(args.get(0));
                stats.put(node.input(3), mv[0]);
                stats.put(node.input(4), mv[1]);
                args.set(3, TensorValue.ofFloats(new long[] {mv[0].length}, mv[0]));
                args.set(4, TensorValue.ofFloats(new long[] {mv[1].length}, mv[1]));
            }
            List<TensorValue> out = Operators.evaluate(node, args, graph.opset());
            for (int o = 0; o < node.outputs().size() && o < out.size(); o++) {
                env.put(node.output(o), out.get(o));
            }
            for (String v : node.inputs()) {
                if (lastUse.getOrDefault(v, -1) == i && !graph.isConstant(v)) {
                    env.remove(v);
                }
            }
        }
        try {
            ModelProto.Builder model = ModelProto.parseFrom(onnx).toBuilder();
            var g = model.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                float[] s = stats.get(g.getInitializer(i).getName());
                if (s != null) {
                    TensorProto.Builder t = g.getInitializer(i).toBuilder().clearRawData().clearFloatData();
                    for (float f : s) {
                        t.addFloatData(f);
                    }
                    g.setInitializer(i, t);
                }
            }
            return model.build().toByteArray();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Per-channel (axis 1) mean and biased variance over every other axis. */
    private static float[][] channelStatistics(TensorValue x) {
        long[] s = x.shape();
        int c = (int) s[1];
        int inner = (int) (x.size() / s[0] / c);
        double[] sum = new double[c];
        double[] sq = new double[c];
        float[] f = x.floats();
        for (int n = 0; n < s[0]; n++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (n * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    double v = f[base + i];
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
        }
        double count = (double) s[0] * inner;
        float[] mean = new float[c];
        float[] var = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            mean[ch] = (float) m;
            var[ch] = (float) Math.max(sq[ch] / count - m * m, 1e-6);
        }
        return new float[][] {mean, var};
    }

    static TensorValue random(long[] shape, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return TensorValue.ofFloats(shape, x);
    }

    /** A graph under construction with its seeded generator. */
    private static final class Net {
        final OnnxGraphBuilder g;
        final SplittableRandom rnd;

        Net(String name, long seed, int c, int h, int w) {
            rnd = new SplittableRandom(seed);
            g = new OnnxGraphBuilder(name).docString("occlusion4j check-model table model: " + name + ", seed " + seed)
                    .input("input", List.of(Dim.sym("N"), Dim.of(c), Dim.of(h), Dim.of(w)));
        }

        float[] uniform(int n, double bound) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            return v;
        }

        String conv(String name, String x, int cin, int cout, int k, int stride, int group, boolean bias) {
            int fanIn = cin / group * k * k;
            g.floatInitializer(name + ".weight", new long[] {cout, cin / group, k, k},
                    uniform(cout * fanIn, Math.sqrt(6.0 / fanIn)));
            int pad = k == 8 ? 0 : k / 2;
            OnnxGraphBuilder.NodeBuilder node = g.node("Conv").name(name).outputs(name + ".out")
                    .intsAttr("kernel_shape", k, k).intsAttr("strides", stride, stride).intsAttr("pads", pad, pad, pad, pad)
                    .intAttr("group", group);
            if (bias) {
                g.floatInitializer(name + ".bias", new long[] {cout}, uniform(cout, 0.1));
                node.inputs(x, name + ".weight", name + ".bias");
            } else {
                node.inputs(x, name + ".weight");
            }
            node.add();
            return name + ".out";
        }

        /** Conv (no bias) + BatchNormalization (statistics calibrated later) + the activation (Relu, Relu6 or none). */
        String convBn(String name, String x, int cin, int cout, int k, int stride, int group, String act) {
            String y = conv(name, x, cin, cout, k, stride, group, false);
            String bn = name + ".bn";
            g.floatInitializer(bn + ".weight", new long[] {cout}, uniformIn(cout, 0.5, 1.0));
            g.floatInitializer(bn + ".bias", new long[] {cout}, uniform(cout, 0.1));
            g.floatInitializer(bn + ".running_mean", new long[] {cout}, new float[cout]);
            float[] ones = new float[cout];
            java.util.Arrays.fill(ones, 1f);
            g.floatInitializer(bn + ".running_var", new long[] {cout}, ones);
            g.node("BatchNormalization").name(bn)
                    .inputs(y, bn + ".weight", bn + ".bias", bn + ".running_mean", bn + ".running_var")
                    .outputs(bn + ".out").floatAttr("epsilon", 1e-5f).add();
            if (act == null) {
                return bn + ".out";
            }
            if (act.equals("Relu")) {
                return relu(name + ".relu", bn + ".out");
            }
            if (!g.isDefined("relu6.min")) {
                g.floatInitializer("relu6.min", new long[0], new float[] {0f});
                g.floatInitializer("relu6.max", new long[0], new float[] {6f});
            }
            g.node("Clip").name(name + ".relu6").inputs(bn + ".out", "relu6.min", "relu6.max").outputs(name + ".relu6.out").add();
            return name + ".relu6.out";
        }

        float[] uniformIn(int n, double lo, double hi) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (lo + rnd.nextDouble() * (hi - lo));
            }
            return v;
        }

        String relu(String name, String x) {
            g.node("Relu").name(name).inputs(x).outputs(name + ".out").add();
            return name + ".out";
        }

        String add(String name, String a, String b) {
            g.node("Add").name(name).inputs(a, b).outputs(name + ".out").add();
            return name + ".out";
        }

        String maxPool(String x) {
            g.node("MaxPool").name("maxpool").inputs(x).outputs("maxpool.out").intsAttr("kernel_shape", 3, 3)
                    .intsAttr("strides", 2, 2).intsAttr("pads", 1, 1, 1, 1).add();
            return "maxpool.out";
        }

        String matmul(String name, String x, int in, int out) {
            g.floatInitializer(name + ".weight", new long[] {in, out}, uniform(in * out, Math.sqrt(3.0 / in)));
            g.node("MatMul").name(name).inputs(x, name + ".weight").outputs(name + ".out").add();
            return name + ".out";
        }

        String layerNorm(String name, String x, int features) {
            g.floatInitializer(name + ".weight", new long[] {features}, uniformIn(features, 0.8, 1.2));
            g.floatInitializer(name + ".bias", new long[] {features}, uniform(features, 0.1));
            g.node("LayerNormalization").name(name).inputs(x, name + ".weight", name + ".bias").outputs(name + ".out")
                    .intAttr("axis", -1).floatAttr("epsilon", 1e-6f).add();
            return name + ".out";
        }

        void gemm(String name, String x, int in, int out, String output) {
            g.floatInitializer(name + ".weight", new long[] {out, in}, uniform(in * out, 1.0 / Math.sqrt(in)));
            g.floatInitializer(name + ".bias", new long[] {out}, uniform(out, 0.1));
            g.node("Gemm").name(name).inputs(x, name + ".weight", name + ".bias").outputs(output).intAttr("transB", 1).add();
        }

        /** GlobalAveragePool, Flatten, Gemm to {@code classes} named logits; the serialized model. */
        byte[] head(String x, int features, int classes) {
            g.node("GlobalAveragePool").name("avgpool").inputs(x).outputs("avgpool.out").add();
            g.node("Flatten").name("flatten").inputs("avgpool.out").outputs("flatten.out").intAttr("axis", 1).add();
            gemm("fc", "flatten.out", features, classes, "logits");
            g.output("logits", List.of(Dim.sym("N"), Dim.of(classes)));
            return g.toBytes();
        }
    }
}
