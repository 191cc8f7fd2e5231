// The inference plan's own kernels: element-wise activations, broadcast binaries, strided copies (Transpose,
// Slice, Concat, Expand, bias rows), Pad, Softmax, mean/max reductions, N-d pooling and the fp32<->fp16
// casts. Each mirrors the arithmetic of the engine's reference executor (io.occlusion4j.graph) step for step,
// so the host build of this file matches it to float rounding. Shapes and strides travel in a small device
// array of long longs ("meta"), laid out per kernel as documented on each; ranks are at most OCC_PLAN_MAX_RANK.
#include "occ_common.cuh"

#define OCC_PLAN_MAX_RANK 8

// Unary operators of occ_plan_unary.
#define OCC_UNARY_RELU 0
#define OCC_UNARY_LEAKY_RELU 1   // a = alpha
#define OCC_UNARY_CLIP 2         // a = min, b = max
#define OCC_UNARY_SIGMOID 3
#define OCC_UNARY_HARD_SIGMOID 4 // a = alpha, b = beta
#define OCC_UNARY_HARD_SWISH 5
#define OCC_UNARY_TANH 6
#define OCC_UNARY_COPY 7
#define OCC_UNARY_ERF 8
#define OCC_UNARY_SQRT 9
#define OCC_UNARY_GELU 10        // exact: x * 0.5 * (1 + erf(x / sqrt 2))
#define OCC_UNARY_GELU_TANH 11   // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))

// Binary operators of occ_plan_binary.
#define OCC_BINARY_ADD 0
#define OCC_BINARY_SUB 1
#define OCC_BINARY_MUL 2
#define OCC_BINARY_DIV 3
#define OCC_BINARY_PRELU 4       // b is the slope
#define OCC_BINARY_POW 5

// Pad modes.
#define OCC_PAD_CONSTANT 0
#define OCC_PAD_EDGE 1
#define OCC_PAD_REFLECT 2

OCC_DEVICE float occ_plan_min(float a, float b) {
    return b < a ? b : a;
}

OCC_DEVICE float occ_plan_max(float a, float b) {
    return b > a ? b : a;
}

OCC_DEVICE float occ_plan_unary_op(int op, float v, float a, float b) {
    switch (op) {
        case OCC_UNARY_RELU:
            return v < 0.0f ? 0.0f : v;
        case OCC_UNARY_LEAKY_RELU:
            return v < 0.0f ? a * v : v;
        case OCC_UNARY_CLIP:
            return v != v ? v : occ_plan_min(occ_plan_max(v, a), b);
        case OCC_UNARY_SIGMOID:
            return (float) (1.0 / (1.0 + exp(-(double) v)));
        case OCC_UNARY_HARD_SIGMOID: {
            float t = a * v;
            t = t + b;
            return occ_plan_max(0.0f, occ_plan_min(1.0f, t));
        }
        case OCC_UNARY_HARD_SWISH: {
            float t = v / 6.0f;
            t = t + 0.5f;
            return v * occ_plan_max(0.0f, occ_plan_min(1.0f, t));
        }
        case OCC_UNARY_TANH:
            return (float) tanh((double) v);
        case OCC_UNARY_ERF:
            return (float) erf((double) v);
        case OCC_UNARY_SQRT:
            return (float) sqrt((double) v);
        case OCC_UNARY_GELU:
            return (float) ((double) v * 0.5 * (1.0 + erf((double) v / sqrt(2.0))));
        case OCC_UNARY_GELU_TANH: {
            double d = v;
            return (float) (0.5 * d * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (d + 0.044715 * d * d * d))));
        }
        default:
            return v;
    }
}

// ------------------------------------------------------------------------------------------------------------
// Two storages. fp32 tensors, and (in the FP16 mode) fp16 ones kept channels-last (NHWC) in the convolution
// regions where tensor cores pay. Most kernels below are one templated body instantiated for each storage:
// elements are loaded as float, computed in fp32 exactly as the reference executor does, and stored back
// (rounded to nearest even for fp16). Shapes and strides in the metadata of the fp16 kernels are in storage
// order: for an NHWC tensor the dims are {N, H, W, C}, so the broadcast and copy kernels stay layout-blind.

