package io.occlusion4j.graph;

import java.util.Arrays;

/**
 * Where one activation lives in the plan's arena: a byte range, the steps between which it is live,
 * and, for a view (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout), the value whose bytes it
 * shares.
 *
 * @param value     the value's name
 * @param type      element type
 * @param shape     static shape
 * @param offset    byte offset in the arena (aligned to {@link BufferPlanner#ALIGNMENT})
 * @param bytes     size in bytes
 * @param firstStep the step that writes it (-1 for a graph input, written before step 0)
 * @param lastStep  the last step that reads it (the step count for a graph output, read after the last step)
 * @param viewOf    the value whose storage this one shares, or null
 */
public record BufferSlot(String value, DataType type, long[] shape, long offset, long bytes, int firstStep,
                         int lastStep, String viewOf) {

    public BufferSlot {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return TensorValue.count(shape);
    }

    /** True when the byte ranges of the two slots intersect. */
    public boolean overlapsInMemory(BufferSlot o) {
        return offset < o.offset + o.bytes && o.offset < offset + bytes;
    }

    /** True when both are live at some step. */
    public boolean overlapsInTime(BufferSlot o) {
        return firstStep <= o.lastStep && o.firstStep <= lastStep;
    }

    @Override
    public String toString() {
        return value + " " + type + Arrays.toString(shape) + " @" + offset + "+" + bytes + " steps " + firstStep + ".."
                + lastStep + (viewOf == null ? "" : " view of " + viewOf);
    }
}
