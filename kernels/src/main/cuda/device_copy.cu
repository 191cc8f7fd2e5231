// A device-to-device copy of 32-bit words between arbitrary offsets of two buffers (the safe layer copies
// whole buffers only), used to gather the session's results into one download.
#include "occ_common.cuh"

extern "C" __global__ void occ_copy_words(const unsigned int* __restrict__ src, unsigned int* __restrict__ dst,
                                          long long count) {
    for (long long i = occ_thread_id(); i < count; i += occ_thread_count()) {
        dst[i] = src[i];
    }
}
