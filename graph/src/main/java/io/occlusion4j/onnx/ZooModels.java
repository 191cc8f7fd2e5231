package io.occlusion4j.onnx;

/**
 * Random-weight models with the layer structure of well-known CNNs, built in Java for incremental inference's
 * exactness tests and benchmarks: VGG16 (13 convolutions; a global-average-pool head instead of the 25088x4096 fully
 * connected layers, which hold 90 % of its weights and under 1 % of its multiply-adds), ResNet-50 (bottleneck blocks
 * 3-4-6-3, stride on the 3x3 convolution, BatchNormalization kept), a MobileNetV2-like net (depthwise and grouped
 * convolutions, Clip as ReLU6, inverted residuals) and a DenseNet-like net (channel concatenation, average-pool
 * transitions). Weights are He-uniform so activations keep their scale without BatchNormalization; where a model has
 * BatchNormalization its statistics are mild and the last one of each residual branch is damped (as in
 * {@link TestModels#resnet18Proto}), so the output still responds to the input. Dynamic batch, input
 * {@value TestModels#INPUT}, output {@value TestModels#OUTPUT}.
 */
public final class ZooModels {
    private ZooModels() {
    }

    /** VGG16's 13 convolutions (widths divided by {@code widthDivisor}) over {@code [N, 3, h, w]}, then GAP + Gemm. */
    public static byte[] vgg16(int h, int w, int classes, int widthDivisor, long seed) {
        Net n = new Net("vgg16", seed, new long[] {3, h, w});
        int[][] stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
        String x = TestModels.INPUT;
        int in = 3;
        int s = 0;
        for (int[] stage : stages) {
            s++;
            int i = 0;
            for (int width : stage) {
                int out = Math.max(4, width / widthDivisor);
                x = n.relu(n.conv("conv" + s + "_" + (++i), x, in, out, 3, 1, 1, 1, true));
                in = out;
            }
            x = n.maxPool("pool" + s, x, 2, 2, 0);
        }
        n.head(x, in, classes);
        return n.g.toBytes();
    }

    /** ResNet-50 (torchvision v1.5 layout) over {@code [N, 3, h, w]}, widths divided by {@code widthDivisor}. */
    public static byte[] resnet50(int h, int w, int classes, int widthDivisor, long seed) {
        Net n = new Net("resnet50", seed, new long[] {3, h, w});
        int stem = 64 / widthDivisor;
        String x = n.relu(n.bn("bn1", n.conv("conv1", TestModels.INPUT, 3, stem, 7, 2, 3, 1, false), stem, 0.5f, 1f));
        x = n.maxPool("maxpool", x, 3, 2, 1);
        int[] blocks = {3, 4, 6, 3};
        int in = stem;
        for (int stage = 0; stage < 4; stage++) {
            int mid = (64 << stage) / widthDivisor;
            int out = mid * 4;
            for (int b = 0; b < blocks[stage]; b++) {
                String p = "layer" + (stage + 1) + "." + b + ".";
                int stride = b == 0 && stage > 0 ? 2 : 1;
                String y = n.relu(n.bn(p + "bn1", n.conv(p + "conv1", x, in, mid, 1, 1, 0, 1, false), mid, 0.5f, 1f));
                y = n.relu(n.bn(p + "bn2", n.conv(p + "conv2", y, mid, mid, 3, stride, 1, 1, false), mid, 0.5f, 1f));
                y = n.bn(p + "bn3", n.conv(p + "conv3", y, mid, out, 1, 1, 0, 1, false), out, 0.1f, 0.3f);
                String identity = x;
                if (b == 0) {
                    identity = n.bn(p + "downsample.1", n.conv(p + "downsample.0", x, in, out, 1, stride, 0, 1, false),
                            out, 0.5f, 1f);
                }
                x = n.relu(n.add(p + "add", y, identity));
                in = out;
            }
        }
        n.head(x, in, classes);
        return n.g.toBytes();
    }

    /**
     * A MobileNetV2-like net over {@code [N, 3, h, w]}: conv 3x3/2 + Clip(0, 6); inverted residual blocks (1x1 expand,
     * depthwise 3x3 with the given stride, 1x1 project; a residual Add where shapes allow); a grouped 3x3 conv (4
     * groups, dilation 2); GAP head.
     */
    public static byte[] mobileNetLike(int h, int w, int classes, long seed) {
        Net n = new Net("mobilenet_like", seed, new long[] {3, h, w});
        String x = n.relu6(n.conv("stem", TestModels.INPUT, 3, 16, 3, 2, 1, 1, true));
        int in = 16;
        int[][] blocks = {{16, 1}, {24, 2}, {24, 1}, {32, 2}, {32, 1}};
        int i = 0;
        for (int[] b : blocks) {
            String p = "block" + (i++) + ".";
            int hidden = in * 4;
            String y = n.relu6(n.conv(p + "expand", x, in, hidden, 1, 1, 0, 1, true));
            y = n.relu6(n.conv(p + "dw", y, hidden, hidden, 3, b[1], 1, hidden, true));
            y = n.conv(p + "project", y, hidden, b[0], 1, 1, 0, 1, true);
            x = b[1] == 1 && in == b[0] ? n.add(p + "add", x, y) : y;
            in = b[0];
        }
        x = n.relu(n.conv("grouped", x, in, 32, 3, 1, 2, 4, true, 2));
        n.head(x, 32, classes);
        return n.g.toBytes();
    }

