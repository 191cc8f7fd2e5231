// occlusion4j explain: one model, one input, the maps written as PNG, NPY and JSON.
package io.occlusion4j.cli;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code explain} command: its flags, their usage checks, and which mode runs. The modes are their own classes
 * over one shared {@link ExplainRun}: {@link MapExplanation} (one map, exact or {@code --adaptive}, with
 * {@code --interactions} through {@link InteractionsReport}), {@link MultiScaleExplanation} and
 * {@link VideoExplanation}.
 */
@Command(name = "explain", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Computes the occlusion-sensitivity map of a model on one input.",
                "Occlusion happens in raw space ([0,1] pixels for images), before --mean/--std."},
        footer = {"", "Exit codes: 0 done; 1 runtime error (a model, image, NPY or labels file that cannot be read or does",
                "not fit the model, an output that cannot be written, NaN in the model output, --backend cuda in this",
                "build); 2 usage error (a bad flag, or settings the input cannot take: a window larger than the input,",
                "a stride larger than the window without --allow-gaps, a target out of range, --mean without --std)."})
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    final ExplainArgs args;

    ExplainCommand(boolean interactive) {
        this.args = new ExplainArgs(interactive);
    }

    @Override
    public Integer call() {
        if (args.verbose) {
            Logger.getLogger("io.occlusion4j").setLevel(Level.INFO);
        }
        args.checkFlags();
        ExplainArgs.mustExist(args.input.image, "image");
        ExplainArgs.mustExist(args.input.tensor, "tensor");
        if (args.input.video != null && !Files.exists(args.input.video)) {
            throw new OcclusionException("video " + args.input.video + " does not exist");
        }
        ExplainArgs.mustExist(args.labels, "labels");
        // A malformed option is a usage error before any model is loaded; a baseline --fill file is read here.
        ExplainRun run = new ExplainRun(args, args.flags.options(), args.labels == null ? null : ExplainArgs.readLabels(args.labels));
        if (args.input.video != null) {
            return new VideoExplanation(run).explain();
        }
        Tensor tensorInput = args.input.tensor != null ? Npy.read(args.input.tensor) : null;
        Images.Limits limits = args.imageLimits();
        if (args.input.image != null) {
            ExplainArgs.checkImageHeader(args.input.image, limits); // refused from its header before the model is loaded
        }
        int spatialAxes = tensorInput != null ? tensorInput.rank() - 1 : 2;
        // a tensor [1, C, H, W] may be a batch of one: whether it is depends on the model (ExplainRun.fitted checks again)
        boolean batchOfOne = tensorInput != null && tensorInput.rank() == 4 && tensorInput.dim(0) == 1;
        if (args.outPng != null && (spatialAxes != 2 && !batchOfOne || tensorInput != null && tensorInput.rank() != 3 && !batchOfOne)) {
            throw new UsageException("--out-png draws 2-D maps; this input has " + spatialAxes
                    + " spatial axes (write --out-npy instead)");
        }
        if (args.outInteractionsPng != null && spatialAxes != 2) {
            throw new UsageException("--out-interactions-png draws windows on 2-D inputs; this input has " + spatialAxes
                    + " spatial axes (write --out-interactions-json instead)");
        }
        ExplainRun.Input in = new ExplainRun.Input(tensorInput, args.input.image, limits, spatialAxes);
        return args.multiScale ? new MultiScaleExplanation(run).explain(in) : new MapExplanation(run).explain(in);
    }
}
