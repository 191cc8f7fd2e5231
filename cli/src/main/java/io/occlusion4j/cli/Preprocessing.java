// The model-input flags explain, evaluate and serve share: size, normalisation, channel order, layout.
package io.occlusion4j.cli;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import picocli.CommandLine.Option;

/** A picocli mixin: how an input becomes the model's input, checked once and applied to a builder. */
final class Preprocessing {
    @Option(names = "--size", paramLabel = "HxW", converter = ExplainCommand.SizeConverter.class,
            description = "resize images to H x W (default: the model's fixed input size, else the image's)")
    ExplainCommand.ImageSize size;

    @Option(names = "--mean", split = ",", paramLabel = "a,b,c", description = "normalisation mean (one value or one per channel)")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "a,b,c", description = "normalisation std (one value or one per channel)")
    float[] std;

    @Option(names = "--bgr", description = "channels in BGR order (images are converted; tensors are taken to be BGR already)")
    boolean bgr;

    @Option(names = "--layout", defaultValue = "nchw", paramLabel = "nchw|nhwc", description = "the model's input layout; default ${DEFAULT-VALUE}")
    ExplainCommand.LayoutOption layout;

    /** Usage errors of these flags; {@code tensorInput}: the input is an NPY tensor, which is never resized. */
    void check(boolean tensorInput) {
        if ((mean == null) != (std == null)) {
            throw new Main.UsageException("--mean and --std go together: give both or neither");
        }
        if (size != null && tensorInput) {
            throw new Main.UsageException("--size resizes images; a --tensor input is used at its own size");
        }
    }

    Occlusion.Builder applyTo(Occlusion.Builder b) {
        b.bgr(bgr).layout(layout == ExplainCommand.LayoutOption.NHWC ? Layout.CHANNELS_LAST : Layout.CHANNELS_FIRST);
        if (mean != null) {
            b.normalize(mean, std);
        }
        if (size != null) {
            b.imageSize(size.height(), size.width());
        }
        return b;
    }
}
