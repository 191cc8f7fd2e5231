// The host launcher runs a program's kernels from the packaged library and checks launches like the GPU one.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.cuda.DeviceMemory;
import io.occlusion4j.cuda.KernelArgs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class HostLauncherTest {

    private record Host(MemorySegment segment) implements DeviceMemory {
        @Override
        public long address() {
            return segment.address();
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }
    }

    @Test
    void copiesWordsThroughThePackagedLibraryAndRefusesAWrongArgumentList() {
        assertThat(HostKernelLibrary.path()).exists();
        try (Arena arena = Arena.ofConfined(); HostLauncher launcher = new HostLauncher(KernelProgram.OCCLUSION)) {
            float[] values = new float[1000];
            for (int i = 0; i < values.length; i++) {
                values[i] = i * 0.5f;
            }
            Host source = new Host(arena.allocateFrom(ValueLayout.JAVA_FLOAT, values));
            Host target = new Host(arena.allocate(4L * values.length));
            new OcclusionKernels(launcher).copyWords(source, 10, target, 0, 990);
            assertThat(target.segment().asSlice(0, 4 * 990).toArray(ValueLayout.JAVA_FLOAT))
                    .containsExactly(java.util.Arrays.copyOfRange(values, 10, 1000));
            assertThatThrownBy(() -> launcher.launch("occ_copy_words", 4, KernelArgs.create().i32(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("occ_copy_words");
            assertThatThrownBy(() -> launcher.launch("occ_plan_unary", 4, KernelArgs.create()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OCCLUSION");
        }
    }
}
