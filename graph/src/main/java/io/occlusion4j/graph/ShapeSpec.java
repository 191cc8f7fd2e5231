package io.occlusion4j.graph;

/** Shape's optional {@code start} and {@code end} (opset 15), decoded once. */
public record ShapeSpec(Long start, Long end) {

    public static ShapeSpec of(Node node) {
        return new ShapeSpec(node.has("start") ? node.intAttr("start", 0) : null,
                node.has("end") ? node.intAttr("end", 0) : null);
    }

    /** The axes {@code [from, to)} reported for an input of {@code rank} axes (negative counts from the end, clamped). */
    public int[] range(int rank) {
        long s0 = start == null ? 0 : start;
        long e0 = end == null ? rank : end;
        int s = Math.clamp(s0 < 0 ? s0 + rank : s0, 0, rank);
        int e = Math.clamp(e0 < 0 ? e0 + rank : e0, 0, rank);
        return new int[] {s, Math.max(s, e)};
    }
}
