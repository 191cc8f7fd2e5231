package io.occlusion4j.graph;

import java.util.Arrays;
import java.util.List;

/** A node attribute, in the kinds the supported operators use. */
public sealed interface Attribute {

    record Int(long value) implements Attribute {
    }

    record Float(float value) implements Attribute {
    }

    record Str(String value) implements Attribute {
    }

    record Ints(long[] values) implements Attribute {
        public Ints {
            values = values.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ints i && Arrays.equals(values, i.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return Arrays.toString(values);
        }
    }

    record Floats(float[] values) implements Attribute {
        public Floats {
            values = values.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Floats f && Arrays.equals(values, f.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return Arrays.toString(values);
        }
    }

    record Strs(List<String> values) implements Attribute {
        public Strs {
            values = List.copyOf(values);
        }
    }

    record Tensor(TensorValue value) implements Attribute {
    }

    /**
     * An attribute kind the IR does not model (graphs, sparse tensors, type protos); kept so that an
     * operator that needs it fails with a clear message instead of reading a default.
     */
    record Opaque(String kind) implements Attribute {
    }
}
