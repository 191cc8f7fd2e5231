package io.occlusion4j;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float tensor in row-major (C) order: the input of an explanation ({@code [C, D1..Dk]}),
 * a fill baseline, or a map. Holds its array directly; callers that keep a tensor must not mutate the
 * array they passed in.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    private Tensor(int[] shape, float[] data) {
        this.shape = shape;
        this.data = data;
    }

    /** Wraps {@code data} (not copied) with the given shape; the element counts must agree. */
    public static Tensor of(float[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        long count = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " has a dimension <= 0");
            }
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " holds " + count
                    + " elements but the data has " + data.length);
        }
        return new Tensor(shape.clone(), data);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " is too large");
        }
        return of(new float[(int) count], shape);
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int size() {
        return data.length;
    }

    /** The backing array (not a copy). */
    public float[] data() {
        return data;
    }

    public float get(int... index) {
        return data[offset(index)];
    }

    /** Flat index of the largest element: the first one on ties; NaN never counts as largest. */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < data.length; i++) {
            if (data[i] > data[best] || Float.isNaN(data[best])) {
                best = i;
            }
        }
        return best;
    }

    /** The index along each axis of flat (row-major) element {@code flat}. */
    public int[] coordinates(int flat) {
        if (flat < 0 || flat >= data.length) {
            throw new IndexOutOfBoundsException("element " + flat + " outside " + Arrays.toString(shape));
        }
        int[] out = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = flat % shape[d];
            flat /= shape[d];
        }
        return out;
    }

    private int offset(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index rank " + index.length + " != tensor rank " + shape.length);
        }
        int off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + Arrays.toString(shape));
            }
            off = off * shape[i] + index[i];
        }
        return off;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
