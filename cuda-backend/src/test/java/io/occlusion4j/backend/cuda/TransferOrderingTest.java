// Audit 2 by inspection: the back end moves bytes only through the Device, whose GPU side orders them on its stream.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The legacy default stream does not order with the work stream's non-blocking stream, and a synchronous copy from
 * pageable memory may return before its DMA is done: so no main source of the back end but {@link GpuDevice} may
 * touch the safe layer's memory, stream or context types, where every copy and fill takes the work stream (the safe
 * layer offers no other, {@code DeviceBufferOrderingTest}). Before the device abstraction the session, the plan and
 * the occlusion loop called {@code copyFrom}/{@code fill32} on the default stream.
 */
class TransferOrderingTest {
    private static final List<String> GPU_ONLY = List.of("io.occlusion4j.cuda.DeviceBuffer", "io.occlusion4j.cuda.PinnedHostBuffer",
            "io.occlusion4j.cuda.CudaStream", "io.occlusion4j.cuda.CudaContext", "io.occlusion4j.cuda.CublasHandle",
            "io.occlusion4j.cuda.CudnnHandle");

    @Test
    void onlyTheGpuDeviceTouchesDeviceMemoryStreamsAndTheContext() throws IOException {
        Path sources = Path.of("src/main/java/io/occlusion4j/backend/cuda");
        List<Path> files;
        try (Stream<Path> s = Files.list(sources)) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.equals("GpuDevice.java") || name.equals("GpuConvolution.java")) {
                continue;
            }
            String text = Files.readString(f);
            for (String type : GPU_ONLY) {
                assertThat(text).as("%s uses %s outside the GPU device", name, type).doesNotContain("import " + type + ";");
            }
        }
    }
}
