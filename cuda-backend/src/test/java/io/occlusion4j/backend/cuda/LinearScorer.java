// A linear model on cuBLAS: the scorer that runs the GPU loop end to end before the inference plan exists.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.cuda.CublasHandle;
import io.occlusion4j.cuda.CublasHandle.Transpose;
import io.occlusion4j.cuda.CudaContext;
import io.occlusion4j.cuda.CudaStream;
import io.occlusion4j.cuda.DeviceBuffer;

/**
 * {@code out[r, k] = sum_j W[k, j] * x[r, j] + b[k]} with {@code W} row-major {@code [K, F]} and F the
 * sample size: one SGEMM per batch (fp32, TF32 off) after copying the bias rows into the output. A linear
 * model has a closed-form occlusion map, which is what the GPU tests check the whole loop against.
 */
public final class LinearScorer implements Scorer {
    private final CublasHandle cublas;
    private final DeviceBuffer weights;
    private final DeviceBuffer biasRows;
    private final int outputs;
    private final int features;
    private final int maxRows;

    /**
     * @param weights {@code [K, F]} row-major
     * @param bias    {@code [K]}
     * @param maxRows the batch size it will be asked for at most
     */
    public LinearScorer(CudaContext context, float[] weights, float[] bias, int maxRows) {
        this.outputs = bias.length;
        if (weights.length % outputs != 0) {
            throw new IllegalArgumentException(weights.length + " weights are not " + outputs + " rows");
        }
        this.features = weights.length / outputs;
        this.maxRows = maxRows;
        this.cublas = CublasHandle.create(context);
        cublas.setMathMode(CublasHandle.MathMode.PEDANTIC);
        this.weights = context.allocate(4L * weights.length);
        this.weights.copyFrom(weights);
        float[] rows = new float[maxRows * outputs];
        for (int r = 0; r < maxRows; r++) {
            System.arraycopy(bias, 0, rows, r * outputs, outputs);
        }
        this.biasRows = context.allocate(4L * rows.length);
        this.biasRows.copyFrom(rows);
    }

    /** Bytes the model itself moved to the device (weights and bias), outside any run's ledger. */
    public long modelBytes() {
        return weights.byteSize() + biasRows.byteSize();
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
    public void score(CudaStream stream, DeviceBuffer batch, int rows, DeviceBuffer out) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("asked for " + rows + " rows, built for " + maxRows);
        }
        cublas.setStream(stream);
        out.copyFromAsync(biasRows, stream);
        // Column-major, W is F x K and the batch F x rows: out (K x rows) = W^T * batch + out (the bias rows).
        cublas.sgemm(Transpose.TRANSPOSE, Transpose.NONE, outputs, rows, features, 1f, weights, features, batch, features,
                1f, out, outputs);
    }

    @Override
    public void close() {
        weights.close();
        biasRows.close();
        cublas.close();
    }
}
