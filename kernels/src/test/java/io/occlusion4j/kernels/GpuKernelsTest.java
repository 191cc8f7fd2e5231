// Every kernel on the GPU against the engine's Java reference, outputs poisoned, inputs fresh and random.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.core.FillValues;
import io.occlusion4j.core.Reductions;
import io.occlusion4j.core.Scoring;
import io.occlusion4j.core.VariantWriter;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Skipped, with the reason, where no GPU is usable. FP32 results are expected bit for bit (--fmad=false). */
class GpuKernelsTest {
    private static final int POISON = 0x7fc0dead;
    private static CudaContext context;
    private static ModuleLauncher launcher;
    private static OcclusionKernels kernels;
    private static CudaStream stream;
    private final Random rnd = RandomCase.seeded(GpuKernelsTest.class);

    @BeforeAll
    static void open() {
        if (GpuSupport.unavailableReason() != null) {
            return;
        }
        context = GpuSupport.context();
        stream = context.createStream();
        launcher = ModuleLauncher.load(context, GpuSupport.compiler(), KernelProgram.OCCLUSION, stream);
        kernels = new OcclusionKernels(launcher);
    }

    @BeforeEach
    void requireGpu() {
        String reason = GpuSupport.unavailableReason();
        assumeTrue(reason == null, () -> "GPU kernel tests skipped: " + reason);
    }

    @AfterAll
    static void close() {
        if (stream != null) {
            launcher.close();
            stream.close();
            context.close();
        }
    }

    private static DeviceBuffer upload(float[] v) {
        DeviceBuffer b = context.allocate(4L * Math.max(1, v.length));
        if (v.length > 0) {
            b.upload(v, stream);
        }
        return b;
    }

    private static DeviceBuffer poisoned(long bytes) {
        DeviceBuffer b = context.allocate(Math.max(4, (bytes + 3) / 4 * 4));
        b.fill32Async(POISON, stream);
        return b;
    }

