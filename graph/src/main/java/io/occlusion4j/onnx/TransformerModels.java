package io.occlusion4j.onnx;

import io.occlusion4j.graph.Dim;
import io.occlusion4j.onnx.proto.TensorProto;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small random-weight models with the structure of the architectures people explain today, written as
 * torchvision's ONNX exports write them:
 * <ul>
 * <li>{@link #vitLike}: a vision transformer. Patch embedding (a strided Conv), the class token expanded to the
 *     batch through the shape sub-graph {@code class_token.expand(n, -1, -1)} exports ({@code Shape}, {@code Gather},
 *     {@code Concat}, {@code Equal}, {@code ConstantOfShape}, {@code Where}, {@code Expand}, with a {@code Mod} and a
 *     {@code Range} of constants), position embeddings, encoder blocks of LayerNormalization, multi-head attention
 *     (batched {@code MatMul}-{@code Softmax}-{@code MatMul}, q/k/v taken by {@code Gather} of a float tensor with a
 *     constant index) and an MLP whose GELU is the exact erf pattern ({@code Div}, {@code Erf}, {@code Add},
 *     {@code Mul}, {@code Mul}), then {@code x[:, 0]} (a Gather) and a Gemm head. Opset 17.</li>
 * <li>{@link #convNextLike}: a ConvNeXt. A patchify stem, channels-last LayerNorms written out as
 *     {@code ReduceMean}/{@code Sub}/{@code Pow}/{@code ReduceMean}/{@code Add}/{@code Sqrt}/{@code Div}/{@code Mul}/
 *     {@code Add} (opset 13's export), blocks of a depthwise 7x7 Conv, Transpose, LayerNorm, Linear, GELU, Linear,
 *     layer scale, Transpose and the residual, a downsampling LayerNorm + Conv, then pooling, LayerNorm and the
 *     head. Opset 13.</li>
 * </ul>
 * LayerNorm gammas are near 1 and betas near 0 (what training leaves), so, unlike a BatchNorm with arbitrary
 * statistics, the normalisations keep the output responsive to the input; the tests assert that it is.
 */
public final class TransformerModels {
    private TransformerModels() {
    }

    /** A ViT on {@code [N, 3, 32, 32]}: patch 8 (16 patches + the class token), width 32, 2 heads, 10 classes. */
    public static TestModels.TestModel vitLike(int blocks, long seed) {
        Writer w = new Writer("vit_like", 17, seed);
        int d = 32;
        String x = w.conv("patch_embed", TestModels.INPUT, 3, d, 8, 8, 0, 1);
        String tokens = w.transpose("tokens", w.reshape("flat", x, 0, d, 16), 0, 2, 1); // [N, 16, D]
        String cls = w.expandClassToken(d);                                               // [N, 1, D]
        x = w.node("Concat", "cat", List.of(cls, tokens), 1);                             // [N, 17, D]
        x = w.add("pos", x, w.positionEmbedding(17, d));
        for (int b = 0; b < blocks; b++) {
            String p = "block" + b;
            String h = w.layerNorm(p + ".ln1", x, d, false);
            x = w.add(p + ".res1", x, w.attention(p + ".attn", h, 17, d, 2));
            h = w.layerNorm(p + ".ln2", x, d, false);
            h = w.linear(p + ".fc2", w.geluErf(p + ".gelu", w.linear(p + ".fc1", h, d, 2 * d)), 2 * d, d);
            x = w.add(p + ".res2", x, h);
        }
        x = w.layerNorm("ln", x, d, false);
        String first = w.constInts("cls_index", new long[0], 0);
        x = w.node("Gather", "cls_out", List.of(x, first), 1);                            // [N, D]
        w.gemmHead(x, d, 10);
        return new TestModels.TestModel(w.g.toBytes(), new long[] {3, 32, 32}, 10, TestModels.Batch.DYNAMIC);
    }

    /** A ConvNeXt on {@code [N, 3, 32, 32]}: stem 4x4/4 to 16 channels, a block, downsample to 32, a block, head. */
    public static TestModels.TestModel convNextLike(long seed) {
        Writer w = new Writer("convnext_like", 13, seed);
        String x = w.conv("stem", TestModels.INPUT, 3, 16, 4, 4, 0, 1);                 // [N, 16, 8, 8]
        x = w.layerNorm2d("stem.ln", x, 16);
        x = w.convNextBlock("stage0", x, 16);
        x = w.layerNorm2d("down.ln", x, 16);
        x = w.conv("down", x, 16, 32, 2, 2, 0, 1);                                        // [N, 32, 4, 4]
        x = w.convNextBlock("stage1", x, 32);
        x = w.node("GlobalAveragePool", "pool", List.of(x));
        x = w.node("Flatten", "flatten", List.of(x), 1);
        x = w.layerNorm("head.ln", x, 32, true);
        w.gemmHead(x, 32, 10);
        return new TestModels.TestModel(w.g.toBytes(), new long[] {3, 32, 32}, 10, TestModels.Batch.DYNAMIC);
    }

    /** Writes the nodes; names are unique per call site. */
    private static final class Writer {
        final OnnxGraphBuilder g;
        final SplittableRandom rng;

        Writer(String name, long opset, long seed) {
            g = new OnnxGraphBuilder(name).opset(opset);
            rng = new SplittableRandom(seed);
            g.input(TestModels.INPUT, List.of(Dim.sym(TestModels.BATCH_SYMBOL), Dim.of(3), Dim.of(32), Dim.of(32)));
        }

        float[] uniform(int n, double lo, double hi) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
            }
            return v;
        }

        String weight(String name, long[] dims, float bound) {
            int n = 1;
            for (long dim : dims) {
                n *= (int) dim;
            }
            g.floatInitializer(name, dims, uniform(n, -bound, bound));
            return name;
        }

        String constInts(String name, long[] dims, long... values) {
            g.int64Initializer(name, dims, values);
            return name;
        }

        String constFloat(String name, float value) {
            g.floatInitializer(name, new long[0], new float[] {value});
            return name;
        }

        String node(String op, String name, List<String> inputs) {
            g.node(op).name(name).inputs(inputs.toArray(String[]::new)).outputs(name + ".out").add();
            return name + ".out";
        }

        String node(String op, String name, List<String> inputs, long axis) {
            g.node(op).name(name).inputs(inputs.toArray(String[]::new)).outputs(name + ".out").intAttr("axis", axis)
                    .add();
            return name + ".out";
        }

        String add(String name, String a, String b) {
            return node("Add", name, List.of(a, b));
        }

        String mul(String name, String a, String b) {
            return node("Mul", name, List.of(a, b));
        }

        String conv(String name, String x, int cin, int cout, int kernel, int stride, int pad, int group) {
            float bound = (float) Math.sqrt(6.0 / (cin / group * kernel * kernel));
            weight(name + ".weight", new long[] {cout, cin / group, kernel, kernel}, bound);
            weight(name + ".bias", new long[] {cout}, 0.1f);
            g.node("Conv").name(name).inputs(x, name + ".weight", name + ".bias").outputs(name + ".out")
                    .intsAttr("kernel_shape", kernel, kernel).intsAttr("strides", stride, stride)
                    .intsAttr("pads", pad, pad, pad, pad).intAttr("group", group).add();
            return name + ".out";
        }

        String reshape(String name, String x, long... shape) {
            return node("Reshape", name, List.of(x, constInts(name + ".shape", new long[] {shape.length}, shape)));
        }

        String transpose(String name, String x, long... perm) {
            g.node("Transpose").name(name).inputs(x).outputs(name + ".out").intsAttr("perm", perm).add();
            return name + ".out";
        }

        /** {@code x @ W + b} with W {@code [in, out]} (a MatMul then an Add, as torch exports Linear on 3-D input). */
        String linear(String name, String x, int in, int out) {
            String w = weight(name + ".weight", new long[] {in, out}, (float) Math.sqrt(3.0 / in));
            String b = weight(name + ".bias", new long[] {out}, 0.1f);
            return add(name + ".add", node("MatMul", name, List.of(x, w)), b);
        }

        /** The class token {@code [1, 1, d]} expanded to {@code [N, 1, d]} the way torch exports expand(n, -1, -1). */
        String expandClassToken(int d) {
            String token = weight("class_token", new long[] {1, 1, d}, 0.5f);
            String shape = node("Shape", "in_shape", List.of(TestModels.INPUT));
            String n = node("Gather", "batch", List.of(shape, constInts("zero", new long[0], 0)), 0);
            n = node("Mod", "batch_mod", List.of(n, constInts("big", new long[0], 1L << 20)));
            n = node("Unsqueeze", "batch_1d", List.of(n, constInts("axes0", new long[] {1}, 0)));
            String target = node("Concat", "expand_shape", List.of(n, constInts("minus_ones", new long[] {2}, -1, -1)),
                    0);
            String isMinus = node("Equal", "is_minus_one", List.of(target, constInts("minus_one", new long[0], -1)));
            TensorProto one = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64.getNumber()).addDims(1)
                    .addInt64Data(1).build();
            String rank = node("Shape", "expand_rank", List.of(target));
            g.node("ConstantOfShape").name("ones").inputs(rank).outputs("ones.out").tensorAttr("value", one).add();
            String fixed = node("Where", "expand_fixed", List.of(isMinus, "ones.out", target));
            return node("Expand", "class_tokens", List.of(token, fixed));
        }

        /** Position embeddings gathered by a Range of constants: {@code table[range(0, n)]}, {@code [n, d]}. */
        String positionEmbedding(int n, int d) {
            String table = weight("pos_table", new long[] {n, d}, 0.5f);
            String range = node("Range", "positions", List.of(constInts("r0", new long[0], 0),
                    constInts("rn", new long[0], n), constInts("r1", new long[0], 1)));
            return node("Gather", "pos_embed", List.of(table, range), 0);
        }

        /** LayerNormalization over the last axis: the opset-17 operator, or (decomposed) opset 13's nine nodes. */
        String layerNorm(String name, String x, int d, boolean decomposed) {
            String gamma = name + ".weight";
            g.floatInitializer(gamma, new long[] {d}, uniform(d, 0.8, 1.2));
            String beta = weight(name + ".bias", new long[] {d}, 0.1f);
            if (!decomposed) {
                g.node("LayerNormalization").name(name).inputs(x, gamma, beta).outputs(name + ".out")
                        .intAttr("axis", -1).floatAttr("epsilon", 1e-6f).add();
                return name + ".out";
            }
            String mean = reduceMean(name + ".mean", x);
            String centred = node("Sub", name + ".sub", List.of(x, mean));
            String sq = node("Pow", name + ".pow", List.of(centred, constFloat(name + ".two", 2f)));
            String var = reduceMean(name + ".var", sq);
            String std = node("Sqrt", name + ".sqrt", List.of(add(name + ".eps", var, constFloat(name + ".epsilon",
                    1e-6f))));
            String normed = node("Div", name + ".div", List.of(centred, std));
            return add(name + ".shift", mul(name + ".scale", normed, gamma), beta);
        }

        String reduceMean(String name, String x) {
            g.node("ReduceMean").name(name).inputs(x).outputs(name + ".out").intsAttr("axes", -1).intAttr("keepdims", 1)
                    .add();
            return name + ".out";
        }

        /** LayerNorm over the channels of an NCHW tensor: to channels-last, normalise, back. */
        String layerNorm2d(String name, String x, int c) {
            String last = transpose(name + ".to_nhwc", x, 0, 2, 3, 1);
            return transpose(name + ".to_nchw", layerNorm(name, last, c, true), 0, 3, 1, 2);
        }

        /** The exact GELU as torch exports it: {@code x * (1 + erf(x / sqrt 2)) * 0.5}. */
        String geluErf(String name, String x) {
            String scaled = node("Div", name + ".div", List.of(x, constFloat(name + ".sqrt2", (float) Math.sqrt(2))));
            String erf = node("Erf", name + ".erf", List.of(scaled));
            String onePlus = add(name + ".add", erf, constFloat(name + ".one", 1f));
            return mul(name + ".half", mul(name + ".mul", x, onePlus), constFloat(name + ".half_c", 0.5f));
        }

        /** Multi-head self-attention on {@code [N, t, d]}: qkv, q/k/v by Gather, batched products, output projection. */
        String attention(String name, String x, int t, int d, int heads) {
            int hd = d / heads;
            String qkv = linear(name + ".qkv", x, d, 3 * d);
            String split = transpose(name + ".heads", reshape(name + ".split", qkv, 0, t, 3, heads, hd), 2, 0, 3, 1, 4);
            String q = node("Gather", name + ".q", List.of(split, constInts(name + ".i0", new long[0], 0)), 0);
            String k = node("Gather", name + ".k", List.of(split, constInts(name + ".i1", new long[0], 1)), 0);
            String v = node("Gather", name + ".v", List.of(split, constInts(name + ".i2", new long[0], 2)), 0);
            String scores = node("MatMul", name + ".scores", List.of(q, transpose(name + ".kt", k, 0, 1, 3, 2)));
            scores = mul(name + ".scale", scores, constFloat(name + ".scale_c", (float) (1 / Math.sqrt(hd))));
            String attn = node("Softmax", name + ".softmax", List.of(scores), -1);
            String ctx = node("MatMul", name + ".ctx", List.of(attn, v));
            String merged = reshape(name + ".merge", transpose(name + ".unheads", ctx, 0, 2, 1, 3), 0, t, d);
            return linear(name + ".proj", merged, d, d);
        }

        /** dwconv 7x7, channels-last LayerNorm, Linear 4x, GELU, Linear, layer scale, back to NCHW, residual. */
        String convNextBlock(String name, String x, int c) {
            String h = conv(name + ".dw", x, c, c, 7, 1, 3, c);
            h = layerNorm(name + ".ln", transpose(name + ".to_nhwc", h, 0, 2, 3, 1), c, true);
            h = linear(name + ".fc2", geluErf(name + ".gelu", linear(name + ".fc1", h, c, 4 * c)), 4 * c, c);
            g.floatInitializer(name + ".gamma", new long[] {c}, uniform(c, 0.5, 1.0));
            h = mul(name + ".layer_scale", h, name + ".gamma");
            return add(name + ".res", x, transpose(name + ".to_nchw", h, 0, 3, 1, 2));
        }

        void gemmHead(String x, int features, int classes) {
            weight("head.weight", new long[] {classes, features}, (float) (2 / Math.sqrt(features)));
            weight("head.bias", new long[] {classes}, 0.1f);
            g.node("Gemm").name("head").inputs(x, "head.weight", "head.bias").outputs(TestModels.OUTPUT)
                    .intAttr("transB", 1).add();
            g.output(TestModels.OUTPUT, List.of(Dim.sym(TestModels.BATCH_SYMBOL), Dim.of(classes)));
        }
    }
}
