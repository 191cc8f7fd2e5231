package io.occlusion4j.graph;

import java.util.stream.IntStream;

/**
 * The reference executor's matrix product {@code C += A · B} on row-major float arrays: blocked over
 * columns so a panel of B stays in cache, four rows of A at a time so each load of B feeds four
 * accumulations, and split over the common pool when the product is large enough to pay for it.
 */
final class Gemm {
    private static final int COLUMN_BLOCK = 512;
    private static final int DEPTH_BLOCK = 128;
    private static final long PARALLEL_WORK = 1L << 20;

    private Gemm() {
    }

    /**
     * C[m, n] += sum_k A[m, k] · B[k, n]; A is {@code m x k} with row stride {@code lda}, B is
     * {@code k x n} with row stride {@code ldb}, C is {@code m x n} with row stride {@code ldc}.
     */
    static void multiplyAdd(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc) {
        int columnBlocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        int rowQuads = (m + 3) / 4;
        long work = (long) m * n * k;
        if (work >= PARALLEL_WORK && columnBlocks * rowQuads > 1) {
            int tasks = columnBlocks * rowQuads;
            IntStream.range(0, tasks).parallel().forEach(t -> {
                int jb = t % columnBlocks;
                int iq = t / columnBlocks;
                block(iq * 4, Math.min(m, iq * 4 + 4), jb * COLUMN_BLOCK, Math.min(n, (jb + 1) * COLUMN_BLOCK), k,
                        a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            });
        } else {
            for (int jb = 0; jb < n; jb += COLUMN_BLOCK) {
                block(0, m, jb, Math.min(n, jb + COLUMN_BLOCK), k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            }
        }
    }

    private static void block(int i0, int i1, int j0, int j1, int k, float[] a, int aOff, int lda, float[] b,
                              int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int kb = 0; kb < k; kb += DEPTH_BLOCK) {
            int kEnd = Math.min(k, kb + DEPTH_BLOCK);
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                int c0 = cOff + i * ldc;
                int c1 = c0 + ldc;
                int c2 = c1 + ldc;
                int c3 = c2 + ldc;
                for (int p = kb; p < kEnd; p++) {
                    float a0 = a[aOff + i * lda + p];
                    float a1 = a[aOff + (i + 1) * lda + p];
                    float a2 = a[aOff + (i + 2) * lda + p];
                    float a3 = a[aOff + (i + 3) * lda + p];
                    int br = bOff + p * ldb;
                    for (int j = j0; j < j1; j++) {
                        float bv = b[br + j];
                        c[c0 + j] += a0 * bv;
                        c[c1 + j] += a1 * bv;
                        c[c2 + j] += a2 * bv;
                        c[c3 + j] += a3 * bv;
                    }
                }
            }
            for (; i < i1; i++) {
                int c0 = cOff + i * ldc;
                for (int p = kb; p < kEnd; p++) {
                    float a0 = a[aOff + i * lda + p];
                    int br = bOff + p * ldb;
                    for (int j = j0; j < j1; j++) {
                        c[c0 + j] += a0 * b[br + j];
                    }
                }
            }
        }
    }

    /** The transpose of a row-major {@code rows x cols} matrix. */
    static float[] transpose(float[] x, int off, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = x[off + r * cols + c];
            }
        }
        return t;
    }
}
