package io.occlusion4j.graph;

import io.occlusion4j.graph.Dim;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of a value: each dimension a known size or a symbol (a dynamic batch, or an image size the
 * model leaves open). Equal symbols mean equal sizes.
 */
public record Shape(List<Dim> dims) {

    public Shape {
        dims = List.copyOf(Objects.requireNonNull(dims, "dims"));
    }

    /** A fully known shape. */
    public static Shape of(long... sizes) {
        List<Dim> d = new ArrayList<>(sizes.length);
        for (long s : sizes) {
            d.add(Dim.of(s));
        }
        return new Shape(d);
    }

    /** The scalar shape {@code []}. */
    public static Shape scalar() {
        return new Shape(List.of());
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int axis) {
        return dims.get(axis);
    }

    /** True when every dimension is a known size. */
    public boolean isStatic() {
        for (Dim d : dims) {
            if (!(d instanceof Dim.Fixed)) {
                return false;
            }
        }
        return true;
    }

    /** The size of a known dimension. */
    public long size(int axis) {
        if (dims.get(axis) instanceof Dim.Fixed(long s)) {
            return s;
        }
        throw new IllegalStateException("dimension " + axis + " of " + this + " is symbolic");
    }

    /** All sizes; only for a static shape. */
    public long[] sizes() {
        long[] r = new long[dims.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = size(i);
        }
        return r;
    }

    /** The element count of a static shape. */
    public long elementCount() {
        long n = 1;
        for (int i = 0; i < dims.size(); i++) {
            n = Math.multiplyExact(n, size(i));
        }
        return n;
    }

    /** This shape with symbols replaced by the sizes given for them (others left symbolic). */
    public Shape bind(Map<String, Long> symbols) {
        List<Dim> d = new ArrayList<>(dims.size());
        for (Dim x : dims) {
            if (x instanceof Dim.Symbolic(String name) && symbols.containsKey(name)) {
                d.add(Dim.of(symbols.get(name)));
            } else {
                d.add(x);
            }
        }
        return new Shape(d);
    }

    @Override
    public String toString() {
        return dims.toString();
    }

    static String sizesToString(long[] s) {
        return Arrays.toString(s);
    }
}
