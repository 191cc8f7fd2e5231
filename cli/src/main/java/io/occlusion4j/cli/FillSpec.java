// Turns the text of --fill into a Fill.
package io.occlusion4j.cli;

import io.occlusion4j.Fill;
import io.occlusion4j.io.Npy;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code --fill} values: a number ({@code 0}, {@code 0.5}), one number per channel ({@code 0.485,0.456,0.406}),
 * {@code mean}, {@code blur} or {@code blur:SIGMA}, {@code noise} or {@code noise:SEED}, or a {@code .npy}
 * baseline of the input's shape.
 */
final class FillSpec {
    /** Blur sigma when {@code blur} names none, in input elements. */
    static final double DEFAULT_BLUR_SIGMA = 5.0;

    private FillSpec() {}

    static Fill parse(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.equals("mean")) {
            return Fill.mean();
        }
        if (lower.equals("blur") || lower.startsWith("blur:")) {
            double sigma = lower.equals("blur") ? DEFAULT_BLUR_SIGMA : number(t.substring(5), text);
            return Fill.blur(sigma);
        }
        if (lower.equals("noise") || lower.startsWith("noise:")) {
            if (lower.equals("noise")) {
                return Fill.noise(0);
            }
            try {
                return Fill.noise(Long.parseLong(t.substring(6).strip()));
            } catch (NumberFormatException e) {
                throw bad(text, "the noise seed must be an integer");
            }
        }
        if (lower.endsWith(".npy")) {
            return Fill.baseline(Npy.read(Path.of(t)));
        }
        String[] parts = t.split(",");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = (float) number(parts[i], text);
        }
        return values.length == 1 ? Fill.constant(values[0]) : Fill.constantPerChannel(values);
    }

    private static double number(String s, String whole) {
        try {
            double v = Double.parseDouble(s.strip());
            if (!Double.isFinite(v)) {
                throw bad(whole, "numbers must be finite");
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(whole, "expected VALUE, VALUE,VALUE,.., mean, blur[:SIGMA], noise[:SEED] or FILE.npy");
        }
    }

    private static Main.UsageException bad(String text, String why) {
        return new Main.UsageException("invalid value for --fill: '" + text + "': " + why);
    }
}
