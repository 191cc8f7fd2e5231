package io.occlusion4j.graph;

/**
 * Slice's operands, decoded once (attributes before opset 10, constant inputs after): per listed entry an
 * axis, a start and end (negative counts from the end, clamped to the axis) and a non-zero step.
 *
 * @param starts start per entry
 * @param ends   end per entry
 * @param axes   axis per entry, null for 0, 1, 2, ...
 * @param steps  step per entry, null for all 1
 */
public record SliceSpec(long[] starts, long[] ends, long[] axes, long[] steps) {

    /** One entry resolved against its axis's size: the first index read, the step and the count read. */
    public record Extent(long start, long step, long count) {
    }

    /** Decodes a Slice node; {@code in} gives inputs 1 to 4 from opset 10 on. */
    public static SliceSpec of(Node node, long opset, ConstantInputs in) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset < 10) {
            starts = node.intsAttr("starts");
            ends = node.intsAttr("ends");
            axes = node.intsAttr("axes");
        } else {
            starts = in.longs(1);
            ends = in.longs(2);
            axes = in.longs(3);
            steps = in.longs(4);
        }
        if (starts == null || ends == null) {
            throw node.error("starts and ends are required");
        }
        if (starts.length != ends.length || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw node.error("starts, ends, axes and steps must have equal lengths");
        }
        return new SliceSpec(starts, ends, axes, steps);
    }

    /** Number of entries. */
    public int size() {
        return starts.length;
    }

    /** The axis of entry {@code i} for an input of {@code rank}. */
    public int axis(Node node, int i, int rank) {
        return Axes.axis(node, axes == null ? i : axes[i], rank);
    }

    /** The step of entry {@code i}; fails on 0. */
    public long step(Node node, int i) {
        long st = steps == null ? 1 : steps[i];
        if (st == 0) {
            throw node.error("a slice step must not be 0");
        }
        return st;
    }

    /** True when entry {@code i} keeps its whole axis whatever its size (start 0, step 1, end past any size). */
    public boolean keepsWholeAxis(int i) {
        return starts[i] == 0 && (steps == null || steps[i] == 1) && ends[i] >= Integer.MAX_VALUE;
    }

    /** Entry {@code i} on an axis of size {@code dim}: starts and ends clamped as ONNX does. */
    public Extent extent(Node node, int i, long dim) {
        long st = step(node, i);
        long s = starts[i] < 0 ? starts[i] + dim : starts[i];
        long e = ends[i] < 0 ? ends[i] + dim : ends[i];
        if (st > 0) {
            s = Math.clamp(s, 0, dim);
            e = Math.clamp(e, 0, dim);
        } else {
            s = Math.clamp(s, 0, dim - 1);
            e = Math.clamp(e, -1, dim - 1);
        }
        long c = st > 0 ? Math.max(0, Math.ceilDiv(e - s, st)) : Math.max(0, Math.ceilDiv(s - e, -st));
        return new Extent(s, st, c);
    }
}
