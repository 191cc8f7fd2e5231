// The variant writer: B occluded copies of the normalised input in the model's input buffer. The first
// batch is a full write; later batches rewrite only the two window regions of each slot (restore the
// previous window from the input, fill the next). Each output element is a pure function of (slot,
// element), computed once per launch, so overlapping windows never race. Fill in raw space, then
// (v - mean[c]) * scale[c] exactly as io.occlusion4j.core.VariantWriter / InputTransform do.
#include "occ_common.cuh"

struct OccFill {
    int mode;                    // OCC_FILL_*
    const float* values;         // OCC_FILL_VALUES: [C]
    const float* tensor;         // OCC_FILL_TENSOR: [C, S]
    const float* mask;           // OCC_FILL_SOFT: [w0, w1, w2]
    unsigned long long seed;     // OCC_FILL_NOISE
    float low;
    float high;
};

OCC_DEVICE float occ_raw_fill(const OccGeom& g, const OccFill& f, const float* x, int c, long long p, long long size,
                              const int start[3], int z, int y, int xx) {
    switch (f.mode) {
        case OCC_FILL_VALUES:
            return f.values[c];
        case OCC_FILL_TENSOR:
            return f.tensor[c * size + p];
        case OCC_FILL_NOISE:
            return occ_noise_at(f.seed, c * size + p, f.low, f.high);
        default: {
            long long m = ((long long) (z - start[0]) * g.window[1] + (y - start[1])) * g.window[2] + (xx - start[2]);
            return x[c * size + p] * f.mask[m];
        }
    }
}

OCC_DEVICE void occ_store(const OccGeom& g, void* out, long long index, float v) {
    if (g.flags & OCC_FLAG_HALF) {
        ((unsigned short*) out)[index] = occ_float_to_half(v);
    } else {
        ((float*) out)[index] = v;
    }
}

OCC_DEVICE long long occ_out_index(const OccGeom& g, long long slot, int c, long long p, long long size) {
    long long sample = (long long) g.channels * size;
    return slot * sample + ((g.flags & OCC_FLAG_CHANNELS_LAST) ? p * g.channels + c : c * size + p);
}

/**
 * Full write of slots [0, slots): slot s holds the variant of window first + s when s < n, else the
 * unoccluded input. Elements are visited in output order (coalesced for both layouts).
 */
extern "C" __global__ void occ_write_full(OCC_GEOM_PARAMS, int slots, int n, long long first, const float* __restrict__ x,
                                          int fillMode, const float* fillValues, const float* fillTensor,
                                          const float* softMask, unsigned long long seed, float low, float high,
                                          const float* __restrict__ mean, const float* __restrict__ scale,
                                          void* __restrict__ out) {
    OCC_GEOM_UNPACK(g);
    OccFill f = {fillMode, fillValues, fillTensor, softMask, seed, low, high};
    long long size = occ_spatial_size(g);
    long long sample = (long long) g.channels * size;
    long long total = (long long) slots * sample;
    bool last = (g.flags & OCC_FLAG_CHANNELS_LAST) != 0;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long slot = e / sample;
        long long r = e - slot * sample;
        int c;
        long long p;
        if (last) {
            p = r / g.channels;
            c = (int) (r - p * g.channels);
        } else {
            c = (int) (r / size);
            p = r - c * size;
        }
        int xx = (int) (p % g.dims[2]);
        int y = (int) ((p / g.dims[2]) % g.dims[1]);
        int z = (int) (p / ((long long) g.dims[2] * g.dims[1]));
        float v = x[c * size + p];
        if (slot < n) {
            int channel;
            int start[3];
            int extent[3];
            occ_window_region(g, first + slot, &channel, start, extent);
            if ((channel < 0 || channel == c) && occ_inside(start, extent, z, y, xx)) {
                v = occ_raw_fill(g, f, x, c, p, size, start, z, y, xx);
            }
        }
        occ_store(g, out, e, (v - mean[c]) * scale[c]);
    }
}

/**
 * Incremental write of slots [0, n), each holding the variant of window previous + s: work items cover
 * (slot, region, channel, window offset); region 0 restores the previous window where the next one does
 * not cover, region 1 fills the next window. Offsets past a cropped window's extent do nothing.
 */
extern "C" __global__ void occ_write_next(OCC_GEOM_PARAMS, int n, long long previous, long long first,
                                          const float* __restrict__ x, int fillMode, const float* fillValues,
                                          const float* fillTensor, const float* softMask, unsigned long long seed,
                                          float low, float high, const float* __restrict__ mean,
                                          const float* __restrict__ scale, void* __restrict__ out) {
    OCC_GEOM_UNPACK(g);
    OccFill f = {fillMode, fillValues, fillTensor, softMask, seed, low, high};
    long long size = occ_spatial_size(g);
    int cc = (g.flags & OCC_FLAG_PER_CHANNEL) ? 1 : g.channels;
    long long volume = (long long) g.window[0] * g.window[1] * g.window[2];
    long long perRegion = cc * volume;
    long long total = (long long) n * 2 * perRegion;
    bool last = (g.flags & OCC_FLAG_CHANNELS_LAST) != 0;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long slot = e / (2 * perRegion);
        long long r = e - slot * 2 * perRegion;
        int region = (int) (r / perRegion);
        r -= region * perRegion;
        int cl;
        long long off;
        if (last) {
            off = r / cc;
            cl = (int) (r - off * cc);
        } else {
            cl = (int) (r / volume);
            off = r - cl * volume;
        }
        int ox = (int) (off % g.window[2]);
        int oy = (int) ((off / g.window[2]) % g.window[1]);
        int oz = (int) (off / ((long long) g.window[2] * g.window[1]));
        int newChannel;
        int newStart[3];
        int newExtent[3];
        occ_window_region(g, first + slot, &newChannel, newStart, newExtent);
        int channel;
        int start[3];
        int extent[3];
        if (region == 0) {
            occ_window_region(g, previous + slot, &channel, start, extent);
        } else {
            channel = newChannel;
            for (int d = 0; d < 3; d++) {
                start[d] = newStart[d];
                extent[d] = newExtent[d];
            }
        }
        if (oz >= extent[0] || oy >= extent[1] || ox >= extent[2]) {
            continue;
        }
        int c = channel < 0 ? cl : channel;
        int z = start[0] + oz;
        int y = start[1] + oy;
        int xx = start[2] + ox;
        long long p = ((long long) z * g.dims[1] + y) * g.dims[2] + xx;
        float v;
        if (region == 0) {
            if ((newChannel < 0 || newChannel == c) && occ_inside(newStart, newExtent, z, y, xx)) {
                continue;
            }
            v = x[c * size + p];
        } else {
            v = occ_raw_fill(g, f, x, c, p, size, start, z, y, xx);
        }
        occ_store(g, out, occ_out_index(g, slot, c, p, size), (v - mean[c]) * scale[c]);
    }
}
