package io.occlusion4j.graph;

import java.util.Objects;

/** A named value's element type and shape. */
public record ValueInfo(String name, DataType type, Shape shape) {
    public ValueInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(shape, "shape");
    }

    @Override
    public String toString() {
        return name + ": " + type + shape;
    }
}