OCC_DEVICE float occ_half_to_float(unsigned short h) {
#if defined(__CUDA_ARCH__)
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
#else
    unsigned int sign = ((unsigned int) h & 0x8000u) << 16;
    unsigned int e = ((unsigned int) h >> 10) & 0x1fu;
    unsigned int m = (unsigned int) h & 0x3ffu;
    unsigned int bits;
    if (e == 0x1fu) {
        bits = sign | 0x7f800000u | (m << 13);
    } else if (e != 0) {
        bits = sign | ((e + 112u) << 23) | (m << 13);
    } else if (m == 0) {
        bits = sign;
    } else {
        // A subnormal half: normalise the mantissa.
        e = 113u;
        while ((m & 0x400u) == 0) {
            m <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
    return __uint_as_float(bits);
#endif
}

OCC_DEVICE float occ_plan_load(const float* p, long long i) {
    return p[i];
}

OCC_DEVICE float occ_plan_load(const unsigned short* p, long long i) {
    return occ_half_to_float(p[i]);
}

OCC_DEVICE void occ_plan_store(float* p, long long i, float v) {
    p[i] = v;
}

OCC_DEVICE void occ_plan_store(unsigned short* p, long long i, float v) {
    p[i] = occ_float_to_half(v);
}

/** One element from src[i] to dst[j]: bits as they are within a storage, converted across the two. */
OCC_DEVICE void occ_plan_move(const unsigned int* src, long long i, unsigned int* dst, long long j) {
    dst[j] = src[i];
}

OCC_DEVICE void occ_plan_move(const unsigned short* src, long long i, unsigned short* dst, long long j) {
    dst[j] = src[i];
}

OCC_DEVICE void occ_plan_move(const float* src, long long i, unsigned short* dst, long long j) {
    dst[j] = occ_float_to_half(src[i]);
}

OCC_DEVICE void occ_plan_move(const unsigned short* src, long long i, float* dst, long long j) {
    dst[j] = occ_half_to_float(src[i]);
}

template <typename TX, typename TY>
OCC_DEVICE void occ_plan_unary_body(const TX* x, TY* y, long long n, int op, float a, float b) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        occ_plan_store(y, i, occ_plan_unary_op(op, occ_plan_load(x, i), a, b));
    }
}

/** y[i] = op(x[i]) for i < n; y may be x. */
extern "C" __global__ void occ_plan_unary(const float* x, float* y, long long n, int op, float a, float b) {
    occ_plan_unary_body(x, y, n, op, a, b);
}

/** occ_plan_unary on fp16 storage. */
extern "C" __global__ void occ_plan_unary_h(const unsigned short* x, unsigned short* y, long long n, int op, float a,
                                            float b) {
    occ_plan_unary_body(x, y, n, op, a, b);
}

/**
 * The offsets of K broadcast operands for output element i: meta holds the output dims (rank values), then each
 * operand's element strides per output axis (rank values each, 0 along broadcast axes).
 */
template <int K>
OCC_DEVICE void occ_plan_broadcast_offsets(long long i, int rank, const long long* __restrict__ meta, long long* at) {
    for (int j = 0; j < K; j++) {
        at[j] = 0;
    }
    long long rem = i;
    for (int d = rank - 1; d >= 0; d--) {
        long long dim = meta[d];
        long long k = rem % dim;
        rem /= dim;
        for (int j = 0; j < K; j++) {
            at[j] += k * meta[(j + 1) * rank + d];
        }
    }
}

template <typename TA, typename TB, typename TY>
OCC_DEVICE void occ_plan_binary_body(const TA* a, const TB* b, TY* y, long long n, int op, int rank,
                                     const long long* __restrict__ meta) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        long long at[2];
        occ_plan_broadcast_offsets<2>(i, rank, meta, at);
        float u = occ_plan_load(a, at[0]);
        float v = occ_plan_load(b, at[1]);
        float r;
        switch (op) {
            case OCC_BINARY_ADD: r = u + v; break;
            case OCC_BINARY_SUB: r = u - v; break;
            case OCC_BINARY_MUL: r = u * v; break;
            case OCC_BINARY_DIV: r = u / v; break;
            case OCC_BINARY_POW: r = (float) pow((double) u, (double) v); break;
            default: r = u < 0.0f ? u * v : u; break;
        }
        occ_plan_store(y, i, r);
    }
}

