// The device loop's scorer for incremental inference: the unoccluded forward whole, each batch of variants on patches.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;

/**
 * Scores with an {@link IncrementalDevicePlan}. The loop's variant writer writes into this scorer's own batch buffer
 * ({@link #inputBuffer()}, fp32 in the model's layout), from which the first steps gather their contexts.
 * {@link #score} is the unoccluded forward (one row, the loop's first call): the whole model, keeping the activations
 * the variants read; {@link #scoreWindows} scores a batch of variants incrementally. The scores go out as the
 * {@link PlanScorer}'s do: {@code [rows, K]} from the scoring plan's output slot.
 */
final class IncrementalScorer implements Scorer, AutoCloseable {
    private final IncrementalDevicePlan plan;
    private final Device.Buffer input;
    private final BufferSlot baseOut;
    private final BufferSlot suffixOut;
    private final int outputs;
    private final int lastAxis;
    private boolean unoccluded;

    IncrementalScorer(Device device, IncrementalDevicePlan plan) {
        this.plan = plan;
        this.baseOut = plan.base().plan().slot(plan.output());
        this.suffixOut = plan.suffix().plan().slot(plan.output());
        long[] shape = suffixOut.shape();
        this.outputs = Math.toIntExact(suffixOut.elementCount() / Math.max(1, shape[0]));
        this.lastAxis = shape.length > 1 ? Math.toIntExact(shape[shape.length - 1]) : 1;
        if (baseOut.elementCount() != outputs) {
            throw new IllegalStateException("the unoccluded plan scores " + baseOut.elementCount() + " outputs, the suffix "
                    + outputs + " per variant");
        }
        this.input = device.allocate(4L * plan.batch() * plan.sampleElements());
    }

    @Override
    public int outputsPerSample() {
        return outputs;
    }

    @Override
    public int lastAxis() {
        return lastAxis;
    }

    @Override
    public Device.Buffer inputBuffer() {
        return input;
    }

    /** The unoccluded forward: row 0 of {@code batch} through the whole model, its activations kept for the variants. */
    @Override
    public void score(Device.Buffer batch, int rows, Device.Buffer out) {
        if (rows != 1) {
            throw new IllegalArgumentException("the incremental scorer scores the unoccluded sample alone through score(), "
                    + "not " + rows + " rows; variants go through scoreWindows");
        }
        plan.unoccluded(batch);
        plan.base().copyOut(baseOut.offset(), out, outputs);
        unoccluded = true;
    }

    @Override
    public void scoreWindows(Device.Buffer batch, int rows, long firstWindow, Device.Buffer out) {
        if (!unoccluded) {
            throw new IllegalStateException("the unoccluded sample must be scored first: the variants' patches are laid "
                    + "over its activations");
        }
        if (rows > plan.batch()) {
            throw new IllegalArgumentException("asked for " + rows + " rows, the plan holds " + plan.batch());
        }
        plan.variants(batch, firstWindow);
        plan.suffix().copyOut(suffixOut.offset(), out, (long) rows * outputs);
    }

    @Override
    public void close() {
        input.close();
    }
}
