package io.occlusion4j.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One dimension of a declared tensor shape: either a fixed size or a symbol (such as {@code "N"} for a
 * dynamic batch) that ONNX writes as {@code dim_param}.
 */
public sealed interface Dim {

    /** A dimension of known size. */
    record Fixed(long size) implements Dim {
        public Fixed {
            if (size < 0) {
                throw new IllegalArgumentException("a fixed dimension must be >= 0, got " + size);
            }
        }

        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    /** A dimension known only by name, e.g. {@code "N"}; equal names mean equal sizes. */
    record Symbolic(String name) implements Dim {
        public Symbolic {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a symbolic dimension needs a non-blank name");
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A fixed dimension. */
    static Dim of(long size) {
        return new Fixed(size);
    }

    /** A symbolic dimension. */
    static Dim sym(String name) {
        return new Symbolic(name);
    }

    /**
     * A shape from a mix of numbers (fixed) and strings (symbolic): {@code Dim.shape("N", 3, 224, 224)}.
     */
    static List<Dim> shape(Object... parts) {
        List<Dim> dims = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            Object p = parts[i];
            switch (p) {
                case Dim d -> dims.add(d);
                case Integer n -> dims.add(of(n));
                case Long n -> dims.add(of(n));
                case String s -> dims.add(sym(s));
                case null -> throw new IllegalArgumentException("dimension " + i + " is null");
                default -> throw new IllegalArgumentException(
                        "dimension " + i + " must be an Integer, Long, String or Dim, got " + p.getClass().getName());
            }
        }
        return List.copyOf(dims);
    }

    /** A shape of fixed dimensions. */
    static List<Dim> fixed(long... sizes) {
        List<Dim> dims = new ArrayList<>(sizes.length);
        for (long s : sizes) {
            dims.add(of(s));
        }
        return List.copyOf(dims);
    }
}
