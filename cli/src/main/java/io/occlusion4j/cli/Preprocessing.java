// The model-input flags explain, evaluate and serve share: size, normalisation, channel order, layout.
package io.occlusion4j.cli;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** A picocli mixin: how an input becomes the model's input, checked once and applied to a builder. */
final class Preprocessing {
    @Option(names = "--size", paramLabel = "HxW", converter = SizeConverter.class,
            description = "resize images to H x W (default: the model's fixed input size, else the image's)")
    ImageSize size;

    @Option(names = "--mean", split = ",", paramLabel = "a,b,c", description = "normalisation mean (one value or one per channel)")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "a,b,c", description = "normalisation std (one value or one per channel)")
    float[] std;

    @Option(names = "--bgr", description = "channels in BGR order (images are converted; tensors are taken to be BGR already)")
    boolean bgr;

    @Option(names = "--layout", defaultValue = "nchw", paramLabel = "nchw|nhwc", converter = VocabularyConverter.ToLayout.class,
            description = "the model's input layout; default ${DEFAULT-VALUE}")
    Layout layout;

    /** Usage errors of these flags; {@code tensorInput}: the input is an NPY tensor, which is never resized. */
    void check(boolean tensorInput) {
        if ((mean == null) != (std == null)) {
            throw new UsageException("--mean and --std go together: give both or neither");
        }
        if (size != null && tensorInput) {
            throw new UsageException("--size resizes images; a --tensor input is used at its own size");
        }
    }

    Occlusion.Builder applyTo(Occlusion.Builder b) {
        b.bgr(bgr).layout(layout);
        if (mean != null) {
            b.normalize(mean, std);
        }
        if (size != null) {
            b.imageSize(size.height(), size.width());
        }
        return b;
    }

    record ImageSize(int height, int width) {}

    /** {@code HxW}, both positive. */
    static final class SizeConverter implements CommandLine.ITypeConverter<ImageSize> {
        @Override
        public ImageSize convert(String value) {
            String[] parts = value.toLowerCase(Locale.ROOT).split("x");
            if (parts.length == 2) {
                try {
                    int h = Integer.parseInt(parts[0].strip());
                    int w = Integer.parseInt(parts[1].strip());
                    if (h > 0 && w > 0) {
                        return new ImageSize(h, w);
                    }
                } catch (NumberFormatException e) {
                    // falls through to the message below
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size HxW with positive H and W (e.g. 224x224)");
        }
    }
}
