package io.occlusion4j.io;

import io.occlusion4j.Reduce;
import io.occlusion4j.RunStats;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plain-value summaries of a map that the command line's JSON and the HTTP service's answers share
 * (ordered maps of numbers, strings and arrays, ready for any JSON encoder), so both speak one schema.
 */
public final class Summaries {
    private Summaries() {}

    /**
     * One entry per target: {@code index}, {@code label}, {@code base_score}, {@code max_drop},
     * {@code min_drop} and {@code max_drop_at} (the pixel-map coordinates of the largest drop).
     */
    public static List<Map<String, Object>> targets(SensitivityMap map, List<String> labels) {
        if (labels.size() != map.targetCount()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + map.targetCount() + " targets");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        int[] indices = map.targets();
        float[] base = map.baseScores();
        for (int t = 0; t < indices.length; t++) {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("index", indices[t]);
            target.put("label", labels.get(t));
            target.put("base_score", base[t]);
            Tensor pixelMap = map.pixelMap(t);
            float[] pixels = pixelMap.data();
            int arg = pixelMap.argmax();
            float min = Float.POSITIVE_INFINITY;
            for (float v : pixels) {
                min = Math.min(min, v);
            }
            target.put("max_drop", pixels[arg]);
            target.put("min_drop", min);
            target.put("max_drop_at", pixelMap.coordinates(arg));
            out.add(target);
        }
        return out;
    }

    /**
     * The label of each target: line {@code t} of {@code labels} when there is a non-empty one (a labels file may
     * name a reduced score too), else {@code "max <score> score"} when {@code reduce} made one score of the outputs,
     * else {@code "class t"}.
     */
    public static List<String> labels(int[] targets, List<String> labels, Reduce reduce, Score score) {
        List<String> out = new ArrayList<>();
        for (int t : targets) {
            if (labels != null && t < labels.size() && !labels.get(t).isEmpty()) {
                out.add(labels.get(t));
            } else if (reduce == Reduce.MAX) {
                out.add("max " + score.name().toLowerCase(Locale.ROOT) + " score");
            } else {
                out.add("class " + t);
            }
        }
        return out;
    }

    /**
     * {@code windows}, {@code forwards}, {@code batch_size}, {@code seconds}, {@code variants_per_s}, {@code backend},
     * {@code device}; for a back end that checks itself (CUDA) also {@code verified} and {@code verification}.
     */
    /**
     * Incremental inference in one run: {@code mode}, {@code used}, {@code switch_layer}, {@code prefix_layers},
     * {@code predicted_speedup}, {@code flop_ratio}, {@code measured_speedup} (null when not measured), {@code tau},
     * {@code reason}.
     */
    public static Map<String, Object> incremental(io.occlusion4j.IncrementalStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", s.mode());
        m.put("used", s.used());
        m.put("switch_layer", s.switchLayer());
        m.put("prefix_layers", s.prefixLayers());
        m.put("predicted_speedup", s.predictedSpeedup());
        m.put("flop_ratio", s.flopRatio());
        m.put("measured_speedup", Double.isNaN(s.measuredSpeedup()) ? null : s.measuredSpeedup());
        m.put("tau", s.tau());
        m.put("reason", s.reason());
        return m;
    }

    public static Map<String, Object> stats(RunStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("windows", s.windows());
        m.put("forwards", s.forwards());
        m.put("batch_size", s.batchSize());
        m.put("seconds", s.seconds());
        m.put("variants_per_s", s.variantsPerSecond());
        m.put("backend", s.backend());
        m.put("device", s.device());
        if (!s.verification().isEmpty()) {
            m.put("verified", s.verified());
            m.put("verification", s.verification());
        }
        if (s.incremental() != io.occlusion4j.IncrementalStats.NONE) {
            m.put("incremental", incremental(s.incremental()));
        }
        return m;
    }
}
