// Audit 2: no copy or fill of device memory runs on the legacy default stream.
package io.occlusion4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streams of this layer are non-blocking: they do not order with the legacy default stream, on which the
 * synchronous {@code cuMemcpyHtoD_v2}, {@code cuMemsetD32_v2} and friends run (and a synchronous copy from pageable
 * memory may return before its DMA is done). So every public copy or fill of a {@link DeviceBuffer} takes the
 * stream it is ordered on.
 */
class DeviceBufferOrderingTest {

    @Test
    void everyCopyAndFillOfDeviceMemoryTakesTheStreamItIsOrderedOn() {
        List<Method> moves = Arrays.stream(DeviceBuffer.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()))
                .filter(m -> m.getName().matches("(copy|fill|upload|download|to).*"))
                .toList();
        assertThat(moves).hasSizeGreaterThanOrEqualTo(8);
        for (Method m : moves) {
            assertThat(m.getParameterTypes()).as(m.toString()).contains(CudaStream.class);
        }
    }
}
