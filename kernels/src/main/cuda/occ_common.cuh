// Shared by every kernel: the geometry of a run (spatial shape padded to three axes, window grid, edge
// policy), grid-stride loop bounds, Java-exact helpers (max, noise, float->half). Compiles under nvcc,
// NVRTC and g++ (through host_compat.h); no system header is needed on the device side.
#ifndef OCC_COMMON_CUH
#define OCC_COMMON_CUH

#if !defined(__CUDACC__)
#include "host_compat.h"
#endif

#define OCC_DEVICE static __device__ __forceinline__

// Edge policies, in the order of io.occlusion4j.Edge.
#define OCC_EDGE_CROP 0
#define OCC_EDGE_INSIDE 1
#define OCC_EDGE_SHIFT 2

// Fill modes of the variant writer.
#define OCC_FILL_VALUES 0   // one raw value per channel (constant, per-channel constant, channel mean)
#define OCC_FILL_TENSOR 1   // a raw tensor [C, S] (blur, baseline, precomputed noise)
#define OCC_FILL_NOISE 2    // counter-based noise computed in place
#define OCC_FILL_SOFT 3     // the input times MONAI's soft window mask

// Score transforms, in the order of io.occlusion4j.Score.
#define OCC_SCORE_RAW 0
#define OCC_SCORE_SOFTMAX 1
#define OCC_SCORE_SIGMOID 2

/**
 * The run's geometry (16 ints). A 2-D input is padded to 3-D with a leading axis of
 * size 1 (window 1, stride 1, one grid position), which changes no index and no arithmetic result.
 */
struct OccGeom {
    int dims[3];     // spatial shape D0..D2
    int window[3];   // window per axis
    int stride[3];   // stride per axis
    int grid[3];     // window positions per axis
    int edge;        // OCC_EDGE_*
    int channels;    // C
    int rank;        // 2 or 3: the axes that really exist (blur and the soft mask loop over them)
    int flags;       // bit 0: channels last (NHWC), bit 1: fp16 output, bit 2: per-channel windows
};

/**
 * Kernels take the geometry as 16 int parameters (the launch packer passes scalars and pointers only)
 * and rebuild the struct first thing.
 */
#define OCC_GEOM_PARAMS int g_d0, int g_d1, int g_d2, int g_w0, int g_w1, int g_w2, int g_s0, int g_s1, int g_s2, \
        int g_g0, int g_g1, int g_g2, int g_edge, int g_channels, int g_rank, int g_flags
#define OCC_GEOM_UNPACK(name) const OccGeom name = {{g_d0, g_d1, g_d2}, {g_w0, g_w1, g_w2}, {g_s0, g_s1, g_s2}, \
        {g_g0, g_g1, g_g2}, g_edge, g_channels, g_rank, g_flags}

#define OCC_FLAG_CHANNELS_LAST 1
#define OCC_FLAG_HALF 2
#define OCC_FLAG_PER_CHANNEL 4

OCC_DEVICE long long occ_thread_id() {
    return (long long) blockIdx.x * blockDim.x + threadIdx.x;
}

OCC_DEVICE long long occ_thread_count() {
    return (long long) gridDim.x * blockDim.x;
}

OCC_DEVICE long long occ_spatial_size(const OccGeom& g) {
    return (long long) g.dims[0] * g.dims[1] * g.dims[2];
}

OCC_DEVICE long long occ_grid_count(const OccGeom& g) {
    return (long long) g.grid[0] * g.grid[1] * g.grid[2];
}

/** Start and covered extent of the i-th window along one axis, as io.occlusion4j.WindowGrid builds them. */
OCC_DEVICE void occ_axis_window(const OccGeom& g, int axis, int i, int* start, int* extent) {
    int s = i * g.stride[axis];
    int span = g.dims[axis] - g.window[axis];
    if (g.edge == OCC_EDGE_SHIFT && s > span) {
        s = span;
    }
    int room = g.dims[axis] - s;
    *start = s;
    *extent = g.window[axis] < room ? g.window[axis] : room;
}

/** Region of window number w (per-channel windows: c * gridCount + position); channel -1 = all. */
OCC_DEVICE void occ_window_region(const OccGeom& g, long long w, int* channel, int start[3], int extent[3]) {
    long long count = occ_grid_count(g);
    long long position = w;
    *channel = -1;
    if (g.flags & OCC_FLAG_PER_CHANNEL) {
        *channel = (int) (w / count);
        position = w % count;
    }
    for (int d = 2; d >= 0; d--) {
        int i = (int) (position % g.grid[d]);
        position /= g.grid[d];
        occ_axis_window(g, d, i, &start[d], &extent[d]);
    }
}

OCC_DEVICE bool occ_inside(const int start[3], const int extent[3], int z, int y, int x) {
    return z >= start[0] && z < start[0] + extent[0] && y >= start[1] && y < start[1] + extent[1]
            && x >= start[2] && x < start[2] + extent[2];
}

OCC_DEVICE float occ_negative_infinity() {
    return __uint_as_float(0xff800000u);
}

OCC_DEVICE bool occ_isfinite(float v) {
    return (__float_as_uint(v) & 0x7f800000u) != 0x7f800000u;
}

/** Java's Math.max(float, float): NaN wins, +0 beats -0. */
OCC_DEVICE float occ_jmax(float a, float b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == 0.0f && b == 0.0f) {
        return (__float_as_uint(a) & 0x80000000u) ? b : a;
    }
    return a >= b ? a : b;
}

/** FillValues.noiseAt: splitmix64 of seed + (index+1) * golden, top 24 bits as a float in [0,1). */
OCC_DEVICE float occ_noise_at(unsigned long long seed, long long index, float low, float high) {
    unsigned long long z = seed + (unsigned long long) (index + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z = z ^ (z >> 31);
    float u = (float) (z >> 40) * 5.9604644775390625e-8f; // 2^-24
    return low + (high - low) * u;
}

/** Round-to-nearest-even float -> half bits, identical to __float2half_rn. */
OCC_DEVICE unsigned short occ_float_to_half(float v) {
#if defined(__CUDA_ARCH__)
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
    return h;
#else
    unsigned int x = __float_as_uint(v);
    unsigned int sign = (x >> 16) & 0x8000u;
    unsigned int absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) {
        return (unsigned short) (sign | 0x7fffu);
    }
    unsigned int e = absx >> 23;
    if (e >= 143) {
        return (unsigned short) (sign | 0x7c00u);
    }
    unsigned int q;
    unsigned int rem;
    unsigned int half;
    if (e >= 113) {
        q = ((e - 112) << 10) | ((absx & 0x7fffffu) >> 13);
        rem = absx & 0x1fffu;
        half = 0x1000u;
    } else {
        if (e < 102) {
            return (unsigned short) sign;
        }
        unsigned int m = (absx & 0x7fffffu) | 0x800000u;
        int shift = 126 - (int) e;
        q = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
    }
    if (rem > half || (rem == half && (q & 1u))) {
        q++;
    }
    return (unsigned short) (sign | q);
#endif
}

#endif
