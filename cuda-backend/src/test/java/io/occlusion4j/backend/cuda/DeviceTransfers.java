// Float arrays to and from a device, for the tests.
package io.occlusion4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class DeviceTransfers {

    private DeviceTransfers() {
    }

    static void upload(Device device, float[] values, Device.Buffer target) {
        try (Arena arena = Arena.ofConfined()) {
            device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, values), target, 0);
        }
    }

    /** All of {@code source} as floats, once the work before it is done. */
    static float[] floats(Device device, Device.Buffer source) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(source.byteSize(), 8);
            device.download(source, 0, host);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }
}
