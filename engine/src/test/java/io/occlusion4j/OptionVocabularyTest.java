// The shared option vocabulary: each type's parser, ExplainOptions over them, and errors that name the option.
package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.io.Npy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionVocabularyTest {
    @TempDir
    Path dir;

    /** The exception's type, the option it names, and what its message says. */
    private static void refused(Runnable parse, String option, String... mentions) {
        assertThatThrownBy(parse::run).isInstanceOfSatisfying(InvalidOptionException.class, e -> {
            assertThat(e.option()).isEqualTo(option);
            assertThat(e.getMessage()).contains(option + " ").contains(e.problem());
            if (e.value() != null) {
                assertThat(e.getMessage()).startsWith("invalid " + option + " '" + e.value() + "': ");
            } else {
                assertThat(e.getMessage()).startsWith(option + " ");
            }
            for (String m : mentions) {
                assertThat(e.getMessage()).contains(m);
            }
        });
    }

    @Test
    void fillGrammar() {
        assertThat(Fill.parse("0.25")).isInstanceOfSatisfying(Fill.Constant.class, c -> assertThat(c.values()).containsExactly(0.25f));
        assertThat(Fill.parse(" 0.1, 0.2 ,0.3 ")).isInstanceOfSatisfying(Fill.Constant.class,
                c -> assertThat(c.values()).containsExactly(0.1f, 0.2f, 0.3f));
        assertThat(Fill.parse("MEAN")).isEqualTo(Fill.mean());
        assertThat(Fill.parse("blur")).isEqualTo(Fill.blur(5.0)).isEqualTo(Fill.blur(Fill.DEFAULT_BLUR_SIGMA));
        assertThat(Fill.parse("blur:1.5")).isEqualTo(Fill.blur(1.5));
        assertThat(Fill.parse("noise")).isEqualTo(Fill.noise(0));
        assertThat(Fill.parse("noise:7")).isEqualTo(Fill.noise(7));
    }

    @Test
    void fillBaselineFilesAreReadOrRefusedByTheCaller() {
        Path file = dir.resolve("base.npy");
        Npy.write(file, Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2));
        assertThat(Fill.parse(file.toString())).isInstanceOfSatisfying(Fill.Baseline.class,
                b -> assertThat(b.tensor().data()).containsExactly(1, 2, 3, 4));
        refused(() -> Fill.parse("x.npy", p -> {
            throw new InvalidOptionException("fill", p.toString(), "no files here");
        }), "fill", "no files here");
        assertThatThrownBy(() -> Fill.parse(dir.resolve("missing.npy").toString()))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("missing.npy");
    }

    @Test
    void badFillsNameTheOptionAndTheText() {
        refused(() -> Fill.parse("grey"), "fill", "'grey'", Fill.GRAMMAR);
        refused(() -> Fill.parse("blur:-1"), "fill", "'blur:-1'", "sigma");
        refused(() -> Fill.parse("blur:x"), "fill", "'blur:x'");
        refused(() -> Fill.parse("noise:x"), "fill", "seed");
        refused(() -> Fill.parse("0.5,,1"), "fill", "'0.5,,1'");
        refused(() -> Fill.parse("NaN"), "fill", "finite");
    }

    @Test
    void enumsTakeTheirLowerCaseNamesInAnyCase() {
        assertThat(Edge.parse("Shift")).isEqualTo(Edge.SHIFT);
        assertThat(Score.parse("softmax")).isEqualTo(Score.SOFTMAX);
        assertThat(Reduce.parse(" max ")).isEqualTo(Reduce.MAX);
        assertThat(Backend.parse("CPU")).isEqualTo(Backend.CPU);
        assertThat(Layout.parse("nhwc")).isEqualTo(Layout.CHANNELS_LAST);
        assertThat(Layout.parse("NCHW")).isEqualTo(Layout.CHANNELS_FIRST);
        refused(() -> Edge.parse("wrap"), "edge", "'wrap'", "crop, inside, shift");
        refused(() -> Score.parse("logit"), "score", "'logit'", "raw, softmax, sigmoid");
        refused(() -> Reduce.parse("mean"), "reduce", "'mean'", "none, max");
        refused(() -> Backend.parse("tpu"), "backend", "'tpu'", "auto, cpu, cuda");
        refused(() -> Layout.parse("chw"), "layout", "'chw'", "nchw, nhwc");
    }

    @Test
    void targets() {
        assertThat(Targets.parse("2, 0")).isInstanceOfSatisfying(Targets.Explicit.class,
                t -> assertThat(t.indices()).containsExactly(2, 0));
        assertThat(Targets.parseTopK("3")).isEqualTo(Targets.topK(3));
        refused(() -> Targets.parse("-1"), "target", "'-1'", ">= 0");
        refused(() -> Targets.parse("a"), "target", "'a'");
        refused(() -> Targets.parseTopK("0"), "top-k", "'0'", "k >= 1");
        refused(() -> Targets.parseTopK("2,3"), "top-k", "'2,3'");
    }

    @Test
    void absentOptionsAreTheLibraryDefaults() {
        ExplainOptions o = ExplainOptions.parse(Map.of());
        Settings d = Settings.DEFAULTS;
        assertThat(o.window()).isNull();
        assertThat(o.stride()).isNull();
        assertThat(o.edge()).isEqualTo(d.edge());
        assertThat(o.fill()).isSameAs(d.fill());
        assertThat(o.fillText()).isEqualTo(ExplainOptions.DEFAULT_FILL);
        assertThat(Fill.parse(ExplainOptions.DEFAULT_FILL)).isInstanceOfSatisfying(Fill.Constant.class,
                c -> assertThat(c.values()).isEqualTo(((Fill.Constant) d.fill()).values()));
        assertThat(o.perChannel()).isEqualTo(d.perChannel());
        assertThat(o.allowGaps()).isEqualTo(d.allowGaps());
        assertThat(o.score()).isEqualTo(d.score());
        assertThat(o.outputs()).isEqualTo(d.outputs());
        assertThat(o.reduce()).isEqualTo(d.reduce());
        assertThat(o.targets()).isEqualTo(d.targets());
        assertThat(o.batchSize()).isEqualTo(d.batchSize());
        assertThat(o.incremental()).isEqualTo(d.incremental()).isEqualTo(Incremental.AUTO);
        assertThat(o.approximate()).isEqualTo(d.approximate()).isEqualTo(1.0);
    }

    @Test
    void everyOptionParsedAndApplied() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("window", "4");
        given.put("stride", "2,3");
        given.put("edge", "inside");
        given.put("fill", "blur:2");
        given.put("per-channel", "");
        given.put("allow-gaps", "true");
        given.put("score", "sigmoid");
        given.put("output", "a, b");
        given.put("reduce", "max");
        given.put("top-k", "2");
        given.put("batch", "7");
        given.put("incremental", "on");
        given.put("approximate", "0.5");
        ExplainOptions o = ExplainOptions.parse(given);
        assertThat(ExplainOptions.NAMES).containsAll(given.keySet());
        assertThat(o.window(2)).containsExactly(4, 4);
        assertThat(o.stride(2)).containsExactly(2, 3);
        assertThat(o.fillText()).isEqualTo("blur:2");
        assertThat(o.outputs()).containsExactly("a", "b");
        Settings s = o.applyWindow(o.applyTo(Occlusion.builder()), 2).settings();
        assertThat(s.window()).containsExactly(4, 4);
        assertThat(s.stride()).containsExactly(2, 3);
        assertThat(s.edge()).isEqualTo(Edge.INSIDE);
        assertThat(s.fill()).isEqualTo(Fill.blur(2));
        assertThat(s.perChannel()).isTrue();
        assertThat(s.allowGaps()).isTrue();
        assertThat(s.score()).isEqualTo(Score.SIGMOID);
        assertThat(s.outputs()).containsExactly("a", "b");
        assertThat(s.reduce()).isEqualTo(Reduce.MAX);
        assertThat(s.targets()).isEqualTo(Targets.topK(2));
        assertThat(s.batchSize()).isEqualTo(7);
        assertThat(s.incremental()).isEqualTo(Incremental.ON);
        assertThat(s.approximate()).isEqualTo(0.5);
    }

    @Test
    void theStrideDefaultsToTheWindowAndOneValueCoversEveryAxis() {
        ExplainOptions o = ExplainOptions.parse(Map.of("window", "2,3,4"));
        assertThat(o.stride(3)).containsExactly(2, 3, 4);
        Settings s = o.applyWindow(Occlusion.builder().stride(9, 9, 9), 3).settings();
        assertThat(s.stride()).containsExactly(2, 3, 4); // a derived explainer's old stride does not survive
        assertThat(ExplainOptions.parse(Map.of("window", "5", "stride", "1,2")).window(2)).containsExactly(5, 5);
    }

    @Test
    void badOptionsNameTheOption() {
        refused(() -> ExplainOptions.parse(Map.of("windw", "8")), "windw", "not an option");
        refused(() -> ExplainOptions.parse(Map.of("window", "0")), "window", "'0'", "must be >= 1", "positive");
        refused(() -> ExplainOptions.parse(Map.of("window", "two")), "window", "'two'");
        refused(() -> ExplainOptions.parse(Map.of("stride", "-4")), "stride", "'-4'");
        refused(() -> ExplainOptions.parse(Map.of("window", "2,2", "stride", "1,1,1")), "stride", "'1,1,1'", "3 values but window '2,2' has 2");
        refused(() -> ExplainOptions.parse(Map.of("per-channel", "maybe")), "per-channel", "'maybe'");
        refused(() -> ExplainOptions.parse(Map.of("output", "a,,b")), "output", "'a,,b'");
        refused(() -> ExplainOptions.parse(Map.of("batch", "-1")), "batch", "'-1'", "batch size");
        refused(() -> ExplainOptions.parse(Map.of("incremental", "sometimes")), "incremental", "'sometimes'");
        refused(() -> ExplainOptions.parse(Map.of("approximate", "0")), "approximate", "'0'", "(0, 1]");
        refused(() -> ExplainOptions.parse(Map.of("approximate", "half")), "approximate", "'half'");
        refused(() -> ExplainOptions.parse(Map.of("target", "1", "top-k", "2")), "top-k", "mutually exclusive");
        refused(() -> ExplainOptions.parse(Map.of("window", "2,2,2")).window(2), "window", "3 values", "2 spatial axes");
        refused(() -> ExplainOptions.parse(Map.of("window", "2", "stride", "1,1,1")).stride(2), "stride", "3 values");
        refused(() -> ExplainOptions.parse(Map.of()).window(2), "window", "not set");
        assertThat(ExplainOptions.perAxis(new int[] {3}, 3, "window")).containsExactly(3, 3, 3);
    }

    @Test
    void theNamesAreTheServersAndTheCommandLinesSpelling() {
        assertThat(ExplainOptions.NAMES).containsExactly("window", "stride", "edge", "fill", "per-channel", "allow-gaps", "score",
                "output", "reduce", "target", "top-k", "batch", "incremental", "approximate");
    }
}
