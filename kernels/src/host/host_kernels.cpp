// The host build of the kernels: every .cu compiled as plain C++ in one translation unit, so the tests
// can call each kernel through FFM, one (block, thread) at a time, after occ_host_set_launch/_thread.
#include "fill_prep.cu"
#include "variant_writer.cu"
#include "scores.cu"
#include "pixel_map.cu"
#include "device_copy.cu"
#include "plan_ops.cu"
#include "incremental_ops.cu"
