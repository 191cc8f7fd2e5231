// Incremental inference on the device (Krypton's plan, the CUDA half of io.occlusion4j.cpu.incremental): one kernel
// gathers every variant's read-in context for a layer, one stitches each variant's patch into its copy of an
// activation at the switch point. Part of the plan program (KernelProgram.PLAN, PlanKernels' launch table).
//
// Layouts (fp32, channels first; a 2-D map is a 3-D one with a leading axis of size 1):
//   activation map  [C, D0, D1, D2]            one sample; srcStride > 0 reads sample v at v * srcStride instead
//   patch           [V, C, S0, S1, S2]         variant v's patch of that activation, at patchStart[p] in the map
//   context         [V, C, K0, K1, K2]         variant v's read-in context, at ctxStart[p] in the map (may leave it)
//   stitched        [V, C, D0, D1, D2]         the map with variant v's patch laid over it
//   start tables    int[positions][3]          per window position p, the first element per axis
// Variant v of a batch is window (first + v); its window position is p = (first + v) % gridCount (per-channel
// windows are numbered channel-major over the grid, so the modulo is also their position). Rows past the batch's
// variants get some window's values: their results are never read.
#include "occ_common.cuh"

/**
 * ctx[v, c, i] = pad where ctxStart[p] + i leaves the map; else patch[v, c, y - patchStart[p]] where the patch covers
 * y = ctxStart[p] + i (patch may be null: no patch); else src[v * srcStride + c * D + y]. work = V * C * K0 * K1 * K2.
 */
extern "C" __global__ void occ_inc_gather(float* ctx, const float* src, long long srcStride, const float* patch,
                                          const int* ctxStart, const int* patchStart, long long work, int channels,
                                          int d0, int d1, int d2, int k0, int k1, int k2, int s0, int s1, int s2,
                                          float pad, long long first, int gridCount) {
    long long dVolume = (long long) d0 * d1 * d2;
    long long sVolume = (long long) s0 * s1 * s2;
    for (long long i = occ_thread_id(); i < work; i += occ_thread_count()) {
        long long rest = i;
        int i2 = (int) (rest % k2);
        rest /= k2;
        int i1 = (int) (rest % k1);
        rest /= k1;
        int i0 = (int) (rest % k0);
        rest /= k0;
        int c = (int) (rest % channels);
        long long v = rest / channels;
        int p = (int) ((first + v) % gridCount);
        int y0 = ctxStart[3 * p] + i0;
        int y1 = ctxStart[3 * p + 1] + i1;
        int y2 = ctxStart[3 * p + 2] + i2;
        float value = pad;
        if (y0 >= 0 && y0 < d0 && y1 >= 0 && y1 < d1 && y2 >= 0 && y2 < d2) {
            int q0 = patch ? y0 - patchStart[3 * p] : -1;
            int q1 = patch ? y1 - patchStart[3 * p + 1] : -1;
            int q2 = patch ? y2 - patchStart[3 * p + 2] : -1;
            if (q0 >= 0 && q0 < s0 && q1 >= 0 && q1 < s1 && q2 >= 0 && q2 < s2) {
                value = patch[(v * channels + c) * sVolume + ((long long) q0 * s1 + q1) * s2 + q2];
            } else {
                value = src[v * srcStride + c * dVolume + ((long long) y0 * d1 + y1) * d2 + y2];
            }
        }
        ctx[i] = value;
    }
}

/**
 * out[v, c, y] = patch[v, c, y - patchStart[p]] where the patch covers y, else base[c, y]. work = V * C * D0 * D1 * D2.
 */
extern "C" __global__ void occ_inc_stitch(float* out, const float* base, const float* patch, const int* patchStart,
                                          long long work, int channels, int d0, int d1, int d2, int s0, int s1, int s2,
                                          long long first, int gridCount) {
    long long dVolume = (long long) d0 * d1 * d2;
    long long sVolume = (long long) s0 * s1 * s2;
    for (long long i = occ_thread_id(); i < work; i += occ_thread_count()) {
        long long rest = i;
        int y2 = (int) (rest % d2);
        rest /= d2;
        int y1 = (int) (rest % d1);
        rest /= d1;
        int y0 = (int) (rest % d0);
        rest /= d0;
        int c = (int) (rest % channels);
        long long v = rest / channels;
        int p = (int) ((first + v) % gridCount);
        int q0 = y0 - patchStart[3 * p];
        int q1 = y1 - patchStart[3 * p + 1];
        int q2 = y2 - patchStart[3 * p + 2];
        if (q0 >= 0 && q0 < s0 && q1 >= 0 && q1 < s1 && q2 >= 0 && q2 < s2) {
            out[i] = patch[(v * channels + c) * sVolume + ((long long) q0 * s1 + q1) * s2 + q2];
        } else {
            out[i] = base[c * dVolume + ((long long) y0 * d1 + y1) * d2 + y2];
        }
    }
}
