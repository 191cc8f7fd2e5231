// The CUDA inference plan as the GPU occlusion loop's scorer: the variant writer writes into the plan's input slot.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.BufferSlot;

/**
 * Scores batches with a {@link CudaPlan}. {@link #inputBuffer()} is the plan's input slot, so
 * {@link GpuOcclusionSession} has the variant writer write there and nothing is copied (zero copy); a batch
 * in any other buffer is copied in first (fp16 batches widened into an fp32 slot). When the plan stores its
 * input as fp16 NHWC (the FP16 mode, {@link HalfRegions}) the slot is fp16 channels-last and the writer writes
 * that directly. Outputs {@code [rows, K]} are copied from
 * the output slot to the caller's buffer. A short last batch still runs the full plan (the rows past
 * {@code rows} hold stale variants and are not read).
 */
final class PlanScorer implements Scorer {
    private final CudaPlan plan;
    private final String input;
    private final String output;
    private final BufferSlot inputSlot;
    private final BufferSlot outputSlot;
    private final Device.Buffer inputView;
    private final boolean half;
    private final boolean halfSlot;
    private final int outputs;
    private final int lastAxis;

    /**
     * Scores with {@code plan}'s single input and its output {@code output}; {@code half}: batches arrive as fp16
     * (always so when the plan stores its input as fp16 NHWC).
     */
    PlanScorer(CudaPlan plan, String output, boolean half) {
        this.plan = plan;
        if (plan.plan().graph().inputs().size() != 1) {
            throw new IllegalArgumentException("a scorer needs a model with one input, not "
                    + plan.plan().graph().inputs().size());
        }
        this.input = plan.plan().graph().inputs().get(0).name();
        this.inputSlot = plan.plan().slot(input);
        this.output = output;
        this.outputSlot = plan.plan().slot(output);
        this.halfSlot = plan.isHalf(input);
        this.half = half || halfSlot;
        this.inputView = this.half && !halfSlot ? null : plan.slot(input);
        long[] shape = outputSlot.shape();
        long per = outputSlot.elementCount() / Math.max(1, shape[0]);
        this.outputs = Math.toIntExact(per);
        this.lastAxis = shape.length > 1 ? Math.toIntExact(shape[shape.length - 1]) : 1;
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
    public boolean halfInput() {
        return half;
    }

    @Override
    public boolean channelsLastInput() {
        return halfSlot;
    }

    /** The plan's input slot, where the variant writer writes; null for fp16 batches into an fp32 slot (a cast). */
    @Override
    public Device.Buffer inputBuffer() {
        return inputView;
    }

    /** The plan output it scores. */
    String output() {
        return output;
    }

    @Override
    public void score(Device.Buffer batch, int rows, Device.Buffer out) {
        if (rows > plan.batch()) {
            throw new IllegalArgumentException("asked for " + rows + " rows, the plan holds " + plan.batch());
        }
        long sample = inputSlot.elementCount() / plan.batch();
        if (halfSlot) {
            if (batch.address() != inputView.address()) {
                plan.copyIn(batch, inputSlot.offset(), (rows * sample + 1) / 2);
            }
        } else if (half) {
            plan.widenInto(batch, input, rows * sample);
        } else if (batch.address() != inputView.address()) {
            plan.copyIn(batch, inputSlot.offset(), rows * sample);
        }
        plan.forward();
        plan.copyOut(outputSlot.offset(), out, (long) rows * outputs);
    }
}