    private static short[] shorts(DeviceBuffer b, long n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(b.byteSize(), 16);
            b.download(host, 0, stream);
            return host.asSlice(0, 2 * n).toArray(ValueLayout.JAVA_SHORT);
        }
    }

    @Test
    void fillPreparationMatchesTheReference() {
        for (int trial = 0; trial < 10; trial++) {
            RandomCase c = RandomCase.draw(rnd, "blur", Edge.CROP);
            KernelGeometry g = c.geometry();
            double sigma = ((Fill.Blur) c.fill()).sigma();
            try (DeviceBuffer x = upload(c.x()); DeviceBuffer means = poisoned(4L * c.channels());
                 DeviceBuffer weights = poisoned(4L * (2 * OcclusionKernels.blurRadius(sigma) + 1));
                 DeviceBuffer scratch = poisoned(4L * c.x().length); DeviceBuffer blurred = poisoned(4L * c.x().length);
                 DeviceBuffer noise = poisoned(4L * c.x().length); DeviceBuffer mask = poisoned(4L * g.sampleElements())) {
                kernels.channelMean(x, c.channels(), g.spatialSize(), means);
                kernels.gaussWeights(sigma, weights);
                kernels.blur(g, x, scratch, blurred, weights, sigma);
                kernels.noise(42L + trial, -0.5f, 2f, c.x().length, noise);
                kernels.softMask(g, 0.25, mask);
                stream.synchronize();
                assertThat(Arrays.copyOf(means.toFloatArray(stream), c.channels()))
                        .containsExactly(FillValues.channelMeans(c.x(), c.channels(), c.spatialSize()));
                HostKernelsTest.assertClose(blurred.toFloatArray(stream), FillValues.blur(c.x(), c.channels(), c.grid().spatialShape(), sigma), c.toString());
                assertThat(noise.toFloatArray(stream)).containsExactly(FillValues.noise(42L + trial, -0.5f, 2f, c.x().length));
                float[] expectedMask = FillValues.softWindowMask(c.grid().window(), 0.25);
                HostKernelsTest.assertClose(Arrays.copyOf(mask.toFloatArray(stream), expectedMask.length), expectedMask, c.toString());
            }
        }
    }

    @Test
    void variantWriterMatchesTheReferenceForEveryFillAndEdge() {
        for (String fill : RandomCase.FILLS) {
            for (Edge edge : Edge.values()) {
                for (int trial = 0; trial < 4; trial++) {
                    checkWriter(RandomCase.draw(rnd, fill, edge));
                }
            }
        }
    }

    private void checkWriter(RandomCase c) {
        VariantWriter writer = new VariantWriter(c.x(), c.channels(), c.grid(), c.perChannel(), c.fill(), c.transform());
        KernelGeometry g = c.geometry();
        int windows = writer.count();
        int sample = writer.sampleSize();
        int batch = Math.min(c.batch(), windows);
        FloatBuffer reference = FloatBuffer.allocate(batch * sample);
        for (int s = 0; s < batch; s++) {
            writer.writeBase(reference, s);
        }
        float[] fillValues = new float[c.channels()];
        float[] fillTensor = new float[0];
        float[] mask = new float[0];
        DeviceFill.Mode mode;
        long seed = 0;
        float low = 0;
        float high = 0;
        switch (c.fill()) {
            case Fill.Constant k -> {
                mode = DeviceFill.Mode.VALUES;
                for (int i = 0; i < fillValues.length; i++) {
                    fillValues[i] = k.values()[k.values().length == 1 ? 0 : i];
                }
            }
            case Fill.Mean m -> {
                mode = DeviceFill.Mode.VALUES;
                fillValues = FillValues.channelMeans(c.x(), c.channels(), c.spatialSize());
            }
            case Fill.Noise n -> {
                mode = DeviceFill.Mode.NOISE;
                seed = n.seed();
                low = n.low();
                high = n.high();
            }
            case Fill.GaussianWindow s -> {
                mode = DeviceFill.Mode.SOFT_MASK;
                mask = FillValues.softWindowMask(c.grid().window(), s.sigma());
            }
            default -> {
                mode = DeviceFill.Mode.TENSOR;
                fillTensor = FillValues.staticFill(c.fill(), c.x(), c.channels(), c.grid().spatialShape());
            }
        }
        try (DeviceBuffer x = upload(c.x()); DeviceBuffer values = upload(fillValues); DeviceBuffer tensor = upload(fillTensor);
             DeviceBuffer maskBuffer = upload(mask); DeviceBuffer mean = upload(c.transform().mean());
             DeviceBuffer scale = upload(c.transform().scale());
             DeviceBuffer out = poisoned((long) batch * sample * g.elementBytes())) {
            DeviceFill fill = new DeviceFill(mode, values, tensor, maskBuffer, seed, low, high);
            int[] slotWindow = new int[batch];
            Arrays.fill(slotWindow, -1);
            for (int first = 0; first < windows; first += batch) {
                int n = Math.min(batch, windows - first);
                for (int s = 0; s < n; s++) {
                    if (slotWindow[s] >= 0) {
                        writer.restore(reference, s, slotWindow[s]);
                    }
                    writer.occlude(reference, s, first + s);
                    slotWindow[s] = first + s;
                }
                if (first == 0) {
                    kernels.writeFull(g, batch, n, 0, x, fill, mean, scale, out);
                } else {
                    kernels.writeNext(g, n, first - batch, first, x, fill, mean, scale, out);
                }
                stream.synchronize();
                if (c.half()) {
                    short[] got = shorts(out, (long) batch * sample);
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToFloat16(reference.get(i)), got[i], c + " element " + i);
                    }
                } else {
                    float[] got = out.toFloatArray(stream);
                    for (int i = 0; i < batch * sample; i++) {
                        assertEquals(reference.get(i), got[i], 0f, c + " batch at " + first + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void scoresGatherFlagAndPixelMapMatchTheReference() {
        for (Score score : Score.values()) {
            for (int trial = 0; trial < 10; trial++) {
                boolean reduceMax = rnd.nextInt(3) == 0;
                int group = 1 + rnd.nextInt(50);
                int k = group * (1 + rnd.nextInt(3));
                int rows = 1 + rnd.nextInt(64);
                float[] outputs = new float[rows * k];
                for (int i = 0; i < outputs.length; i++) {
                    outputs[i] = rnd.nextFloat() * 20 - 10;
                }
                Scoring scoring = new Scoring(score, reduceMax ? Reduce.MAX : Reduce.NONE, new int[] {k}, new int[] {group});
                int count = scoring.count();
                float[] expected = new float[rows * count];
                float[] row = new float[count];
                for (int r = 0; r < rows; r++) {
                    scoring.scores(new FloatBuffer[] {FloatBuffer.wrap(outputs)}, r, row);
                    System.arraycopy(row, 0, expected, r * count, count);
                }
                try (DeviceBuffer out = upload(outputs); DeviceBuffer dst = poisoned(4L * rows * count)) {
                    kernels.scoreRows(out, rows, k, group, RandomCase.scoreCode(score), reduceMax, dst);
                    stream.synchronize();
                    HostKernelsTest.assertClose(dst.toFloatArray(stream), expected, score + " K=" + k);
                }
            }
        }
        for (Edge edge : Edge.values()) {
            for (int trial = 0; trial < 10; trial++) {
                RandomCase c = RandomCase.draw(rnd, "constant", edge);
                KernelGeometry g = c.geometry();
                int mapChannels = c.perChannel() ? c.channels() : 1;
                float[] gridMap = new float[mapChannels * c.grid().count()];
                for (int i = 0; i < gridMap.length; i++) {
                    gridMap[i] = rnd.nextFloat() - 0.5f;
                }
                int table = OcclusionKernels.coveringTableLength(g);
                try (DeviceBuffer gm = upload(gridMap); DeviceBuffer lo = poisoned(4L * table); DeviceBuffer hi = poisoned(4L * table);
                     DeviceBuffer pixel = poisoned(4L * mapChannels * c.spatialSize())) {
                    kernels.coveringTables(g, lo, hi);
                    kernels.pixelMap(g, gm, mapChannels, 1, lo, hi, pixel);
                    stream.synchronize();
                    assertThat(pixel.toFloatArray(stream)).as(c.toString())
                            .containsExactly(Reductions.pixelMap(gridMap, c.grid(), mapChannels));
                }
            }
        }
        float[] outputs = new float[40];
        outputs[27] = Float.NaN;
        try (DeviceBuffer out = upload(outputs); DeviceBuffer flag = context.allocate(4)) {
            flag.fill32Async(Integer.MAX_VALUE, stream);
            kernels.nonfiniteFlag(out, 10, 4, 100, flag);
            stream.synchronize();
            assertEquals(106, Float.floatToRawIntBits(flag.toFloatArray(stream)[0]));
        }
    }
}
