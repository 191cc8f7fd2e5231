// Grid map -> pixel map: each element gets the mean of the deltas of the windows covering it, as a box
// sum over the grid map in row-major order, in double, divided by the box's size. No atomics: every
// output is computed by one thread in a fixed order, so runs are bit-identical to each other and to
// io.occlusion4j.core.Reductions.pixelMap.
#include "occ_common.cuh"

/**
 * Per axis d and coordinate x: the first and last grid index whose window covers x, or -1 (as
 * WindowGrid.firstCovering / lastCovering). Tables are concatenated over the axes: offset D0, then D1.
 */
extern "C" __global__ void occ_covering_tables(OCC_GEOM_PARAMS, int* __restrict__ lo, int* __restrict__ hi) {
    OCC_GEOM_UNPACK(g);
    long long total = (long long) g.dims[0] + g.dims[1] + g.dims[2];
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        int d = e < g.dims[0] ? 0 : (e < g.dims[0] + g.dims[1] ? 1 : 2);
        int x = (int) (e - (d > 0 ? g.dims[0] : 0) - (d > 1 ? g.dims[1] : 0));
        int first = -1;
        for (int i = 0; i < g.grid[d]; i++) {
            int s;
            int ext;
            occ_axis_window(g, d, i, &s, &ext);
            if (x < s) {
                break;
            }
            if (x < s + ext) {
                first = i;
                break;
            }
        }
        int lastIdx = -1;
        for (int i = g.grid[d] - 1; i >= 0; i--) {
            int s;
            int ext;
            occ_axis_window(g, d, i, &s, &ext);
            if (x >= s + ext) {
                break;
            }
            if (x >= s) {
                lastIdx = i;
                break;
            }
        }
        lo[e] = first;
        hi[e] = lastIdx;
    }
}

/**
 * gridMap [T, mapChannels, G0, G1, G2] -> pixel [T, mapChannels, D0, D1, D2]; mapChannels is C for
 * per-channel windows, else 1.
 */
extern "C" __global__ void occ_pixel_map(OCC_GEOM_PARAMS, const float* __restrict__ gridMap, int mapChannels, int T,
                                         const int* __restrict__ lo, const int* __restrict__ hi,
                                         float* __restrict__ pixel) {
    OCC_GEOM_UNPACK(g);
    long long size = occ_spatial_size(g);
    long long gsize = occ_grid_count(g);
    long long total = (long long) T * mapChannels * size;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long tc = e / size;
        long long p = e - tc * size;
        int coord[3];
        coord[2] = (int) (p % g.dims[2]);
        coord[1] = (int) ((p / g.dims[2]) % g.dims[1]);
        coord[0] = (int) (p / ((long long) g.dims[2] * g.dims[1]));
        int l[3];
        int h[3];
        int offset = 0;
        bool covered = true;
        for (int d = 0; d < 3; d++) {
            l[d] = lo[offset + coord[d]];
            h[d] = hi[offset + coord[d]];
            covered = covered && l[d] >= 0;
            offset += g.dims[d];
        }
        if (!covered) {
            pixel[e] = 0.0f;
            continue;
        }
        const float* map = gridMap + tc * gsize;
        double sum = 0;
        for (int a = l[0]; a <= h[0]; a++) {
            for (int b = l[1]; b <= h[1]; b++) {
                long long row = ((long long) a * g.grid[1] + b) * g.grid[2];
                for (int c = l[2]; c <= h[2]; c++) {
                    sum += map[row + c];
                }
            }
        }
        int count = (h[0] - l[0] + 1) * (h[1] - l[1] + 1) * (h[2] - l[2] + 1);
        pixel[e] = (float) (sum / count);
    }
}
