// gpu-std with --incremental on/off side by side: each mode's end-to-end times and the incremental block, as JSON and Markdown.
package io.occlusion4j.bench;

import io.occlusion4j.Incremental;
import io.occlusion4j.IncrementalStats;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.metrics.MapSimilarity;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The runs of one precision in several {@code --incremental} modes, in one CUDA back end session, alternating (round
 * {@code i} starts with mode {@code i mod n}, so that no mode always runs first). Per mode: the timed runs' seconds,
 * the run's batch and forwards, its {@link IncrementalStats} (used, switch layer, steps on patches, the cost model's
 * predicted and the probe's measured speed-up, the reason), and how far its grid map is from the first mode's (max
 * |difference| over the first map's range: incremental inference is exact, so about 1e-5 in fp32 storage).
 */
final class IncrementalRuns {

    private IncrementalRuns() {
    }

    /** One mode's figures at one precision. */
    record ModeRun(Incremental mode, int batch, int forwards, double[] seconds, IncrementalStats stats, double mapDifference) {

        double medianSeconds() {
            return median(seconds);
        }

        double variantsPerSecond(int variants) {
            return variants / medianSeconds();
        }
    }

    /** The list of modes from {@code on,off} (case-insensitive, no repeats); an IllegalArgumentException names a bad one. */
    static List<Incremental> parseModes(String option, String value) {
        java.util.LinkedHashSet<Incremental> modes = new java.util.LinkedHashSet<>();
        for (String m : value.split(",")) {
            try {
                if (!modes.add(Incremental.valueOf(m.trim().toUpperCase(Locale.ROOT)))) {
                    throw new IllegalArgumentException(option + ": '" + m + "' is given twice");
                }
            } catch (IllegalArgumentException e) {
                if (e.getMessage().contains("given twice")) {
                    throw e;
                }
                throw new IllegalArgumentException(option + ": '" + m + "' is not one of " + Arrays.toString(Incremental.values()));
            }
        }
        return List.copyOf(modes);
    }

    /**
     * Max |a - b| over b's range, over the first grid map ({@link MapSimilarity#maxDifferenceOverRange}: the plain
     * largest difference where b is flat); NaN when the shapes differ.
     */
    static double mapDifference(SensitivityMap a, SensitivityMap b) {
        float[] x = a.gridMap(0).data();
        float[] y = b.gridMap(0).data();
        return x.length != y.length ? Double.NaN : MapSimilarity.maxDifferenceOverRange(x, y);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The mode's median time over the reference mode's (OFF if listed, else the first): above 1 the mode is faster. */
    static double speedupOverReference(List<ModeRun> runs, ModeRun run) {
        ModeRun ref = runs.stream().filter(r -> r.mode() == Incremental.OFF).findFirst().orElse(runs.getFirst());
        return ref.medianSeconds() / run.medianSeconds();
    }

    /** The {@code "incremental_runs"} JSON object of one precision. */
    static String json(List<ModeRun> runs, int variants) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < runs.size(); i++) {
            ModeRun r = runs.get(i);
            IncrementalStats st = r.stats();
            b.append(i == 0 ? "" : ", ").append('"').append(r.mode().name().toLowerCase(Locale.ROOT)).append("\": {")
                    .append("\"batch\": ").append(r.batch()).append(", \"forwards\": ").append(r.forwards())
                    .append(", \"seconds\": [");
            for (int k = 0; k < r.seconds().length; k++) {
                b.append(k == 0 ? "" : ", ").append(num(r.seconds()[k]));
            }
            b.append("], \"seconds_median\": ").append(num(r.medianSeconds()))
                    .append(", \"variants_per_s\": ").append(num(r.variantsPerSecond(variants)))
                    .append(", \"speedup_vs_reference\": ").append(num(speedupOverReference(runs, r)))
                    .append(", \"map_difference_vs_first\": ").append(num(r.mapDifference()))
                    .append(", \"used\": ").append(st.used())
                    .append(", \"switch_layer\": \"").append(esc(st.switchLayer()))
                    .append("\", \"prefix_layers\": ").append(st.prefixLayers())
                    .append(", \"predicted_speedup\": ").append(num(st.predictedSpeedup()))
                    .append(", \"flop_ratio\": ").append(num(st.flopRatio()))
                    .append(", \"measured_speedup\": ").append(num(st.measuredSpeedup()))
                    .append(", \"reason\": \"").append(esc(st.reason())).append("\"}");
        }
        return b.append('}').toString();
    }

    /** The Markdown table header of {@link #row}. */
    static String header() {
        return "| precision | --incremental | batch | forwards | median s | variants/s | end to end vs off | used | switch layer "
                + "| steps on patches | predicted | measured (probe) | map diff vs first mode | reason |\n"
                + "|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|\n";
    }

    /** One Markdown row per mode. */
    static String rows(String precision, List<ModeRun> runs, int variants) {
        StringBuilder b = new StringBuilder();
        for (ModeRun r : runs) {
            IncrementalStats st = r.stats();
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.4f | %.1f | %.2fx | %s | %s | %d | %.2fx | %s | %s | %s |%n",
                    precision, r.mode().name().toLowerCase(Locale.ROOT), r.batch(), r.forwards(), r.medianSeconds(),
                    r.variantsPerSecond(variants), speedupOverReference(runs, r), st.used() ? "yes" : "no",
                    st.switchLayer().isEmpty() ? "-" : st.switchLayer(), st.prefixLayers(), st.predictedSpeedup(),
                    Double.isFinite(st.measuredSpeedup()) ? String.format(Locale.ROOT, "%.2fx", st.measuredSpeedup()) : "-",
                    Double.isFinite(r.mapDifference()) ? String.format(Locale.ROOT, "%.1e", r.mapDifference()) : "-",
                    st.reason().replace('|', '/').replace('\n', ' ')));
        }
        return b.toString();
    }

    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    static String esc(String v) {
        if (v == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