/**
 * y = a op b with numpy broadcasting, n output elements. meta: outDims[rank], aStrides[rank], bStrides[rank]
 * (element strides, 0 along a broadcast axis).
 */
extern "C" __global__ void occ_plan_binary(const float* a, const float* b, float* y, long long n, int op, int rank,
                                           const long long* __restrict__ meta) {
    occ_plan_binary_body(a, b, y, n, op, rank, meta);
}

/**
 * Where with a float mask: y = c != 0 ? a : b, each operand broadcast; metadata: dims, then the strides of c, a and
 * b per axis (rank values each).
 */
extern "C" __global__ void occ_plan_where(const float* c, const float* a, const float* b, float* y, long long n,
                                          int rank, const long long* __restrict__ meta) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        long long at[3];
        occ_plan_broadcast_offsets<3>(i, rank, meta, at);
        y[i] = c[at[0]] != 0.0f ? a[at[1]] : b[at[2]];
    }
}

/** occ_plan_binary with fp16 a, b and y (same metadata, in storage order). */
extern "C" __global__ void occ_plan_binary_hh(const unsigned short* a, const unsigned short* b, unsigned short* y,
                                              long long n, int op, int rank, const long long* __restrict__ meta) {
    occ_plan_binary_body(a, b, y, n, op, rank, meta);
}

/** occ_plan_binary with fp16 a, fp32 b (a weight), fp16 y. */
extern "C" __global__ void occ_plan_binary_hf(const unsigned short* a, const float* b, unsigned short* y,
                                              long long n, int op, int rank, const long long* __restrict__ meta) {
    occ_plan_binary_body(a, b, y, n, op, rank, meta);
}

/** occ_plan_binary with fp32 a (a weight), fp16 b, fp16 y. */
extern "C" __global__ void occ_plan_binary_fh(const float* a, const unsigned short* b, unsigned short* y,
                                              long long n, int op, int rank, const long long* __restrict__ meta) {
    occ_plan_binary_body(a, b, y, n, op, rank, meta);
}

template <typename TS, typename TD>
OCC_DEVICE void occ_plan_copy_body(const TS* src, TD* dst, long long n, int rank, const long long* __restrict__ meta) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        long long rem = i;
        long long s = meta[3 * rank];
        long long t = meta[3 * rank + 1];
        for (int d = rank - 1; d >= 0; d--) {
            long long dim = meta[d];
            long long k = rem % dim;
            rem /= dim;
            s += k * meta[rank + d];
            t += k * meta[2 * rank + d];
        }
        occ_plan_move(src, s, dst, t);
    }
}

/**
 * Copies n 32-bit words: for every index (i0..i{r-1}) of dims, dst[dstBase + sum ik*dstStride_k] =
 * src[srcBase + sum ik*srcStride_k]. meta: dims[rank], srcStrides[rank], dstStrides[rank], srcBase, dstBase.
 * Transpose, Slice (any step sign), Concat (one launch per input) and broadcasting copies are all this.
 */
extern "C" __global__ void occ_plan_strided_copy(const unsigned int* src, unsigned int* dst, long long n, int rank,
                                                 const long long* __restrict__ meta) {
    occ_plan_copy_body(src, dst, n, rank, meta);
}

/** occ_plan_strided_copy on 16-bit elements (same metadata): Concat of fp16 NHWC tensors. */
extern "C" __global__ void occ_plan_strided_copy_h(const unsigned short* src, unsigned short* dst, long long n, int rank,
                                                   const long long* __restrict__ meta) {
    occ_plan_copy_body(src, dst, n, rank, meta);
}

/** occ_plan_strided_copy from fp32 to fp16 (same metadata): NCHW fp32 -> NHWC fp16 at a region's entry. */
extern "C" __global__ void occ_plan_copy_to_half(const float* src, unsigned short* dst, long long n, int rank,
                                                 const long long* __restrict__ meta) {
    occ_plan_copy_body(src, dst, n, rank, meta);
}

