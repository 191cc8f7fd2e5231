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

    /**
     * A Swin block on {@code [N, 3, 16, 16]}: patch 2 to an 8x8 grid of width 8, channels-last LayerNorm, a cyclic
     * shift (torch.roll: Slice + Concat), 4x4 window partition, window attention with a relative position bias
     * ({@code Gather} of a table by constant indices) and the shifted-window mask built from constants the way the
     * export builds it ({@code ConstantOfShape}, {@code ScatterND}, {@code Equal}, {@code Not}, {@code Where}), the
     * reverse shift, residual, pooling, LayerNorm and head. Opset 17.
     */
    public static TestModels.TestModel swinLike(long seed) {
        Writer w = new Writer("swin_like", 17, seed, 16);
        int c = 8;
        String x = w.transpose("to_nhwc", w.conv("patch_embed", TestModels.INPUT, 3, c, 2, 2, 0, 1), 0, 2, 3, 1);
        String h = w.roll("shift", w.layerNorm("ln1", x, c, false), 2);                  // [N, 8, 8, C]
        String windows = w.reshape("windows", w.transpose("partition", w.reshapeByBatch("grid", h, 2, 4, 2, 4, c),
                0, 1, 3, 2, 4, 5), -1, 16, c);                                             // [4N, 16, C]
        String attn = w.windowAttention("attn", windows, c);                              // [4N, 16, C]
        String back = w.transpose("unpartition", w.reshapeByBatch("ungrid", attn, 2, 2, 4, 4, c), 0, 1, 3, 2, 4, 5);
        h = w.roll("unshift", w.reshapeByBatch("merged", back, 8, 8, c), 6);
        x = w.add("res", x, h);
        w.g.node("ReduceMean").name("pool").inputs(x).outputs("pool.out").intsAttr("axes", 1, 2).intAttr("keepdims", 0)
                .add();
        w.gemmHead(w.layerNorm("ln", "pool.out", c, false), c, 10);
        return new TestModels.TestModel(w.g.toBytes(), new long[] {3, 16, 16}, 10, TestModels.Batch.DYNAMIC);
    }

    /** Writes the nodes; names are unique per call site. */
    private static final class Writer {
        final OnnxGraphBuilder g;
        final SplittableRandom rng;

        Writer(String name, long opset, long seed) {
            this(name, opset, seed, 32);
        }

        Writer(String name, long opset, long seed, int size) {
            g = new OnnxGraphBuilder(name).opset(opset);
            rng = new SplittableRandom(seed);
            g.input(TestModels.INPUT, List.of(Dim.sym(TestModels.BATCH_SYMBOL), Dim.of(3), Dim.of(size), Dim.of(size)));
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

        /** Reshape to {@code [N, dims...]} with N read from the input's shape (Shape, Gather, Unsqueeze, Concat). */
        String reshapeByBatch(String name, String x, long... dims) {
            String shape = node("Shape", name + ".in_shape", List.of(TestModels.INPUT));
            String n = node("Gather", name + ".n", List.of(shape, constInts(name + ".zero", new long[] {1}, 0)), 0);
            String target = node("Concat", name + ".target", List.of(n, constInts(name + ".dims",
                    new long[] {dims.length}, dims)), 0);
            return node("Reshape", name, List.of(x, target));
        }

        /** torch.roll of a [N, H, W, C] tensor by {@code k} along H and W: two Slices and a Concat per axis. */
        String roll(String name, String x, long k) {
            for (long axis = 1; axis <= 2; axis++) {
                String p = name + ".axis" + axis;
                String ax = constInts(p + ".axes", new long[] {1}, axis);
                String tail = node("Slice", p + ".tail", List.of(x, constInts(p + ".s0", new long[] {1}, k),
                        constInts(p + ".e0", new long[] {1}, Long.MAX_VALUE), ax));
                String head = node("Slice", p + ".head", List.of(x, constInts(p + ".s1", new long[] {1}, 0),
                        constInts(p + ".e1", new long[] {1}, k), ax));
                x = node("Concat", p + ".cat", List.of(tail, head), axis);
            }
            return x;
        }

        /** One-head attention inside each 4x4 window, with a relative position bias and the shifted-window mask. */
        String windowAttention(String name, String x, int c) {
            String qkv = linear(name + ".qkv", x, c, 3 * c);
            String split = transpose(name + ".split", reshape(name + ".r", qkv, -1, 16, 3, c), 2, 0, 1, 3);
            String q = node("Gather", name + ".q", List.of(split, constInts(name + ".i0", new long[0], 0)), 0);
            String k = node("Gather", name + ".k", List.of(split, constInts(name + ".i1", new long[0], 1)), 0);
            String v = node("Gather", name + ".v", List.of(split, constInts(name + ".i2", new long[0], 2)), 0);
            String scores = node("MatMul", name + ".scores", List.of(q, transpose(name + ".kt", k, 0, 2, 1)));
            scores = mul(name + ".scale", scores, constFloat(name + ".scale_c", (float) (1 / Math.sqrt(c))));
            scores = add(name + ".bias", scores, relativeBias(name + ".rel"));
            String masked = add(name + ".mask", reshapeByBatch(name + ".per_image", scores, 4, 16, 16),
                    shiftMask(name + ".shift_mask"));
            String attn = node("Softmax", name + ".softmax", List.of(reshape(name + ".flat", masked, -1, 16, 16)), -1);
            return linear(name + ".proj", node("MatMul", name + ".ctx", List.of(attn, v)), c, c);
        }

        /** {@code table[index]} reshaped to [16, 16]: the bias of each pair of positions in a 4x4 window. */
        String relativeBias(String name) {
            String table = weight(name + ".table", new long[] {49}, 0.5f);
            long[] index = new long[256];
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    index[i * 16 + j] = (i / 4 - j / 4 + 3) * 7 + (i % 4 - j % 4 + 3);
                }
            }
            String gathered = node("Gather", name, List.of(table, constInts(name + ".index", new long[] {256}, index)), 0);
            return reshape(name + ".square", gathered, 16, 16);
        }

        /** The mask of the shifted windows, [4, 16, 16]: 0 within a region, -100 across, built from constants. */
        String shiftMask(String name) {
            TensorProto zero = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT.getNumber()).addDims(1)
                    .addFloatData(0f).build();
            g.node("ConstantOfShape").name(name + ".zeros").inputs(constInts(name + ".shape", new long[] {4}, 1, 8, 8, 1))
                    .outputs(name + ".zeros.out").tensorAttr("value", zero).add();
            long[] idx = new long[64 * 4];
            float[] region = new float[64];
            for (int hh = 0; hh < 8; hh++) {
                for (int ww = 0; ww < 8; ww++) {
                    int r = hh * 8 + ww;
                    idx[4 * r + 1] = hh;
                    idx[4 * r + 2] = ww;
                    region[r] = (hh < 4 ? 0 : hh < 6 ? 1 : 2) * 3 + (ww < 4 ? 0 : ww < 6 ? 1 : 2);
                }
            }
            g.floatInitializer(name + ".regions", new long[] {64}, region);
            String img = node("ScatterND", name + ".img", List.of(name + ".zeros.out",
                    constInts(name + ".idx", new long[] {64, 4}, idx), name + ".regions"));
            String win = reshape(name + ".windows", transpose(name + ".part", reshape(name + ".grid", img, 1, 2, 4, 2, 4,
                    1), 0, 1, 3, 2, 4, 5), 4, 16);
            String diff = node("Sub", name + ".diff", List.of(node("Unsqueeze", name + ".u1", List.of(win,
                    constInts(name + ".a1", new long[] {1}, 1))), node("Unsqueeze", name + ".u2", List.of(win,
                    constInts(name + ".a2", new long[] {1}, 2)))));
            String same = node("Equal", name + ".same", List.of(diff, constFloat(name + ".zero", 0f)));
            String apart = node("Not", name + ".apart", List.of(same));
            return node("Where", name, List.of(apart, constFloat(name + ".minus", -100f), constFloat(name + ".none", 0f)));
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
