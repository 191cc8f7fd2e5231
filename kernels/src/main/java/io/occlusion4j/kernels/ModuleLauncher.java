// Launches one compiled kernel program on a CUDA stream.
package io.occlusion4j.kernels;

import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaFunction;
import io.occlusion4j.cuda.CudaModule;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.Dim3;
import io.occlusion4j.cuda.KernelArgs;
import io.occlusion4j.cuda.NvrtcCompiler;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A {@link KernelProgram} compiled by NVRTC for the context's device (cached on disk) and loaded as one module;
 * every launch goes on the stream given at load, checked against the program's launch table. Grids are capped at
 * 16 blocks per multiprocessor (the kernels loop over the rest).
 */
public final class ModuleLauncher implements KernelLauncher {
    private static final Logger LOG = Logger.getLogger(ModuleLauncher.class.getName());

    private final CudaModule module;
    private final CudaStream stream;
    private final Map<String, CudaFunction> functions = new HashMap<>();
    private final int maxBlocks;

    private ModuleLauncher(CudaModule module, KernelProgram program, CudaStream stream, int multiprocessors) {
        this.module = module;
        this.stream = stream;
        this.maxBlocks = Math.max(1, multiprocessors) * 16;
        program.signatures().forEach((name, kinds) -> functions.put(name, module.function(name, kinds)));
    }

    /** Compiles (or takes from the cache) and loads {@code program}, its launches going on {@code stream}. */
    public static ModuleLauncher load(CudaContext context, NvrtcCompiler compiler, KernelProgram program, CudaStream stream) {
        String arch = KernelProgram.architectureFor(context.device().computeCapabilityMajor(),
                context.device().architecture());
        NvrtcCompiler.Compiled compiled = program.compile(compiler, arch, NvrtcCompiler.Output.CUBIN);
        if (Boolean.getBoolean("occlusion4j.debug")) {
            LOG.info(() -> program + " kernels for " + arch + (compiled.fromCache() ? " from the NVRTC cache"
                    : " compiled by NVRTC") + ", key " + compiled.key() + (compiled.log().isEmpty() ? "" : "\n" + compiled.log()));
        }
        CudaModule module = context.loadModule(compiled.image());
        try {
            return new ModuleLauncher(module, program, stream, context.device().multiprocessorCount());
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    @Override
    public void launch(String kernel, long items, KernelArgs args) {
        if (items <= 0) {
            return;
        }
        CudaFunction f = functions.get(kernel);
        if (f == null) {
            throw new IllegalArgumentException("no kernel " + kernel + " in this program");
        }
        int blocks = (int) Math.min(maxBlocks, (items + BLOCK - 1) / BLOCK);
        f.launch(Dim3.of(blocks), Dim3.of(BLOCK), 0, stream, args);
    }

    @Override
    public void close() {
        functions.values().forEach(CudaFunction::close);
        functions.clear();
        module.close();
    }
}