/** occ_plan_strided_copy from fp16 to fp32 (same metadata): NHWC fp16 -> NCHW fp32 at a region's exit. */
extern "C" __global__ void occ_plan_copy_to_float(const unsigned short* src, float* dst, long long n, int rank,
                                                  const long long* __restrict__ meta) {
    occ_plan_copy_body(src, dst, n, rank, meta);
}

OCC_DEVICE long long occ_plan_reflect(long long i, long long n) {
    if (n == 1) {
        return 0;
    }
    long long period = 2 * (n - 1);
    long long m = i % period;
    if (m < 0) {
        m += period;
    }
    return m < n ? m : period - m;
}

template <typename T>
OCC_DEVICE void occ_plan_pad_body(const T* x, T* y, long long n, int rank, int mode, T fill,
                                  const long long* __restrict__ meta) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        long long rem = i;
        long long off = 0;
        long long stride = 1;
        int inside = 1;
        for (int d = rank - 1; d >= 0; d--) {
            long long dim = meta[d];
            long long in = meta[rank + d];
            long long o = rem % dim;
            rem /= dim;
            long long s = o - meta[2 * rank + d];
            if (s < 0 || s >= in) {
                if (mode == OCC_PAD_EDGE) {
                    s = s < 0 ? 0 : in - 1;
                } else if (mode == OCC_PAD_REFLECT) {
                    s = occ_plan_reflect(s, in);
                } else {
                    inside = 0;
                }
            }
            off += s * stride;
            stride *= in;
        }
        y[i] = inside ? x[off] : fill;
    }
}

/** Pad of a contiguous tensor, n output elements. meta: outDims[rank], inDims[rank], padsBegin[rank]. */
extern "C" __global__ void occ_plan_pad(const float* x, float* y, long long n, int rank, int mode, float value,
                                        const long long* __restrict__ meta) {
    occ_plan_pad_body(x, y, n, rank, mode, value, meta);
}

/** occ_plan_pad on fp16 storage (metadata in storage order; the pad value rounded to fp16). */
extern "C" __global__ void occ_plan_pad_h(const unsigned short* x, unsigned short* y, long long n, int rank, int mode,
                                          float value, const long long* __restrict__ meta) {
    occ_plan_pad_body(x, y, n, rank, mode, occ_float_to_half(value), meta);
}

/**
 * Softmax over len elements spaced inner apart, for every (outer, inner) pair: the max in float, the
 * exponentials in double, each stored as float and divided by the double sum.
 */
extern "C" __global__ void occ_plan_softmax(const float* x, float* y, long long outer, long long len,
                                            long long inner) {
    long long rows = outer * inner;
    for (long long r = occ_thread_id(); r < rows; r += occ_thread_count()) {
        long long o = r / inner;
        long long in = r - o * inner;
        long long base = o * len * inner + in;
        float mx = occ_negative_infinity();
        for (long long i = 0; i < len; i++) {
            mx = occ_jmax(mx, x[base + i * inner]);
        }
        double sum = 0;
        for (long long i = 0; i < len; i++) {
            float d = x[base + i * inner] - mx;
            double e = exp((double) d);
            y[base + i * inner] = (float) e;
            sum += e;
        }
        for (long long i = 0; i < len; i++) {
            y[base + i * inner] = (float) ((double) y[base + i * inner] / sum);
        }
    }
}

/**
 * LayerNormalization over the last {@code len} elements of each of {@code rows} rows: the mean and the biased
 * variance in double, then (x - mean) / sqrt(var + eps) * scale + bias in double, rounded to float (the reference
 * executor's arithmetic). scale and bias hold len values; bias may be absent (hasBias 0).
 */
extern "C" __global__ void occ_plan_layer_norm(const float* x, const float* scale, const float* bias, float* y,
                                               long long rows, long long len, float eps, int hasBias) {
    for (long long r = occ_thread_id(); r < rows; r += occ_thread_count()) {
        long long base = r * len;
        double sum = 0;
        for (long long i = 0; i < len; i++) {
            sum += x[base + i];
        }
        double mean = sum / len;
        double sq = 0;
        for (long long i = 0; i < len; i++) {
            double d = x[base + i] - mean;
            sq += d * d;
        }
        double inv = 1.0 / sqrt(sq / len + eps);
        for (long long i = 0; i < len; i++) {
            double v = (x[base + i] - mean) * inv * scale[i];
            y[base + i] = (float) (hasBias ? v + bias[i] : v);
        }
    }
}

