// Where kernel launches go: a CUDA stream on a GPU, or the host build of the same kernels.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.KernelArgs;

/**
 * Runs a kernel of one {@link KernelProgram} by name. Every kernel walks its work with a grid-stride loop, so the
 * launch shape changes no result: a launcher picks it from {@code items}, the number of work items. A GPU launch
 * is asynchronous (its errors surface at the next synchronisation of its stream); a host launch runs before it
 * returns.
 */
public interface KernelLauncher extends AutoCloseable {

    /** Threads per block of a GPU launch. */
    int BLOCK = 256;

    /** Launches {@code kernel} over {@code items} work items (nothing when {@code items <= 0}). */
    void launch(String kernel, long items, KernelArgs args);

    @Override
    void close();
}
