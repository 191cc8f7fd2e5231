// A device that does what the host device does, for tests to alter one operation (a failure, a wrong result).
package io.occlusion4j.backend.cuda;

import io.occlusion4j.kernels.KernelLauncher;
import io.occlusion4j.kernels.KernelProgram;
import java.lang.foreign.MemorySegment;

/** Every operation handed to a {@link HostDevice}; a test overrides the one it wants to change. */
class DelegatingDevice implements Device {
    final HostDevice host = new HostDevice();


    @Override
    public String description() {
        return "host, altered by a test";
    }

    @Override
    public boolean isHost() {
        return true;
    }

    @Override
    public long freeBytes() {
        return host.freeBytes();
    }

    @Override
    public Buffer allocate(long bytes) {
        return host.allocate(bytes);
    }

    @Override
    public HostBuffer allocateHost(long bytes) {
        return host.allocateHost(bytes);
    }

    @Override
    public void upload(MemorySegment h, Buffer target, long offset) {
        host.upload(h, target, offset);
    }

    @Override
    public void uploadAsync(HostBuffer source, Buffer target) {
        host.uploadAsync(source, target);
    }

    @Override
    public void downloadAsync(Buffer source, long offset, HostBuffer target) {
        host.downloadAsync(source, offset, target);
    }

    @Override
    public void download(Buffer source, long offset, MemorySegment h) {
        host.download(source, offset, h);
    }

    @Override
    public void fill32(Buffer target, int bits) {
        host.fill32(target, bits);
    }

    @Override
    public KernelLauncher launcher(KernelProgram program) {
        return host.launcher(program);
    }

    @Override
    public Convolution prepare(Lowered.Convolution convolution, PlanOptions options) {
        return host.prepare(convolution, options);
    }

    @Override
    public void convolve(Convolution c, Buffer x, Buffer w, Buffer bias, Buffer residual, Buffer y, Buffer workspace) {
        host.convolve(c, x, w, bias, residual, y, workspace);
    }

    @Override
    public void multiply(Lowered.MatrixProduct product, Buffer a, Buffer b, Buffer y, Precision precision) {
        host.multiply(product, a, b, y, precision);
    }

    @Override
    public Replay capture(Runnable work) {
        return host.capture(work);
    }

    @Override
    public boolean isCapturing() {
        return host.isCapturing();
    }

    @Override
    public Marker mark() {
        return host.mark();
    }

    @Override
    public void synchronize() {
        host.synchronize();
    }

    @Override
    public void close() {
        host.close();
    }
}