template <typename TX>
OCC_DEVICE void occ_plan_reduce_body(const TX* x, float* y, long long outer, long long len, long long inner, int isMax) {
    long long rows = outer * inner;
    for (long long r = occ_thread_id(); r < rows; r += occ_thread_count()) {
        long long o = r / inner;
        long long in = r - o * inner;
        long long base = o * len * inner + in;
        if (isMax) {
            float m = occ_negative_infinity();
            for (long long i = 0; i < len; i++) {
                m = occ_jmax(m, occ_plan_load(x, base + i * inner));
            }
            y[r] = m;
        } else {
            double sum = 0;
            for (long long i = 0; i < len; i++) {
                sum += occ_plan_load(x, base + i * inner);
            }
            y[r] = (float) (sum / (double) len);
        }
    }
}

/**
 * Mean (isMax 0: summed in double, divided in double) or max (isMax 1: NaN wins) over len elements spaced
 * inner apart: GlobalAveragePool, GlobalMaxPool and ReduceMean over contiguous axes.
 */
extern "C" __global__ void occ_plan_reduce(const float* x, float* y, long long outer, long long len, long long inner,
                                           int isMax) {
    occ_plan_reduce_body(x, y, outer, len, inner, isMax);
}

/**
 * occ_plan_reduce reading fp16 and writing fp32: a global pool at a region's exit. For an NHWC input
 * {N, H, W, C} it is called with outer = N, len = H*W, inner = C, which writes the NCHW {N, C, 1, 1} result.
 */
extern "C" __global__ void occ_plan_reduce_h(const unsigned short* x, float* y, long long outer, long long len,
                                             long long inner, int isMax) {
    occ_plan_reduce_body(x, y, outer, len, inner, isMax);
}

/**
 * The pooling body. Channels-first (channels = 1 per plane): outputs are numbered plane by plane, planes =
 * N*C. Channels-last: outputs are numbered {N, spatial..., C} and a tap's neighbour is channels elements away.
 */
template <typename T>
OCC_DEVICE void occ_plan_pool_body(const T* x, T* y, long long n, int rank, int isMax, int countPads,
                                   long long channels, int channelsLast, const long long* __restrict__ meta) {
    const long long* inDims = meta;
    const long long* outDims = meta + rank;
    const long long* kernel = meta + 2 * rank;
    const long long* strides = meta + 3 * rank;
    const long long* dilations = meta + 4 * rank;
    const long long* padsBegin = meta + 5 * rank;
    const long long* padsEnd = meta + 6 * rank;
    long long inSize = 1;
    long long outSize = 1;
    long long taps = 1;
    for (int d = 0; d < rank; d++) {
        inSize *= inDims[d];
        outSize *= outDims[d];
        taps *= kernel[d];
    }
    long long tap = channelsLast ? channels : 1;
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        long long p;
        const T* xp;
        if (channelsLast) {
            long long pixel = i / channels;
            long long sample = pixel / outSize;
            p = pixel - sample * outSize;
            xp = x + sample * inSize * channels + (i - pixel * channels);
        } else {
            long long plane = i / outSize;
            p = i - plane * outSize;
            xp = x + plane * inSize;
        }
        long long o[OCC_PLAN_MAX_RANK];
        long long rem = p;
        for (int d = rank - 1; d >= 0; d--) {
            o[d] = rem % outDims[d];
            rem /= outDims[d];
        }
        float m = occ_negative_infinity();
        float sum = 0.0f;
        long long inside = 0;
        long long padded = 0;
        for (long long t = 0; t < taps; t++) {
            long long kr = t;
            long long off = 0;
            long long stride = 1;
            int ok = 1;
            int inPadded = 1;
            for (int d = rank - 1; d >= 0; d--) {
                long long k = kr % kernel[d];
                kr /= kernel[d];
                long long at = o[d] * strides[d] - padsBegin[d] + k * dilations[d];
                if (at < 0 || at >= inDims[d]) {
                    ok = 0;
                    if (at < -padsBegin[d] || at >= inDims[d] + padsEnd[d]) {
                        inPadded = 0;
                    }
                } else {
                    off += at * stride;
                }
                stride *= inDims[d];
            }
            if (ok) {
                float v = occ_plan_load(xp, off * tap);
                if (v > m || v != v) {
                    m = v;
                }
                sum += v;
                inside++;
            }
            if (inPadded) {
                padded++;
            }
        }
        float r;
        if (isMax) {
            r = m;
        } else {
            long long divisor = countPads ? padded : inside;
            r = divisor == 0 ? __uint_as_float(0x7fc00000u) : sum / (float) divisor;
        }
        occ_plan_store(y, i, r);
    }
}

