// Fill preparation on the device, once per input: per-channel mean, the Gaussian kernel and one
// separable blur pass per axis, counter-based noise and MONAI's soft window mask. Each mirrors
// io.occlusion4j.core.FillValues operation for operation, so the results are bit-identical to it.
#include "occ_common.cuh"

/** Mean of each channel over its S elements, summed in order in double (one thread per channel). */
extern "C" __global__ void occ_channel_mean(const float* __restrict__ x, int channels, long long size,
                                            float* __restrict__ means) {
    for (long long c = occ_thread_id(); c < channels; c += occ_thread_count()) {
        const float* row = x + c * size;
        double sum = 0;
        for (long long p = 0; p < size; p++) {
            sum += row[p];
        }
        means[c] = (float) (sum / size);
    }
}

/** The normalised 1-D Gaussian of radius r (2r+1 taps), computed in double by one thread. */
extern "C" __global__ void occ_gauss_weights(double sigma, int radius, float* __restrict__ weights) {
    if (occ_thread_id() != 0) {
        return;
    }
    double sum = 0;
    for (int i = -radius; i <= radius; i++) {
        sum += exp(-0.5 * (i * i) / (sigma * sigma));
    }
    for (int i = -radius; i <= radius; i++) {
        weights[i + radius] = (float) (exp(-0.5 * (i * i) / (sigma * sigma)) / sum);
    }
}

/**
 * One blur pass along the axis of length len: the tensor is [channels, outer, len, inner]; edges are
 * replicated and products accumulate in float in tap order (no fused multiply-add: compile with
 * --fmad=false).
 */
extern "C" __global__ void occ_blur_axis(const float* __restrict__ src, float* __restrict__ dst, int channels,
                                         long long size, long long outer, int len, long long inner,
                                         const float* __restrict__ weights, int radius) {
    long long total = (long long) channels * size;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long c = e / size;
        long long r = e - c * size;
        long long in = r % inner;
        long long i = (r / inner) % len;
        long long o = r / (inner * len);
        const float* base = src + c * size + o * len * inner + in;
        float acc = 0.0f;
        for (int t = -radius; t <= radius; t++) {
            long long j = i + t;
            j = j < 0 ? 0 : (j > len - 1 ? len - 1 : j);
            acc += weights[t + radius] * base[j * inner];
        }
        dst[e] = acc;
    }
}

/** Noise for elements [0, count): the value depends only on (seed, index), never on the launch. */
extern "C" __global__ void occ_noise(unsigned long long seed, float low, float high, long long count,
                                     float* __restrict__ out) {
    for (long long i = occ_thread_id(); i < count; i += occ_thread_count()) {
        out[i] = occ_noise_at(seed, i, low, high);
    }
}

/**
 * MONAI's soft window over the window's offsets ([w0, w1, w2], row-major): (1 - g) / (1 - g_min), g a
 * Gaussian of peak 1 at offset w/2 with deviation sigma*w per axis. g_min is g at offset 0 on every axis
 * (the farthest from the centre), so each thread computes it alone and no reduction is needed.
 */
extern "C" __global__ void occ_soft_mask(OCC_GEOM_PARAMS, double sigma, float* __restrict__ mask) {
    OCC_GEOM_UNPACK(g);
    long long size = (long long) g.window[0] * g.window[1] * g.window[2];
    int first = 3 - g.rank;
    double ecorner = 0;
    for (int d = first; d < 3; d++) {
        double z = (0 - g.window[d] / 2) / (sigma * g.window[d]);
        ecorner += z * z;
    }
    double gmin = exp(-0.5 * ecorner);
    double range = 1 - gmin;
    for (long long p = occ_thread_id(); p < size; p += occ_thread_count()) {
        int idx[3];
        long long rest = p;
        for (int d = 2; d >= 0; d--) {
            idx[d] = (int) (rest % g.window[d]);
            rest /= g.window[d];
        }
        double e = 0;
        for (int d = first; d < 3; d++) {
            double z = (idx[d] - g.window[d] / 2) / (sigma * g.window[d]);
            e += z * z;
        }
        double gp = exp(-0.5 * e);
        mask[p] = range > 0 ? (float) ((1 - gp) / range) : 0.0f;
    }
}
