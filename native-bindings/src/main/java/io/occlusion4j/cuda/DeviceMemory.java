// Memory a kernel can be pointed at: a device allocation, or host memory standing in for one.
package io.occlusion4j.cuda;

/**
 * An address and a size. {@link DeviceBuffer} is device memory; the CUDA back end's host device (the same
 * operations run on the CPU, in order) gives native host memory this shape, so kernel arguments and buffer checks
 * are written once for both.
 */
public interface DeviceMemory {

    /** The first byte's address (a {@code CUdeviceptr} on a GPU). */
    long address();

    long byteSize();
}
