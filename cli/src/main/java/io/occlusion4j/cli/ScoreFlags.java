// The flags of how a variant is filled and scored, shared by explain, evaluate and serve: --fill, --score, --output, --reduce.
package io.occlusion4j.cli;

import io.occlusion4j.ExplainOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * A picocli mixin holding these flags as the user typed them; the engine's {@link ExplainOptions}
 * parses them (as it parses the server's parameters of the same names), so an absent flag is the library's default.
 */
final class ScoreFlags {
    @Option(names = "--fill", paramLabel = "VALUE|a,b,c|mean|blur[:SIGMA]|noise[:SEED]|FILE.npy",
            description = "what replaces the window (evaluate: deleted elements), in raw space (default 0). VALUE may be one"
                    + " number per channel (a,b,c); blur's default sigma is 5 elements, noise's default seed 0; FILE.npy is a"
                    + " baseline of the input's shape")
    String fill;

    @Option(names = "--score", paramLabel = "raw|softmax|sigmoid",
            description = "transform of the model output before targets are read (default raw)")
    String score;

    @Option(names = "--output", split = ",", paramLabel = "NAME", description = "model output(s) to score (default: the first)")
    List<String> outputs;

    @Option(names = "--reduce", paramLabel = "none|max",
            description = "max: one score, the maximum over the selected outputs (a detector's top confidence); default none")
    String reduce;

    /** These flags parsed by the engine, every other option at its default (what {@code evaluate} needs). */
    ExplainOptions options() {
        Map<String, String> given = new LinkedHashMap<>();
        putGiven(given);
        return ExplainOptions.parse(given);
    }

    /** Puts the flags given into {@code options}, under the vocabulary's names. */
    void putGiven(Map<String, String> options) {
        putIfGiven(options, "fill", fill);
        putIfGiven(options, "score", score);
        putIfGiven(options, "output", outputs == null ? null : String.join(",", outputs));
        putIfGiven(options, "reduce", reduce);
    }

    static void putIfGiven(Map<String, String> options, String name, String value) {
        if (value != null) {
            options.put(name, value);
        }
    }
}
