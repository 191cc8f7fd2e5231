// Lets the kernel bodies compile as plain C++: CUDA's qualifiers become nothing, the built-in thread
// coordinates become thread-local variables that the host harness sets before calling a kernel once per
// (block, thread). Kernels use grid-stride loops and no shared memory or barriers, so running the
// threads one after the other is a faithful schedule. Only included when not compiling for the device.
#ifndef OCC_HOST_COMPAT_H
#define OCC_HOST_COMPAT_H

#include <cmath>
#include <cstring>

struct occ_dim3 {
    unsigned int x, y, z;
};

inline thread_local occ_dim3 blockIdx = {0, 0, 0};
inline thread_local occ_dim3 threadIdx = {0, 0, 0};
inline thread_local occ_dim3 blockDim = {1, 1, 1};
inline thread_local occ_dim3 gridDim = {1, 1, 1};

#define __global__
#define __device__
#define __forceinline__ inline

// Threads run one at a time on the host, so the atomic is a plain read-modify-write.
static inline int atomicMin(int* address, int value) {
    int old = *address;
    if (value < old) {
        *address = value;
    }
    return old;
}

static inline unsigned int __float_as_uint(float v) {
    unsigned int u;
    std::memcpy(&u, &v, sizeof u);
    return u;
}

static inline float __uint_as_float(unsigned int u) {
    float v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}

// The harness entry points: where the "current" thread sits in the launch.
extern "C" void occ_host_set_launch(unsigned int grid, unsigned int block) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
}

extern "C" void occ_host_set_thread(unsigned int block, unsigned int thread) {
    blockIdx = {block, 0, 0};
    threadIdx = {thread, 0, 0};
}

#endif
