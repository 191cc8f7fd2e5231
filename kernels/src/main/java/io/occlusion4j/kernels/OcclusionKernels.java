// Typed launchers for every occlusion kernel, on a GPU stream or on the host build of the same kernels.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.DeviceMemory;
import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.KernelArgs.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of {@link KernelProgram#OCCLUSION} with typed arguments: each method checks its buffers' sizes,
 * packs the arguments in the order the {@code .cu} files declare them and hands the launch to a
 * {@link KernelLauncher} (a CUDA or the host build). Scores and edges are the kernels' own codes
 * ({@link #SCORE_RAW}..., {@link KernelGeometry#EDGE_CROP}...); the CUDA back end maps the engine's vocabulary
 * onto them. All kernels use grid-stride loops, so the launch shape never changes a result.
 */
public final class OcclusionKernels {
    /** {@code OCC_SCORE_RAW}: the model output as it is. */
    public static final int SCORE_RAW = 0;
    /** {@code OCC_SCORE_SOFTMAX}: softmax over the output's last axis. */
    public static final int SCORE_SOFTMAX = 1;
    /** {@code OCC_SCORE_SIGMOID}: the logistic function of each output. */
    public static final int SCORE_SIGMOID = 2;

    private static final Kind P = Kind.POINTER;
    private static final Kind I = Kind.I32;
    private static final Kind L = Kind.I64;
    private static final Kind F = Kind.F32;
    private static final Kind D = Kind.F64;

    /** Every kernel's parameter kinds, as declared in the .cu files ({@code OCC_GEOM_PARAMS}: 16 ints). */
    static final Map<String, Kind[]> SIGNATURES = signatures();

    private static Map<String, Kind[]> signatures() {
        Kind[] writerTail = {P, I, P, P, P, L, F, F, P, P, P};
        Map<String, Kind[]> m = new LinkedHashMap<>();
        m.put("occ_channel_mean", new Kind[] {P, I, L, P});
        m.put("occ_gauss_weights", new Kind[] {D, I, P});
        m.put("occ_blur_axis", new Kind[] {P, P, I, L, L, I, L, P, I});
        m.put("occ_noise", new Kind[] {L, F, F, L, P});
        m.put("occ_soft_mask", geom(D, P));
        m.put("occ_write_full", geom(concat(new Kind[] {I, I, L}, writerTail)));
        m.put("occ_write_next", geom(concat(new Kind[] {I, L, L}, writerTail)));
        m.put("occ_score_rows", new Kind[] {P, I, I, I, I, I, P});
        m.put("occ_score_gather", new Kind[] {P, I, I, I, I, I, P, I, P, L, L, P});
        m.put("occ_nonfinite_flag", new Kind[] {P, L, I, I, P});
        m.put("occ_covering_tables", geom(P, P));
        m.put("occ_pixel_map", geom(P, I, I, P, P, P));
        m.put("occ_copy_words", new Kind[] {P, P, L});
        return Collections.unmodifiableMap(m);
    }

    private final KernelLauncher launcher;

    /** Launchers over {@code launcher}, which must run {@link KernelProgram#OCCLUSION}. */
    public OcclusionKernels(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    // ---- fill preparation

    public void channelMean(DeviceMemory x, int channels, long size, DeviceMemory means) {
        launch("occ_channel_mean", channels, KernelArgs.create().pointer(x).i32(channels).i64(size).pointer(means));
    }

    /** Radius of the blur kernel for {@code sigma}: {@code max(1, ceil(3 sigma))}, as FillValues. */
    public static int blurRadius(double sigma) {
        return Math.max(1, (int) Math.ceil(3 * sigma));
    }

    public void gaussWeights(double sigma, DeviceMemory weights) {
        int radius = blurRadius(sigma);
        requireBytes(weights, 4L * (2 * radius + 1), "blur weights");
        launch("occ_gauss_weights", 1, KernelArgs.create().f64(sigma).i32(radius).pointer(weights));
    }

    /**
     * Separable blur of {@code x} ({@code [C, D...]}) into {@code out}, one pass per real axis (axis 0
     * first), ping-ponging through {@code scratch}; {@code weights} from {@link #gaussWeights}.
     */
    public void blur(KernelGeometry g, DeviceMemory x, DeviceMemory scratch, DeviceMemory out,
                     DeviceMemory weights, double sigma) {
        int radius = blurRadius(sigma);
        int[] spatial = g.spatial();
        long size = g.spatialSize();
        int k = spatial.length;
        DeviceMemory src = x;
        for (int axis = 0; axis < k; axis++) {
            // The last pass lands in out; earlier ones alternate so that it does.
            DeviceMemory dst = ((k - 1 - axis) % 2 == 0) ? out : scratch;
            long inner = 1;
            for (int d = axis + 1; d < k; d++) {
                inner *= spatial[d];
            }
            long outer = size / (spatial[axis] * inner);
            launch("occ_blur_axis", g.channels() * size, KernelArgs.create().pointer(src).pointer(dst).i32(g.channels())
                    .i64(size).i64(outer).i32(spatial[axis]).i64(inner).pointer(weights).i32(radius));
            src = dst;
        }
    }

    public void noise(long seed, float low, float high, long count, DeviceMemory out) {
        requireBytes(out, 4 * count, "noise");
        launch("occ_noise", count, KernelArgs.create().i64(seed).f32(low).f32(high).i64(count).pointer(out));
    }

    public void softMask(KernelGeometry g, double sigma, DeviceMemory mask) {
        long volume = 1;
        for (int w : g.window()) {
            volume *= w;
        }
        requireBytes(mask, 4 * volume, "soft window mask");
        launch("occ_soft_mask", volume, geom(g).f64(sigma).pointer(mask));
    }

    // ---- the variant writer

    /**
     * Writes slots {@code [0, slots)} of {@code out} whole: slot s holds the variant of window
     * {@code first + s} when {@code s < n}, else the unoccluded sample.
     */
    public void writeFull(KernelGeometry g, int slots, int n, long first, DeviceMemory x,
                          DeviceFill fill, DeviceMemory mean, DeviceMemory scale, DeviceMemory out) {
        requireBytes(out, slots * g.sampleElements() * g.elementBytes(), "batch buffer");
        KernelArgs args = geom(g).i32(slots).i32(n).i64(first);
        launch("occ_write_full", slots * g.sampleElements(), writerTail(args, x, fill, mean, scale, out));
    }

    /**
     * Moves slots {@code [0, n)} from windows {@code previous + s} to windows {@code first + s}, touching
     * only the two window regions of each slot.
     */
    public void writeNext(KernelGeometry g, int n, long previous, long first, DeviceMemory x,
                          DeviceFill fill, DeviceMemory mean, DeviceMemory scale, DeviceMemory out) {
        requireBytes(out, n * g.sampleElements() * g.elementBytes(), "batch buffer");
        long volume = 1;
        for (int w : g.window()) {
            volume *= w;
        }
        long items = (long) n * 2 * (g.perChannel() ? 1 : g.channels()) * volume;
        KernelArgs args = geom(g).i32(n).i64(previous).i64(first);
        launch("occ_write_next", items, writerTail(args, x, fill, mean, scale, out));
    }

    private static KernelArgs writerTail(KernelArgs args, DeviceMemory x, DeviceFill fill, DeviceMemory mean,
                                         DeviceMemory scale, DeviceMemory out) {
        args.pointer(x).i32(fill.mode().ordinal());
        orNull(args, fill.values());
        orNull(args, fill.tensor());
        orNull(args, fill.mask());
        return args.i64(fill.seed()).f32(fill.low()).f32(fill.high()).pointer(mean).pointer(scale).pointer(out);
    }

    // ---- scores

    /** All scores of rows {@code [0, rows)} of {@code outputs} ({@code [rows, K]}) into {@code dst}. */
    public void scoreRows(DeviceMemory outputs, int rows, int outputsPerRow, int group,
                          int score, boolean reduceMax, DeviceMemory dst) {
        checkGroup(outputsPerRow, group);
        long items = (long) rows * (reduceMax ? 1 : outputsPerRow);
        launch("occ_score_rows", items, KernelArgs.create().pointer(outputs).i32(rows).i32(outputsPerRow).i32(group)
                .i32(scoreCode(score)).i32(reduceMax ? 1 : 0).pointer(dst));
    }

    /**
     * {@code gridMap[t * windows + first + row] = baseScores[targets[t]] - score(row, targets[t])} for rows
     * {@code [0, rows)}.
     */
    public void scoreGather(DeviceMemory outputs, int rows, int outputsPerRow, int group,
                            int score, boolean reduceMax, DeviceMemory targets, int targetCount,
                            DeviceMemory baseScores, long first, long windows, DeviceMemory gridMap) {
        checkGroup(outputsPerRow, group);
        launch("occ_score_gather", (long) rows * targetCount, KernelArgs.create().pointer(outputs).i32(rows)
                .i32(outputsPerRow).i32(group).i32(scoreCode(score)).i32(reduceMax ? 1 : 0).pointer(targets)
                .i32(targetCount).pointer(baseScores).i64(first).i64(windows).pointer(gridMap));
    }

    /** Lowers {@code firstBad} (one int, start at {@link Integer#MAX_VALUE}) to the first window with a NaN/Inf output. */
    public void nonfiniteFlag(DeviceMemory outputs, int rows, int outputsPerRow, int first,
                              DeviceMemory firstBad) {
        long count = (long) rows * outputsPerRow;
        launch("occ_nonfinite_flag", count, KernelArgs.create().pointer(outputs).i64(count).i32(outputsPerRow).i32(first)
                .pointer(firstBad));
    }

    // ---- pixel map

    /** Ints per covering table: {@code D0 + D1 + D2} of the padded shape. */
    public static int coveringTableLength(KernelGeometry g) {
        int[] p = g.packed();
        return p[0] + p[1] + p[2];
    }

    public void coveringTables(KernelGeometry g, DeviceMemory lo, DeviceMemory hi) {
        launch("occ_covering_tables", coveringTableLength(g), geom(g).pointer(lo).pointer(hi));
    }

    /** {@code gridMap [T, mapChannels, G...]} to {@code pixel [T, mapChannels, D...]}. */
    public void pixelMap(KernelGeometry g, DeviceMemory gridMap, int mapChannels, int targetCount,
                         DeviceMemory lo, DeviceMemory hi, DeviceMemory pixel) {
        long items = (long) targetCount * mapChannels * g.spatialSize();
        requireBytes(pixel, 4 * items, "pixel map");
        launch("occ_pixel_map", items, geom(g).pointer(gridMap).i32(mapChannels).i32(targetCount).pointer(lo)
                .pointer(hi).pointer(pixel));
    }

    /** Copies {@code count} 32-bit words from word {@code from} of {@code source} to word {@code to} of {@code target}. */
    public void copyWords(DeviceMemory source, long from, DeviceMemory target, long to, long count) {
        if (4 * (from + count) > source.byteSize() || 4 * (to + count) > target.byteSize()) {
            throw new IndexOutOfBoundsException("copy of " + count + " words from " + from + " to " + to + " outside "
                    + source.byteSize() + " / " + target.byteSize() + " bytes");
        }
        launch("occ_copy_words", count, KernelArgs.create().pointer(source, 4 * from).pointer(target, 4 * to).i64(count));
    }

    // ---- plumbing

    private void launch(String kernel, long items, KernelArgs args) {
        launcher.launch(kernel, items, args);
    }

    private static int scoreCode(int score) {
        if (score < SCORE_RAW || score > SCORE_SIGMOID) {
            throw new IllegalArgumentException("score must be an OCC_SCORE_* code (0..2), got " + score);
        }
        return score;
    }

    private static KernelArgs geom(KernelGeometry g) {
        KernelArgs args = KernelArgs.create();
        for (int v : g.packed()) {
            args.i32(v);
        }
        return args;
    }

    private static Kind[] geom(Kind... tail) {
        List<Kind> kinds = new ArrayList<>(Collections.nCopies(16, Kind.I32));
        kinds.addAll(List.of(tail));
        return kinds.toArray(Kind[]::new);
    }

    private static Kind[] concat(Kind[] a, Kind[] b) {
        Kind[] out = new Kind[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void orNull(KernelArgs args, DeviceMemory buffer) {
        if (buffer == null) {
            args.address(0L);
        } else {
            args.pointer(buffer);
        }
    }

    private static void checkGroup(int outputsPerRow, int group) {
        if (group < 1 || outputsPerRow % group != 0) {
            throw new IllegalArgumentException("softmax groups of " + group + " do not divide " + outputsPerRow + " outputs");
        }
    }

    private static void requireBytes(DeviceMemory b, long bytes, String what) {
        if (b.byteSize() < bytes) {
            throw new IllegalArgumentException(what + " needs " + bytes + " bytes, the buffer has " + b.byteSize());
        }
    }
}
