// A plan's constant data on the device: every weight in one buffer, every launch's shape metadata in another.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.PlanLaunch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a plan (its own and those the lowering made, fp16 ones rounded and reordered for
 * {@code CUDNN_TENSOR_NHWC}) packed at 256-byte offsets into one device buffer, uploaded once in order on the
 * device's stream; {@link Meta} does the same for the launches' metadata.
 */
final class PlanWeights implements AutoCloseable {
    /** Device allocations are rounded up to this many bytes. */
    static final long ALIGN = 256;

    private final Device.Buffer buffer;
    private final Map<String, Long> offsets;

    private PlanWeights(Device.Buffer buffer, Map<String, Long> offsets) {
        this.buffer = buffer;
        this.offsets = offsets;
    }

    static PlanWeights upload(Device device, Plan plan, PlanLowering.Lowering lowering) {
        Map<String, TensorValue> all = new LinkedHashMap<>(plan.weights());
        all.putAll(lowering.extraWeights());
        Map<String, Long> offsets = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, TensorValue> e : all.entrySet()) {
            if (e.getValue().type() == DataType.FLOAT && e.getValue().size() > 0) {
                offsets.put(e.getKey(), size);
                size += align(4L * e.getValue().size());
            }
        }
        Map<String, short[]> halves = new LinkedHashMap<>();
        for (Map.Entry<String, HalfWeight> e : lowering.halfWeights().entrySet()) {
            short[] h = halfWeight(all.get(e.getValue().source()), e.getValue().channelsLast());
            halves.put(e.getKey(), h);
            offsets.put(e.getKey(), size);
            size += align(2L * Math.max(1, h.length));
        }
        Device.Buffer buffer = device.allocate(Math.max(ALIGN, size));
        try (Arena host = Arena.ofConfined()) {
            MemorySegment staging = host.allocate(Math.max(ALIGN, size), 64);
            for (Map.Entry<String, Long> e : offsets.entrySet()) {
                short[] h = halves.get(e.getKey());
                if (h != null) {
                    MemorySegment.copy(h, 0, staging, ValueLayout.JAVA_SHORT, e.getValue(), h.length);
                } else {
                    float[] v = all.get(e.getKey()).floats();
                    MemorySegment.copy(v, 0, staging, ValueLayout.JAVA_FLOAT, e.getValue(), v.length);
                }
            }
            device.upload(staging, buffer, 0);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return new PlanWeights(buffer, offsets);
    }

    /**
     * A weight as fp16 bits (round to nearest even); a filter {@code [K, C, spatial...]} reordered to
     * {@code [K, spatial..., C]} when {@code channelsLast}.
     */
    static short[] halfWeight(TensorValue w, boolean channelsLast) {
        float[] v = w.floats();
        short[] h = new short[v.length];
        long[] s = w.shape();
        if (!channelsLast || s.length < 3) {
            for (int i = 0; i < v.length; i++) {
                h[i] = Float.floatToFloat16(v[i]);
            }
            return h;
        }
        int k = (int) s[0];
        int c = (int) s[1];
        int spatial = v.length / Math.max(1, k * c);
        for (int o = 0; o < k; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < spatial; p++) {
                    h[(o * spatial + p) * c + ch] = Float.floatToFloat16(v[(o * c + ch) * spatial + p]);
                }
            }
        }
        return h;
    }

    Device.Buffer buffer() {
        return buffer;
    }

    /** The device address of weight {@code name}. */
    long address(String name) {
        Long at = offsets.get(name);
        if (at == null) {
            throw new IllegalStateException("weight '" + name + "' is not on the device");
        }
        return buffer.address() + at;
    }

    static Meta uploadMeta(Device device, List<PlanLaunch> launches) {
        Map<PlanLaunch, Long> offsets = new IdentityHashMap<>();
        long words = 0;
        for (PlanLaunch l : launches) {
            offsets.put(l, words);
            words += l.meta().length;
        }
        Device.Buffer buffer = device.allocate(Math.max(8, 8 * words));
        if (words > 0) {
            try (Arena host = Arena.ofConfined()) {
                MemorySegment staging = host.allocate(8 * words, 8);
                for (PlanLaunch l : launches) {
                    long[] m = l.meta();
                    MemorySegment.copy(m, 0, staging, ValueLayout.JAVA_LONG, 8 * offsets.get(l), m.length);
                }
                device.upload(staging, buffer, 0);
            } catch (RuntimeException e) {
                buffer.close();
                throw e;
            }
        }
        return new Meta(buffer, offsets);
    }

    /** Every launch's {@link PlanLaunch#meta()} on the device, at 8-byte words. */
    record Meta(Device.Buffer buffer, Map<PlanLaunch, Long> offsets) implements AutoCloseable {
        long address(PlanLaunch launch) {
            return buffer.address() + 8 * offsets.get(launch);
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    private static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