    /**
     * A DenseNet-like net over {@code [N, 3, h, w]}: conv 3x3 stem; two dense blocks of three layers (BN, Relu, conv
     * 3x3 growing 8 channels, each concatenated onto its input); an AveragePool 2x2/2 transition between them (with a
     * 1x1 conv); a padded 3x3/1 AveragePool that counts its pads; GAP head.
     */
    public static byte[] denseNetLike(int h, int w, int classes, long seed) {
        Net n = new Net("densenet_like", seed, new long[] {3, h, w});
        String x = n.conv("stem", TestModels.INPUT, 3, 16, 3, 1, 1, 1, true);
        int in = 16;
        for (int block = 0; block < 2; block++) {
            for (int l = 0; l < 3; l++) {
                String p = "dense" + block + "." + l + ".";
                String y = n.relu(n.bn(p + "bn", x, in, 0.5f, 1f));
                y = n.conv(p + "conv", y, in, 8, 3, 1, 1, 1, false);
                x = n.concat(p + "cat", x, y);
                in += 8;
            }
            if (block == 0) {
                x = n.conv("transition.conv", n.relu(n.bn("transition.bn", x, in, 0.5f, 1f)), in, 24, 1, 1, 0, 1, false);
                in = 24;
                x = n.avgPool("transition.pool", x, 2, 2, 0);
            }
        }
        x = n.avgPool("smooth", x, 3, 1, 1);
        n.head(x, in, classes);
        return n.g.toBytes();
    }

    /** A graph under construction and the generator of its weights. */
    private static final class Net {
        final OnnxGraphBuilder g;
        final SplitMix64 rng;
        int names;

        Net(String name, long seed, long[] sample) {
            rng = new SplitMix64(seed);
            g = new OnnxGraphBuilder(name).docString("occlusion4j zoo model: " + name + ", seed " + seed)
                    .input(TestModels.INPUT, TestModels.inputDims(TestModels.Batch.DYNAMIC, sample));
        }

        String conv(String name, String x, int cin, int cout, int k, int stride, int pad, int groups, boolean bias) {
            return conv(name, x, cin, cout, k, stride, pad, groups, bias, 1);
        }

        String conv(String name, String x, int cin, int cout, int k, int stride, int pad, int groups, boolean bias,
                    int dilation) {
            int fanIn = cin / groups * k * k;
            float bound = (float) Math.sqrt(6.0 / fanIn);
            g.floatInitializer(name + ".weight", new long[] {cout, cin / groups, k, k},
                    rng.uniformArray(cout * fanIn, -bound, bound));
            OnnxGraphBuilder.NodeBuilder node = g.node("Conv").name(name).outputs(name + ".out")
                    .intsAttr("kernel_shape", k, k).intsAttr("strides", stride, stride)
                    .intsAttr("pads", pad, pad, pad, pad).intsAttr("dilations", dilation, dilation).intAttr("group", groups);
            if (bias) {
                g.floatInitializer(name + ".bias", new long[] {cout}, rng.uniformArray(cout, -0.1f, 0.1f));
                node.inputs(x, name + ".weight", name + ".bias");
            } else {
                node.inputs(x, name + ".weight");
            }
            node.add();
            return name + ".out";
        }

        String bn(String name, String x, int c, float gammaLo, float gammaHi) {
            return TestModels.batchNorm(g, rng, name, x, c, gammaLo, gammaHi);
        }

        String relu(String x) {
            String out = "relu" + (names++);
            g.node("Relu").name(out).inputs(x).outputs(out + ".out").add();
            return out + ".out";
        }

        String relu6(String x) {
            String out = "clip" + (names++);
            if (!g.isDefined("relu6.min")) {
                g.floatInitializer("relu6.min", new long[] {}, new float[] {0f});
                g.floatInitializer("relu6.max", new long[] {}, new float[] {6f});
            }
            g.node("Clip").name(out).inputs(x, "relu6.min", "relu6.max").outputs(out + ".out").add();
            return out + ".out";
        }

        String add(String name, String a, String b) {
            g.node("Add").name(name).inputs(a, b).outputs(name + ".out").add();
            return name + ".out";
        }

        String concat(String name, String a, String b) {
            g.node("Concat").name(name).inputs(a, b).outputs(name + ".out").intAttr("axis", 1).add();
            return name + ".out";
        }

        String maxPool(String name, String x, int k, int stride, int pad) {
            g.node("MaxPool").name(name).inputs(x).outputs(name + ".out").intsAttr("kernel_shape", k, k)
                    .intsAttr("strides", stride, stride).intsAttr("pads", pad, pad, pad, pad).add();
            return name + ".out";
        }

        String avgPool(String name, String x, int k, int stride, int pad) {
            g.node("AveragePool").name(name).inputs(x).outputs(name + ".out").intsAttr("kernel_shape", k, k)
                    .intsAttr("strides", stride, stride).intsAttr("pads", pad, pad, pad, pad)
                    .intAttr("count_include_pad", 1).add();
            return name + ".out";
        }

        void head(String x, int features, int classes) {
            g.node("GlobalAveragePool").name("avgpool").inputs(x).outputs("avgpool.out").add();
            g.node("Flatten").name("flatten").inputs("avgpool.out").outputs("flatten.out").intAttr("axis", 1).add();
            float bound = (float) (4.0 / Math.sqrt(features));
            g.floatInitializer("fc.weight", new long[] {classes, features},
                    rng.uniformArray(classes * features, -bound, bound));
            g.floatInitializer("fc.bias", new long[] {classes}, rng.uniformArray(classes, -0.1f, 0.1f));
            g.node("Gemm").name("fc").inputs("flatten.out", "fc.weight", "fc.bias").outputs(TestModels.OUTPUT)
                    .intAttr("transB", 1).add();
            g.output(TestModels.OUTPUT, TestModels.outputDims(TestModels.Batch.DYNAMIC, classes));
        }
    }
}
