// The explanation flags explain and serve share (and a batch command can): one mixin, turned into builder calls in one place.
package io.occlusion4j.cli;

import static io.occlusion4j.cli.ScoreFlags.putIfGiven;

import io.occlusion4j.ExplainOptions;
import io.occlusion4j.Occlusion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A picocli mixin: the model ({@link ModelFlags}: model, back end, threads, preprocessing), how variants are filled
 * and scored ({@link ScoreFlags}), and the window grid and targets. The option values are kept as typed:
 * {@link #given()} is what {@code serve} hands its server as request defaults, and {@link #options()} parses them
 * with the engine's {@link ExplainOptions}, the parser the server uses for its requests. An
 * {@link io.occlusion4j.InvalidOptionException} from it is a usage error naming the flag ({@link Main}).
 */
final class ExplanationFlags {
    static final class TargetChoice {
        @Option(names = "--target", split = ",", paramLabel = "N", description = "score indices to explain (default: the argmax)")
        List<String> indices;
        @Option(names = "--top-k", paramLabel = "K", description = "explain the K highest scores of the unoccluded input")
        String topK;
    }

    @Mixin
    ModelFlags model = new ModelFlags();

    @Option(names = "--window", split = ",", paramLabel = "N",
            description = "window size per spatial axis (one value: the same on every axis)")
    List<String> window;

    @Option(names = "--stride", split = ",", paramLabel = "N", description = "stride per spatial axis (default: the window)")
    List<String> stride;

    @Option(names = "--edge", paramLabel = "crop|inside|shift",
            description = "last window at an edge: crop it (Captum; the default), only whole windows, or shift it back (MONAI)")
    String edge;

    @Mixin
    ScoreFlags scoring = new ScoreFlags();

    @Option(names = "--per-channel", description = "occlude one channel at a time (maps get a channel axis)")
    boolean perChannel;

    @Option(names = "--allow-gaps", description = "accept a stride larger than the window")
    boolean allowGaps;

    @ArgGroup(exclusive = true)
    TargetChoice targets;

    @Option(names = "--batch", paramLabel = "B", description = "variants per forward (0, the default: from a memory budget)")
    String batch;

    @Option(names = "--incremental", paramLabel = "auto|on|off",
            description = "CPU back end: recompute only what each window changes, layer by layer (exact; auto, the default:"
                    + " where the cost model predicts a gain)")
    String incremental;

    @Option(names = "--approximate", paramLabel = "TAU",
            description = "incremental inference's projective-field threshold in (0, 1]: cap each layer's recomputed patch"
                    + " at TAU of its map (faster, approximate; 1, the default: exact)")
    String approximate;

    /** The flags given, by the vocabulary's names ({@link ExplainOptions#NAMES}), as typed. */
    Map<String, String> given() {
        Map<String, String> g = new LinkedHashMap<>();
        putIfGiven(g, "window", window == null ? null : String.join(",", window));
        putIfGiven(g, "stride", stride == null ? null : String.join(",", stride));
        putIfGiven(g, "edge", edge);
        scoring.putGiven(g);
        putIfGiven(g, "per-channel", perChannel ? "true" : null);
        putIfGiven(g, "allow-gaps", allowGaps ? "true" : null);
        if (targets != null) {
            putIfGiven(g, "target", targets.indices == null ? null : String.join(",", targets.indices));
            putIfGiven(g, "top-k", targets.topK);
        }
        putIfGiven(g, "batch", batch);
        putIfGiven(g, "incremental", incremental);
        putIfGiven(g, "approximate", approximate);
        return g;
    }

    /** The flags parsed by the engine (a baseline {@code --fill FILE.npy} is read now). */
    ExplainOptions options() {
        return ExplainOptions.parse(given());
    }

    /** The one place these flags become builder calls: the model's, then every option but the window (each mode sets its own). */
    Occlusion.Builder builder(ExplainOptions options) {
        return options.applyTo(model.builder());
    }
}
