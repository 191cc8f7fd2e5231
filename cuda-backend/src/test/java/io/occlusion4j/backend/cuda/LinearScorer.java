// A linear model as the device loop's scorer: a closed-form occlusion map, on any device.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.kernels.KernelProgram;
import io.occlusion4j.kernels.OcclusionKernels;
import io.occlusion4j.kernels.PlanLaunch.Arg;

/**
 * {@code out[r, k] = sum_j W[k, j] * x[r, j] + b[k]} with {@code W} row-major {@code [K, F]} and F the sample size:
 * the bias rows copied into the output, then one product (cuBLAS SGEMM on a GPU, fp32 in Java on the host) with
 * {@code beta = 1}. A linear model's occlusion map has a closed form, which the device-loop tests check against.
 */
final class LinearScorer implements Scorer, AutoCloseable {
    private final Device device;
    private final OcclusionKernels kernels;
    private final Device.Buffer weights;
    private final Device.Buffer biasRows;
    private final int outputs;
    private final int features;
    private final int maxRows;

    LinearScorer(Device device, float[] weights, float[] bias, int maxRows) {
        this.device = device;
        this.kernels = new OcclusionKernels(device.launcher(KernelProgram.OCCLUSION));
        this.outputs = bias.length;
        if (weights.length % outputs != 0) {
            throw new IllegalArgumentException(weights.length + " weights are not " + outputs + " rows");
        }
        this.features = weights.length / outputs;
        this.maxRows = maxRows;
        this.weights = device.allocate(4L * weights.length);
        DeviceTransfers.upload(device, weights, this.weights);
        float[] rows = new float[maxRows * outputs];
        for (int r = 0; r < maxRows; r++) {
            System.arraycopy(bias, 0, rows, r * outputs, outputs);
        }
        this.biasRows = device.allocate(4L * rows.length);
        DeviceTransfers.upload(device, rows, biasRows);
    }

    @Override
    public int outputsPerSample() {
        return outputs;
    }

    @Override
    public int lastAxis() {
        return outputs;
    }

    @Override
    public void score(Device.Buffer batch, int rows, Device.Buffer out) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("asked for " + rows + " rows, built for " + maxRows);
        }
        kernels.copyWords(biasRows, 0, out, 0, (long) rows * outputs);
        Arg.Pointer unused = Arg.Pointer.arena(0);
        // Row-major Y[rows, K] = X[rows, F] W^T + Y: W is stored [K, F], so op(B) transposes it.
        Lowered.MatrixProduct product = new Lowered.MatrixProduct(null, unused, false, unused, true, unused, rows, outputs,
                features, 1f, 1f, 1, 0, 0, 0, null);
        device.multiply(product, batch, weights, out, Precision.FP32);
    }

    @Override
    public void close() {
        weights.close();
        biasRows.close();
    }
}
