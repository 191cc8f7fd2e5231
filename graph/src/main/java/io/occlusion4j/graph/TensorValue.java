package io.occlusion4j.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor held on the heap: floats for {@link DataType#FLOAT}, longs for the integral types. It is
 * what initializers, constants and the reference executor's intermediate values are made of. Arrays are
 * shared, not copied: treat them as read-only once a tensor is built.
 */
public record TensorValue(DataType type, long[] shape, float[] floats, long[] longs) {

    public TensorValue {
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        long n = count(shape);
        if (type == DataType.FLOAT) {
            Objects.requireNonNull(floats, "floats");
            if (floats.length != n || longs != null) {
                throw new IllegalArgumentException("float tensor of shape " + Arrays.toString(shape) + " needs "
                        + n + " floats, got " + floats.length);
            }
        } else {
            Objects.requireNonNull(longs, "longs");
            if (longs.length != n || floats != null) {
                throw new IllegalArgumentException(type + " tensor of shape " + Arrays.toString(shape) + " needs "
                        + n + " elements, got " + longs.length);
            }
        }
    }

    public static TensorValue ofFloats(long[] shape, float[] values) {
        return new TensorValue(DataType.FLOAT, shape, values, null);
    }

    public static TensorValue ofLongs(DataType type, long[] shape, long[] values) {
        return new TensorValue(type, shape, null, values);
    }

    public static TensorValue ofInt64(long[] shape, long[] values) {
        return ofLongs(DataType.INT64, shape, values);
    }

    /** A tensor of the given type and shape, all zeros. */
    public static TensorValue zeros(DataType type, long[] shape) {
        int n = Math.toIntExact(count(shape));
        return type == DataType.FLOAT ? ofFloats(shape, new float[n]) : ofLongs(type, shape, new long[n]);
    }

    public int size() {
        return type == DataType.FLOAT ? floats.length : longs.length;
    }

    public int rank() {
        return shape.length;
    }

    /** Element {@code i} (row-major) as a double, whatever the type. */
    public double get(int i) {
        return type == DataType.FLOAT ? floats[i] : longs[i];
    }

    /** Element {@code i} as a long; floats are truncated. */
    public long getLong(int i) {
        return type == DataType.FLOAT ? (long) floats[i] : longs[i];
    }

    /** The elements as longs (for shape, axes and index tensors). */
    public long[] toLongs() {
        long[] r = new long[size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = getLong(i);
        }
        return r;
    }

    /** The elements as floats. */
    public float[] toFloats() {
        if (type == DataType.FLOAT) {
            return floats;
        }
        float[] r = new float[longs.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = longs[i];
        }
        return r;
    }

    /** The same elements under another shape of equal count. */
    public TensorValue reshaped(long[] newShape) {
        return new TensorValue(type, newShape, floats, longs);
    }

    public Shape irShape() {
        return Shape.of(shape);
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorValue t && type == t.type && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats) && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(shape), Arrays.hashCode(floats), Arrays.hashCode(longs));
    }

    @Override
    public String toString() {
        return "TensorValue[" + type + " " + Arrays.toString(shape) + "]";
    }
}
