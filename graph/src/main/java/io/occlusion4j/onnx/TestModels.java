package io.occlusion4j.onnx;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.proto.ModelProto;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Seeded random models written with {@link OnnxGraphBuilder}, for tests and benchmarks. The same
 * arguments give the same bytes on every JVM (weights come from {@link SplitMix64}).
 *
 * <p>Every model has one float input named {@value #INPUT} of shape {@code [N, C, D1..Dk]} and one
 * float output named {@value #OUTPUT} of shape {@code [N, K]}. The batch dimension is the symbol
 * {@value #BATCH_SYMBOL} unless {@link Batch#FIXED_ONE} is asked for.
 */
public final class TestModels {

    /** Name of every test model's input. */
    public static final String INPUT = "input";
    /** Name of every test model's output. */
    public static final String OUTPUT = "logits";
    /** Symbol of the dynamic batch dimension. */
    public static final String BATCH_SYMBOL = "N";
    /** Default class count of {@link #resnet18(int, long)} callers: ImageNet's. */
    public static final int IMAGENET_CLASSES = 1000;

    /** How the batch dimension of a model's input and output is declared. */
    public enum Batch {
        /** Symbolic ({@value TestModels#BATCH_SYMBOL}): any batch size. */
        DYNAMIC,
        /** Fixed at 1: the model takes exactly one sample per run. */
        FIXED_ONE
    }

    /**
     * A model with its input description.
     *
     * @param onnx        the serialized model
     * @param sampleShape the shape of one sample, {@code [C, D1..Dk]} (the input is {@code [N, ...sampleShape]})
     * @param classes     K, the length of each output row
     * @param batch       how the batch dimension is declared
     */
    public record TestModel(byte[] onnx, long[] sampleShape, int classes, Batch batch) {
        public TestModel {
            Objects.requireNonNull(onnx, "onnx");
            sampleShape = sampleShape.clone();
            Objects.requireNonNull(batch, "batch");
        }

        /** The input shape for a batch of {@code n} samples. */
        public long[] inputShape(long n) {
            long[] s = new long[sampleShape.length + 1];
            s[0] = n;
            System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
            return s;
        }

        /** Number of elements in one sample. */
        public int sampleSize() {
            long n = 1;
            for (long d : sampleShape) {
                n *= d;
            }
            return Math.toIntExact(n);
        }

        @Override
        public String toString() {
            return "TestModel[sampleShape=" + Arrays.toString(sampleShape) + ", classes=" + classes
                    + ", batch=" + batch + ", " + onnx.length + " bytes]";
        }
    }

    /**
     * The linear model {@code logits = flatten(x) · W + b} and its weights, so tests can compute the
     * closed form.
     *
     * @param onnx        the serialized model
     * @param sampleShape {@code [C, D1..Dk]}
     * @param weights     W, row-major {@code [features, classes]}
     * @param bias        b, {@code [classes]}
     * @param features    {@code C * D1 * ... * Dk}
     * @param classes     K
     * @param batch       how the batch dimension is declared
     */
    public record LinearModel(byte[] onnx, long[] sampleShape, float[] weights, float[] bias, int features,
                              int classes, Batch batch) {

        /** The model without its weights, in the shape every other test model has. */
        public TestModel model() {
            return new TestModel(onnx, sampleShape, classes, batch);
        }

        /** W[f, k]. */
        public float weight(int feature, int clazz) {
            return weights[feature * classes + clazz];
        }

        /**
         * The exact output for one sample {@code x} (flattened {@code [C, D1..Dk]} row-major), computed
         * in double: {@code out[k] = b[k] + sum_f x[f] W[f, k]}.
         */
        public double[] expected(float[] x) {
            if (x.length != features) {
                throw new IllegalArgumentException("sample has " + x.length + " elements, the model takes " + features);
            }
            double[] out = new double[classes];
            for (int k = 0; k < classes; k++) {
                out[k] = bias[k];
            }
            for (int f = 0; f < features; f++) {
                double xf = x[f];
                int row = f * classes;
                for (int k = 0; k < classes; k++) {
                    out[k] += xf * weights[row + k];
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "LinearModel[sampleShape=" + Arrays.toString(sampleShape) + ", features=" + features
                    + ", classes=" + classes + ", batch=" + batch + "]";
        }
    }

    private TestModels() {
    }

    // ------------------------------------------------------------------------------------ linear

    /** {@link #linear(int, int[], int, long, Batch)} with a dynamic batch. */
    public static LinearModel linear(int channels, int[] spatial, int classes, long seed) {
        return linear(channels, spatial, classes, seed, Batch.DYNAMIC);
    }

    /**
     * Input {@code [N, C, D1..Dk]} (k = 1..3) -> Flatten -> MatMul W {@code [F, K]} -> Add b {@code [K]}
     * -> logits {@code [N, K]}. W ~ U(-1, 1)/sqrt(F) and b ~ U(-0.5, 0.5), so outputs stay O(1) for
     * inputs in [0, 1].
     */
    public static LinearModel linear(int channels, int[] spatial, int classes, long seed, Batch batch) {
        positive(channels, "channels");
        positive(classes, "classes");
        Objects.requireNonNull(spatial, "spatial");
        if (spatial.length < 1 || spatial.length > 3) {
            throw new IllegalArgumentException("spatial must have 1 to 3 dimensions, got " + spatial.length);
        }
        long[] sample = new long[spatial.length + 1];
        sample[0] = channels;
        long f = channels;
        for (int i = 0; i < spatial.length; i++) {
            positive(spatial[i], "spatial[" + i + "]");
            sample[i + 1] = spatial[i];
            f *= spatial[i];
        }
        int features = Math.toIntExact(f);
        SplitMix64 rng = new SplitMix64(seed);
        float scale = (float) (1.0 / Math.sqrt(features));
        float[] w = new float[Math.multiplyExact(features, classes)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.uniform(-1f, 1f) * scale;
        }
        float[] b = rng.uniformArray(classes, -0.5f, 0.5f);

        OnnxGraphBuilder g = new OnnxGraphBuilder("linear")
                .docString("occlusion4j test model: linear, seed " + seed)
                .input(INPUT, inputDims(batch, sample))
                .floatInitializer("W", new long[] {features, classes}, w)
                .floatInitializer("b", new long[] {classes}, b)
                .node("Flatten").name("flatten").inputs(INPUT).outputs("flat").intAttr("axis", 1).add()
                .node("MatMul").name("matmul").inputs("flat", "W").outputs("xw").add()
                .node("Add").name("add_bias").inputs("xw", "b").outputs(OUTPUT).add()
                .output(OUTPUT, outputDims(batch, classes));
        return new LinearModel(g.toBytes(), sample, w, b, features, classes, batch);
    }

    // --------------------------------------------------------------------------------- small CNN

    /** {@link #smallCnn(int, int, int, int, long, Batch)} with a dynamic batch. */
    public static TestModel smallCnn(int channels, int height, int width, int classes, long seed) {
        return smallCnn(channels, height, width, classes, seed, Batch.DYNAMIC);
    }

    /**
     * Input {@code [N, C, H, W]} -> Conv(C->8, 3x3, pad 1) + Relu -> MaxPool 2x2/2 -> Conv(8->16, 3x3,
     * pad 1) + Relu -> GlobalAveragePool -> Flatten -> Gemm(16->K) -> logits. He-initialised; H and W
     * must be at least 2.
     */
    public static TestModel smallCnn(int channels, int height, int width, int classes, long seed, Batch batch) {
        positive(channels, "channels");
        positive(classes, "classes");
        atLeast(height, 2, "height");
        atLeast(width, 2, "width");
        long[] sample = {channels, height, width};
        Net net = new Net("small_cnn", seed, batch, sample);
        String x = net.conv("conv1", INPUT, channels, 8, new int[] {3, 3}, new int[] {1, 1}, 1, true);
        x = net.relu("relu1", x);
        x = net.maxPool("pool1", x, new int[] {2, 2}, new int[] {2, 2}, 0);
        x = net.conv("conv2", x, 8, 16, new int[] {3, 3}, new int[] {1, 1}, 1, true);
        x = net.relu("relu2", x);
        net.head(x, 16, classes, 1.0f);
        return new TestModel(net.g.toBytes(), sample, classes, batch);
    }

    // ------------------------------------------------------------------------------------ 3-D CNN

    /** {@link #cnn3d(int, int, int, int, int, long, Batch)} with a dynamic batch. */
    public static TestModel cnn3d(int channels, int frames, int height, int width, int classes, long seed) {
        return cnn3d(channels, frames, height, width, classes, seed, Batch.DYNAMIC);
    }

    /**
     * Input {@code [N, C, T, H, W]} -> Conv(C->8, 3x3x3, pad 1) + Relu -> MaxPool 2x2x2/2 -> Conv(8->16,
     * 3x3x3, pad 1) + Relu -> GlobalAveragePool -> Flatten -> Gemm(16->K) -> logits. T, H and W must be
     * at least 2.
     */
    public static TestModel cnn3d(int channels, int frames, int height, int width, int classes, long seed,
                                  Batch batch) {
        positive(channels, "channels");
        positive(classes, "classes");
        atLeast(frames, 2, "frames");
        atLeast(height, 2, "height");
        atLeast(width, 2, "width");
        long[] sample = {channels, frames, height, width};
        Net net = new Net("cnn3d", seed, batch, sample);
        int[] k3 = {3, 3, 3};
        int[] s1 = {1, 1, 1};
        String x = net.conv("conv1", INPUT, channels, 8, k3, s1, 1, true);
        x = net.relu("relu1", x);
        x = net.maxPool("pool1", x, new int[] {2, 2, 2}, new int[] {2, 2, 2}, 0);
        x = net.conv("conv2", x, 8, 16, k3, s1, 1, true);
        x = net.relu("relu2", x);
        net.head(x, 16, classes, 1.0f);
        return new TestModel(net.g.toBytes(), sample, classes, batch);
    }

    // ---------------------------------------------------------------------------------- ResNet-18

    /** ResNet-18 for {@code [N, 3, 224, 224]} with a dynamic batch, serialized (about 47 MB for 1000 classes). */
    public static TestModel resnet18(int classes, long seed) {
        return resnet18(classes, seed, Batch.DYNAMIC);
    }

    /** ResNet-18 for {@code [N, 3, 224, 224]}, serialized. */
    public static TestModel resnet18(int classes, long seed, Batch batch) {
        return new TestModel(resnet18Proto(classes, 224, 224, seed, batch).toByteArray(),
                new long[] {3, 224, 224}, classes, batch);
    }

    /** Writes ResNet-18 for {@code [N, 3, 224, 224]} with a dynamic batch to {@code file}; returns its absolute path. */
    public static Path writeResNet18(Path file, int classes, long seed) {
        return writeResNet18(file, classes, seed, Batch.DYNAMIC);
    }

    /** Writes ResNet-18 for {@code [N, 3, 224, 224]} to {@code file}; returns its absolute path. */
    public static Path writeResNet18(Path file, int classes, long seed, Batch batch) {
        return OnnxGraphBuilder.writeModel(resnet18Proto(classes, 224, 224, seed, batch), file);
    }

    /**
     * The ResNet-18 graph (torchvision's layout) for inputs {@code [N, 3, height, width]}: conv 7x7/2
     * (no bias) + BatchNormalization + Relu + MaxPool 3x3/2 pad 1; four stages of two BasicBlocks
     * (64, 128, 256, 512 channels; stages 2-4 start with stride 2 and a 1x1/2 conv + BN downsample);
     * residual Add + Relu; GlobalAveragePool, Flatten, Gemm to {@code classes}. BatchNormalization
     * nodes are kept (not folded), with seeded scale, bias, mean and variance. Height and width must
     * be at least 32.
     */
    public static ModelProto resnet18Proto(int classes, int height, int width, long seed, Batch batch) {
        positive(classes, "classes");
        atLeast(height, 32, "height");
        atLeast(width, 32, "width");
        long[] sample = {3, height, width};
        Net net = new Net("resnet18", seed, batch, sample);
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        int[] s2 = {2, 2};

        String x = net.conv("conv1", INPUT, 3, 64, new int[] {7, 7}, s2, 3, false);
        x = net.batchNorm("bn1", x, 64, 0.5f, 1.0f);
        x = net.relu("relu", x);
        x = net.maxPool("maxpool", x, new int[] {3, 3}, s2, 1);

        int[] widths = {64, 128, 256, 512};
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int out = widths[stage];
            for (int block = 0; block < 2; block++) {
                String p = "layer" + (stage + 1) + "." + block + ".";
                boolean down = block == 0 && stage > 0;
                int[] stride = down ? s2 : s1;
                String identity = x;
                String y = net.conv(p + "conv1", x, in, out, k3, stride, 1, false);
                y = net.batchNorm(p + "bn1", y, out, 0.5f, 1.0f);
                y = net.relu(p + "relu1", y);
                y = net.conv(p + "conv2", y, out, out, k3, s1, 1, false);
                // A smaller scale on the block's last BN keeps the residual sum's growth in check.
                y = net.batchNorm(p + "bn2", y, out, 0.2f, 0.5f);
                if (down) {
                    identity = net.conv(p + "downsample.0", x, in, out, new int[] {1, 1}, s2, 0, false);
                    identity = net.batchNorm(p + "downsample.1", identity, out, 0.5f, 1.0f);
                }
                y = net.add(p + "add", y, identity);
                x = net.relu(p + "relu2", y);
                in = out;
            }
        }
        net.head(x, 512, classes, 4.0f);
        return net.g.build();
    }

    // ---------------------------------------------------------------------------------- internals

    static List<Dim> inputDims(Batch batch, long[] sample) {
        List<Dim> dims = new ArrayList<>(sample.length + 1);
        dims.add(batchDim(batch));
        for (long d : sample) {
            dims.add(Dim.of(d));
        }
        return dims;
    }

    static List<Dim> outputDims(Batch batch, int classes) {
        return List.of(batchDim(batch), Dim.of(classes));
    }

    private static Dim batchDim(Batch batch) {
        return switch (Objects.requireNonNull(batch, "batch")) {
            case DYNAMIC -> Dim.sym(BATCH_SYMBOL);
            case FIXED_ONE -> Dim.of(1);
        };
    }

    private static void positive(int v, String what) {
        atLeast(v, 1, what);
    }

    private static void atLeast(int v, int min, String what) {
        if (v < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + v);
        }
    }

    /** A graph under construction plus the generator its weights come from. */
    /**
     * Writes a BatchNormalization (inference form) on {@code x} with gamma ~ U(gammaLo, gammaHi) and mild random
     * statistics drawn from {@code rng}; returns its output's name. Shared by the test-model generators of this package.
     */
    static String batchNorm(OnnxGraphBuilder g, SplitMix64 rng, String name, String x, int c, float gammaLo, float gammaHi) {
        g.floatInitializer(name + ".weight", new long[] {c}, rng.uniformArray(c, gammaLo, gammaHi));
        g.floatInitializer(name + ".bias", new long[] {c}, rng.uniformArray(c, -0.1f, 0.1f));
        g.floatInitializer(name + ".running_mean", new long[] {c}, rng.uniformArray(c, -0.1f, 0.1f));
        g.floatInitializer(name + ".running_var", new long[] {c}, rng.uniformArray(c, 0.5f, 1.5f));
        g.node("BatchNormalization").name(name)
                .inputs(x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var")
                .outputs(name + ".out")
                .floatAttr("epsilon", 1e-5f)
                .floatAttr("momentum", 0.9f)
                .add();
        return name + ".out";
    }

    private static final class Net {
        final OnnxGraphBuilder g;
        final SplitMix64 rng;
        final Batch batch;

        Net(String name, long seed, Batch batch, long[] sample) {
            this.rng = new SplitMix64(seed);
            this.batch = batch;
            this.g = new OnnxGraphBuilder(name)
                    .docString("occlusion4j test model: " + name + ", seed " + seed)
                    .input(INPUT, inputDims(batch, sample));
        }

        /** Conv with He-uniform weights (bound sqrt(6 / fan_in)); bias, if any, U(-0.1, 0.1). */
        String conv(String name, String x, int cin, int cout, int[] kernel, int[] strides, int pad, boolean bias) {
            long[] wDims = new long[2 + kernel.length];
            wDims[0] = cout;
            wDims[1] = cin;
            int fanIn = cin;
            for (int i = 0; i < kernel.length; i++) {
                wDims[2 + i] = kernel[i];
                fanIn *= kernel[i];
            }
            float bound = (float) Math.sqrt(6.0 / fanIn);
            float[] w = rng.uniformArray(cout * fanIn, -bound, bound);
            g.floatInitializer(name + ".weight", wDims, w);
            long[] pads = new long[2 * kernel.length];
            Arrays.fill(pads, pad);
            OnnxGraphBuilder.NodeBuilder node = g.node("Conv").name(name).outputs(name + ".out")
                    .intsAttr("kernel_shape", toLongs(kernel))
                    .intsAttr("strides", toLongs(strides))
                    .intsAttr("pads", pads)
                    .intsAttr("dilations", ones(kernel.length))
                    .intAttr("group", 1);
            if (bias) {
                g.floatInitializer(name + ".bias", new long[] {cout}, rng.uniformArray(cout, -0.1f, 0.1f));
                node.inputs(x, name + ".weight", name + ".bias");
            } else {
                node.inputs(x, name + ".weight");
            }
            node.add();
            return name + ".out";
        }

        /** BatchNormalization (inference form) with gamma ~ U(gammaLo, gammaHi) and mild random statistics. */
        String batchNorm(String name, String x, int c, float gammaLo, float gammaHi) {
            return TestModels.batchNorm(g, rng, name, x, c, gammaLo, gammaHi);
        }

        String relu(String name, String x) {
            g.node("Relu").name(name).inputs(x).outputs(name + ".out").add();
            return name + ".out";
        }

        String add(String name, String a, String b) {
            g.node("Add").name(name).inputs(a, b).outputs(name + ".out").add();
            return name + ".out";
        }

        String maxPool(String name, String x, int[] kernel, int[] strides, int pad) {
            long[] pads = new long[2 * kernel.length];
            Arrays.fill(pads, pad);
            g.node("MaxPool").name(name).inputs(x).outputs(name + ".out")
                    .intsAttr("kernel_shape", toLongs(kernel))
                    .intsAttr("strides", toLongs(strides))
                    .intsAttr("pads", pads)
                    .add();
            return name + ".out";
        }

        /**
         * GlobalAveragePool -> Flatten -> Gemm (B transposed, {@code [K, features]}) -> {@value #OUTPUT}.
         * Gemm weights ~ U(-1, 1) * gain / sqrt(features), bias ~ U(-0.1, 0.1).
         */
        void head(String x, int features, int classes, float gain) {
            g.node("GlobalAveragePool").name("avgpool").inputs(x).outputs("avgpool.out").add();
            g.node("Flatten").name("flatten").inputs("avgpool.out").outputs("flatten.out").intAttr("axis", 1).add();
            float bound = (float) (gain / Math.sqrt(features));
            g.floatInitializer("fc.weight", new long[] {classes, features},
                    rng.uniformArray(classes * features, -bound, bound));
            g.floatInitializer("fc.bias", new long[] {classes}, rng.uniformArray(classes, -0.1f, 0.1f));
            g.node("Gemm").name("fc").inputs("flatten.out", "fc.weight", "fc.bias").outputs(OUTPUT)
                    .floatAttr("alpha", 1.0f)
                    .floatAttr("beta", 1.0f)
                    .intAttr("transB", 1)
                    .add();
            g.output(OUTPUT, outputDims(batch, classes));
        }

        private static long[] toLongs(int[] a) {
            long[] r = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = a[i];
            }
            return r;
        }

        private static long[] ones(int n) {
            long[] r = new long[n];
            Arrays.fill(r, 1);
            return r;
        }
    }
}
