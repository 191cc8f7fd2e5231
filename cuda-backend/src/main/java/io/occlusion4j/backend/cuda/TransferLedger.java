// Counts every byte a GPU run moves between host and device, by what it was.
package io.occlusion4j.backend.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Host-to-device and device-to-host bytes of one run, per label (input, targets, base scores, maps...):
 * {@link CudaBackendSession#explain(io.occlusion4j.core.ExplainRequest, TransferLedger)} fills the caller's.
 */
public final class TransferLedger {
    private final Map<String, Long> toDevice = new LinkedHashMap<>();
    private final Map<String, Long> toHost = new LinkedHashMap<>();

    void hostToDevice(String label, long bytes) {
        toDevice.merge(label, bytes, Long::sum);
    }

    void deviceToHost(String label, long bytes) {
        toHost.merge(label, bytes, Long::sum);
    }

    public long hostToDeviceBytes() {
        return toDevice.values().stream().mapToLong(Long::longValue).sum();
    }

    public long deviceToHostBytes() {
        return toHost.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
        return "host->device " + hostToDeviceBytes() + " B " + toDevice + ", device->host " + deviceToHostBytes() + " B " + toHost;
    }
}
