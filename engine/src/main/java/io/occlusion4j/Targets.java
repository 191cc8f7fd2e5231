package io.occlusion4j;

import java.util.Arrays;

/** Which output scores are explained. All targets come from the same forwards. */
public sealed interface Targets {

    /** The highest score of the unoccluded input (the default). */
    static Targets argmax() {
        return TopK.ARGMAX;
    }

    /** The {@code k} highest scores of the unoccluded input, best first (ties: lower index first). */
    static Targets topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
        }
        return new TopK(k);
    }

    /** The given score indices, in this order. */
    static Targets of(int... indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("an explicit target list must not be empty");
        }
        for (int i : indices) {
            if (i < 0) {
                throw new IllegalArgumentException("target " + i + " is negative");
            }
        }
        return new Explicit(indices.clone());
    }

    /** {@code N} or {@code N,N,..}: score indices, as {@code --target} takes them. */
    static Targets parse(String text) {
        return of(OptionText.integers("target", text, 0, "each value must be >= 0 (score indices, N or N,N,..)"));
    }

    /** {@code K}: the K highest scores, as {@code --top-k} takes it. */
    static Targets parseTopK(String text) {
        return topK(OptionText.integer("top-k", text, 1, "needs k >= 1 (one number: the K highest scores)"));
    }

    /**
     * Resolves the targets against the transformed scores of the unoccluded input.
     *
     * @param outputName named in errors
     */
    default int[] resolve(float[] baseScores, String outputName) {
        int count = baseScores.length;
        return switch (this) {
            case Explicit e -> {
                for (int t : e.indices()) {
                    if (t >= count) {
                        throw new IllegalArgumentException("target " + t + " is out of range: the output " + outputName
                                + " has " + count + " score" + (count == 1 ? "" : "s") + " (valid targets 0.." + (count - 1) + ")");
                    }
                }
                yield e.indices().clone();
            }
            case TopK t -> {
                if (t.k() > count) {
                    throw new IllegalArgumentException("top-k " + t.k() + " is out of range: the output " + outputName
                            + " has only " + count + " score" + (count == 1 ? "" : "s"));
                }
                Integer[] order = new Integer[count];
                for (int i = 0; i < count; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> {
                    int c = Float.compare(baseScores[b], baseScores[a]);
                    return c != 0 ? c : Integer.compare(a, b);
                });
                int[] out = new int[t.k()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = order[i];
                }
                yield out;
            }
        };
    }

    record TopK(int k) implements Targets {
        static final TopK ARGMAX = new TopK(1);
    }

    record Explicit(int[] indices) implements Targets {}
}
