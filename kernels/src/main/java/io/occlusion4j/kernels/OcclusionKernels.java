// Typed launchers for every occlusion kernel, compiled once per device by NVRTC (cached on disk).
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaFunction;
import io.occlusion4j.cuda.CudaModule;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import io.occlusion4j.cuda.Dim3;
import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.cuda.NvrtcCompiler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The kernels of {@code src/main/cuda} loaded into one module. Compiled for {@code sm_90} on Hopper and
 * for the device's own architecture elsewhere, with {@code --fmad=false} so every product rounds as in
 * the Java reference. Launchers take typed arguments and a stream; all kernels use grid-stride loops,
 * so the launch shape never changes a result. Launches are asynchronous: a kernel's error surfaces at
 * the next synchronisation of its stream.
 */
public final class OcclusionKernels implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OcclusionKernels.class.getName());
    /** NVRTC options; part of the cache key. */
    public static final List<String> OPTIONS = List.of("--fmad=false", "-std=c++17");
    static final int BLOCK = 256;

    private static final Kind P = Kind.POINTER;
    private static final Kind I = Kind.I32;
    private static final Kind L = Kind.I64;
    private static final Kind F = Kind.F32;
    private static final Kind D = Kind.F64;

    private final CudaModule module;
    private final String architecture;
    private final int maxBlocks;
    private final CudaFunction channelMean;
    private final CudaFunction gaussWeights;
    private final CudaFunction blurAxis;
    private final CudaFunction noise;
    private final CudaFunction softMask;
    private final CudaFunction writeFull;
    private final CudaFunction writeNext;
    private final CudaFunction scoreRows;
    private final CudaFunction scoreGather;
    private final CudaFunction nonfiniteFlag;
    private final CudaFunction coveringTables;
    private final CudaFunction pixelMap;
    private final CudaFunction copyWords;

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
        return java.util.Collections.unmodifiableMap(m);
    }

    private static CudaFunction function(CudaModule module, String name) {
        return module.function(name, SIGNATURES.get(name));
    }

    private OcclusionKernels(CudaModule module, String architecture, int multiprocessors) {
        this.module = module;
        this.architecture = architecture;
        this.maxBlocks = Math.max(1, multiprocessors) * 16;
        channelMean = function(module, "occ_channel_mean");
        gaussWeights = function(module, "occ_gauss_weights");
        blurAxis = function(module, "occ_blur_axis");
        noise = function(module, "occ_noise");
        softMask = function(module, "occ_soft_mask");
        writeFull = function(module, "occ_write_full");
        writeNext = function(module, "occ_write_next");
        scoreRows = function(module, "occ_score_rows");
        scoreGather = function(module, "occ_score_gather");
        nonfiniteFlag = function(module, "occ_nonfinite_flag");
        coveringTables = function(module, "occ_covering_tables");
        pixelMap = function(module, "occ_pixel_map");
        copyWords = function(module, "occ_copy_words");
    }

    /** Compiles (or takes from the cache) and loads the kernels for the context's device. */
    public static OcclusionKernels load(CudaContext context, NvrtcCompiler compiler) {
        String arch = architectureFor(context.device().computeCapabilityMajor(), context.device().architecture());
        NvrtcCompiler.Compiled compiled = compiler.compile("occlusion4j_kernels.cu", KernelSources.program(), arch,
                OPTIONS, NvrtcCompiler.Output.CUBIN);
        if (Boolean.getBoolean("occlusion4j.debug")) {
            LOG.info(() -> "kernels for " + arch + (compiled.fromCache() ? " from the NVRTC cache" : " compiled by NVRTC")
                    + ", key " + compiled.key() + (compiled.log().isEmpty() ? "" : "\n" + compiled.log()));
        }
        CudaModule module = context.loadModule(compiled.image());
        try {
            return new OcclusionKernels(module, arch, context.device().multiprocessorCount());
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /** {@code sm_90} on Hopper (compute capability 9.x), the device's own architecture elsewhere. */
    public static String architectureFor(int major, String deviceArchitecture) {
        return major == 9 ? "sm_90" : deviceArchitecture;
    }

    public String architecture() {
        return architecture;
    }

    // ---- fill preparation

    public void channelMean(CudaStream stream, DeviceBuffer x, int channels, long size, DeviceBuffer means) {
        launch(channelMean, channels, stream, KernelArgs.create().pointer(x).i32(channels).i64(size).pointer(means));
    }

    /** Radius of the blur kernel for {@code sigma}: {@code max(1, ceil(3 sigma))}, as FillValues. */
    public static int blurRadius(double sigma) {
        return Math.max(1, (int) Math.ceil(3 * sigma));
    }

    public void gaussWeights(CudaStream stream, double sigma, DeviceBuffer weights) {
        int radius = blurRadius(sigma);
        requireBytes(weights, 4L * (2 * radius + 1), "blur weights");
        launch(gaussWeights, 1, stream, KernelArgs.create().f64(sigma).i32(radius).pointer(weights));
    }

    /**
     * Separable blur of {@code x} ({@code [C, D...]}) into {@code out}, one pass per real axis (axis 0
     * first), ping-ponging through {@code scratch}; {@code weights} from {@link #gaussWeights}.
     */
    public void blur(CudaStream stream, KernelGeometry g, DeviceBuffer x, DeviceBuffer scratch, DeviceBuffer out,
                     DeviceBuffer weights, double sigma) {
        int radius = blurRadius(sigma);
        int[] spatial = g.spatial();
        long size = g.spatialSize();
        int k = spatial.length;
        DeviceBuffer src = x;
        for (int axis = 0; axis < k; axis++) {
            // The last pass lands in out; earlier ones alternate so that it does.
            DeviceBuffer dst = ((k - 1 - axis) % 2 == 0) ? out : scratch;
            long inner = 1;
            for (int d = axis + 1; d < k; d++) {
                inner *= spatial[d];
            }
            long outer = size / (spatial[axis] * inner);
            launch(blurAxis, g.channels() * size, stream, KernelArgs.create().pointer(src).pointer(dst).i32(g.channels())
                    .i64(size).i64(outer).i32(spatial[axis]).i64(inner).pointer(weights).i32(radius));
            src = dst;
        }
    }

    public void noise(CudaStream stream, long seed, float low, float high, long count, DeviceBuffer out) {
        requireBytes(out, 4 * count, "noise");
        launch(noise, count, stream, KernelArgs.create().i64(seed).f32(low).f32(high).i64(count).pointer(out));
    }

    public void softMask(CudaStream stream, KernelGeometry g, double sigma, DeviceBuffer mask) {
        long volume = 1;
        for (int w : g.window()) {
            volume *= w;
        }
        requireBytes(mask, 4 * volume, "soft window mask");
        launch(softMask, volume, stream, geom(g).f64(sigma).pointer(mask));
    }

    // ---- the variant writer

    /**
     * Writes slots {@code [0, slots)} of {@code out} whole: slot s holds the variant of window
     * {@code first + s} when {@code s < n}, else the unoccluded sample.
     */
    public void writeFull(CudaStream stream, KernelGeometry g, int slots, int n, long first, DeviceBuffer x,
                          DeviceFill fill, DeviceBuffer mean, DeviceBuffer scale, DeviceBuffer out) {
        requireBytes(out, slots * g.sampleElements() * g.elementBytes(), "batch buffer");
        KernelArgs args = geom(g).i32(slots).i32(n).i64(first);
        launch(writeFull, slots * g.sampleElements(), stream, writerTail(args, x, fill, mean, scale, out));
    }

    /**
     * Moves slots {@code [0, n)} from windows {@code previous + s} to windows {@code first + s}, touching
     * only the two window regions of each slot.
     */
    public void writeNext(CudaStream stream, KernelGeometry g, int n, long previous, long first, DeviceBuffer x,
                          DeviceFill fill, DeviceBuffer mean, DeviceBuffer scale, DeviceBuffer out) {
        requireBytes(out, n * g.sampleElements() * g.elementBytes(), "batch buffer");
        long volume = 1;
        for (int w : g.window()) {
            volume *= w;
        }
        long items = (long) n * 2 * (g.perChannel() ? 1 : g.channels()) * volume;
        KernelArgs args = geom(g).i32(n).i64(previous).i64(first);
        launch(writeNext, items, stream, writerTail(args, x, fill, mean, scale, out));
    }

    private static KernelArgs writerTail(KernelArgs args, DeviceBuffer x, DeviceFill fill, DeviceBuffer mean,
                                         DeviceBuffer scale, DeviceBuffer out) {
        args.pointer(x).i32(fill.mode().ordinal());
        orNull(args, fill.values());
        orNull(args, fill.tensor());
        orNull(args, fill.mask());
        return args.i64(fill.seed()).f32(fill.low()).f32(fill.high()).pointer(mean).pointer(scale).pointer(out);
    }

    // ---- scores

    /** All scores of rows {@code [0, rows)} of {@code outputs} ({@code [rows, K]}) into {@code dst}. */
    public void scoreRows(CudaStream stream, DeviceBuffer outputs, int rows, int outputsPerRow, int group,
                          ScoreTransform score, boolean reduceMax, DeviceBuffer dst) {
        checkGroup(outputsPerRow, group);
        long items = (long) rows * (reduceMax ? 1 : outputsPerRow);
        launch(scoreRows, items, stream, KernelArgs.create().pointer(outputs).i32(rows).i32(outputsPerRow).i32(group)
                .i32(score.ordinal()).i32(reduceMax ? 1 : 0).pointer(dst));
    }

    /**
     * {@code gridMap[t * windows + first + row] = baseScores[targets[t]] - score(row, targets[t])} for rows
     * {@code [0, rows)}.
     */
    public void scoreGather(CudaStream stream, DeviceBuffer outputs, int rows, int outputsPerRow, int group,
                            ScoreTransform score, boolean reduceMax, DeviceBuffer targets, int targetCount,
                            DeviceBuffer baseScores, long first, long windows, DeviceBuffer gridMap) {
        checkGroup(outputsPerRow, group);
        launch(scoreGather, (long) rows * targetCount, stream, KernelArgs.create().pointer(outputs).i32(rows)
                .i32(outputsPerRow).i32(group).i32(score.ordinal()).i32(reduceMax ? 1 : 0).pointer(targets)
                .i32(targetCount).pointer(baseScores).i64(first).i64(windows).pointer(gridMap));
    }

    /** Lowers {@code firstBad} (one int, start at {@link Integer#MAX_VALUE}) to the first window with a NaN/Inf output. */
    public void nonfiniteFlag(CudaStream stream, DeviceBuffer outputs, int rows, int outputsPerRow, int first,
                              DeviceBuffer firstBad) {
        long count = (long) rows * outputsPerRow;
        launch(nonfiniteFlag, count, stream, KernelArgs.create().pointer(outputs).i64(count).i32(outputsPerRow).i32(first)
                .pointer(firstBad));
    }

    // ---- pixel map

    /** Ints per covering table: {@code D0 + D1 + D2} of the padded shape. */
    public static int coveringTableLength(KernelGeometry g) {
        int[] p = g.packed();
        return p[0] + p[1] + p[2];
    }

    public void coveringTables(CudaStream stream, KernelGeometry g, DeviceBuffer lo, DeviceBuffer hi) {
        launch(coveringTables, coveringTableLength(g), stream, geom(g).pointer(lo).pointer(hi));
    }

    /** {@code gridMap [T, mapChannels, G...]} to {@code pixel [T, mapChannels, D...]}. */
    public void pixelMap(CudaStream stream, KernelGeometry g, DeviceBuffer gridMap, int mapChannels, int targetCount,
                         DeviceBuffer lo, DeviceBuffer hi, DeviceBuffer pixel) {
        long items = (long) targetCount * mapChannels * g.spatialSize();
        requireBytes(pixel, 4 * items, "pixel map");
        launch(pixelMap, items, stream, geom(g).pointer(gridMap).i32(mapChannels).i32(targetCount).pointer(lo)
                .pointer(hi).pointer(pixel));
    }

    /** Copies {@code count} 32-bit words from word {@code from} of {@code source} to word {@code to} of {@code target}. */
    public void copyWords(CudaStream stream, DeviceBuffer source, long from, DeviceBuffer target, long to, long count) {
        if (4 * (from + count) > source.byteSize() || 4 * (to + count) > target.byteSize()) {
            throw new IndexOutOfBoundsException("copy of " + count + " words from " + from + " to " + to + " outside "
                    + source.byteSize() + " / " + target.byteSize() + " bytes");
        }
        launch(copyWords, count, stream, KernelArgs.create().pointer(source, 4 * from).pointer(target, 4 * to).i64(count));
    }

    // ---- plumbing

    private void launch(CudaFunction f, long items, CudaStream stream, KernelArgs args) {
        if (items <= 0) {
            return;
        }
        int blocks = (int) Math.min(maxBlocks, (items + BLOCK - 1) / BLOCK);
        f.launch(Dim3.of(blocks), Dim3.of(BLOCK), 0, stream, args);
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

    private static void orNull(KernelArgs args, DeviceBuffer buffer) {
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

    private static void requireBytes(DeviceBuffer b, long bytes, String what) {
        if (b.byteSize() < bytes) {
            throw new IllegalArgumentException(what + " needs " + bytes + " bytes, the buffer has " + b.byteSize());
        }
    }

    @Override
    public void close() {
        for (CudaFunction f : List.of(channelMean, gaussWeights, blurAxis, noise, softMask, writeFull, writeNext, scoreRows,
                scoreGather, nonfiniteFlag, coveringTables, pixelMap, copyWords)) {
            f.close();
        }
        module.close();
    }
}