/**
 * MaxPool / AveragePool over rank spatial axes of planes = N*C planes, n = planes * outSize outputs.
 * meta: inDims, outDims, kernel, strides, dilations, padsBegin, padsEnd (rank each). Taps in row-major
 * kernel order; a tap outside the input is skipped; the average divides by the taps inside (or, with
 * countPads, by the taps inside input plus pads).
 */
extern "C" __global__ void occ_plan_pool(const float* x, float* y, long long n, int rank, int isMax, int countPads,
                                         const long long* __restrict__ meta) {
    occ_plan_pool_body(x, y, n, rank, isMax, countPads, 1, 0, meta);
}

/**
 * occ_plan_pool over fp16 channels-last tensors {N, spatial..., C}: n = N * outSize * channels outputs,
 * enumerated in that (storage) order; the same metadata, taps and arithmetic.
 */
extern "C" __global__ void occ_plan_pool_nhwc_h(const unsigned short* x, unsigned short* y, long long n, int rank,
                                                int isMax, int countPads, long long channels,
                                                const long long* __restrict__ meta) {
    occ_plan_pool_body(x, y, n, rank, isMax, countPads, channels, 1, meta);
}

/** fp32 -> fp16 (round to nearest even), n elements. */
extern "C" __global__ void occ_plan_to_half(const float* x, unsigned short* y, long long n) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        y[i] = occ_float_to_half(x[i]);
    }
}

/** fp16 -> fp32 (exact), n elements. */
extern "C" __global__ void occ_plan_to_float(const unsigned short* x, float* y, long long n) {
    for (long long i = occ_thread_id(); i < n; i += occ_thread_count()) {
        y[i] = occ_half_to_float(x[i]);
    }
}

/**
 * Mean (isMax 0: summed in double, divided in double) or max (isMax 1: NaN wins) of a contiguous tensor over
 * any set of axes: rows = product of the kept dims (one output each, row-major over the kept axes), len =
 * product of the reduced dims. meta: dims[rank], reduced[rank] (1 on a reduced axis). ReduceMean over axes
 * that are not adjacent.
 */
extern "C" __global__ void occ_plan_reduce_axes(const float* x, float* y, long long rows, long long len, int rank,
                                                int isMax, const long long* __restrict__ meta) {
    const long long* dims = meta;
    const long long* reduced = meta + rank;
    long long strides[OCC_PLAN_MAX_RANK];
    long long acc = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = acc;
        acc *= dims[d];
    }
    for (long long r = occ_thread_id(); r < rows; r += occ_thread_count()) {
        long long rem = r;
        long long base = 0;
        for (int d = rank - 1; d >= 0; d--) {
            if (!reduced[d]) {
                base += (rem % dims[d]) * strides[d];
                rem /= dims[d];
            }
        }
        float m = occ_negative_infinity();
        double sum = 0;
        for (long long t = 0; t < len; t++) {
            long long tr = t;
            long long off = base;
            for (int d = rank - 1; d >= 0; d--) {
                if (reduced[d]) {
                    off += (tr % dims[d]) * strides[d];
                    tr /= dims[d];
                }
            }
            float v = x[off];
            m = occ_jmax(m, v);
            sum += v;
        }
        y[r] = isMax ? m : (float) (sum / (double) len);
    }
}
