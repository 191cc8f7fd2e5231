package io.occlusion4j.video;

import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A clip's sensitivity map, per target: the pixel map {@code [T, H, W]} (at the clip tensor's size), the
 * temporal profile (the map summed over each frame) and what the model scored.
 *
 * <p>From a 3-D model (one run over the whole clip, windows {@code (t, h, w)}) every frame shares the
 * run's targets and base scores. In per-frame mode (a frame-wise 2-D model, every frame explained on its
 * own) each frame has its own targets and base scores: with {@code Targets.argmax()} the target may
 * change from frame to frame; give {@code Targets.of(k)} to follow one class. Per-channel maps are
 * averaged over the channels.
 */
public final class VideoMap {
    /** How the map was computed. */
    public enum Mode {
        /** One 3-D run over the clip {@code [C, T, H, W]} with windows {@code (t, h, w)}. */
        CLIP_3D,
        /** Each frame {@code [C, H, W]} explained on its own with 2-D windows {@code (h, w)}. */
        PER_FRAME
    }

    private final Mode mode;
    private final int frames;
    private final int height;
    private final int width;
    private final float[][] maps;
    private final int[][] targets;
    private final float[][] baseScores;
    private final List<SensitivityMap> runs;

    private VideoMap(Mode mode, int frames, int height, int width, float[][] maps, int[][] targets,
            float[][] baseScores, List<SensitivityMap> runs) {
        this.mode = mode;
        this.frames = frames;
        this.height = height;
        this.width = width;
        this.maps = maps;
        this.targets = targets;
        this.baseScores = baseScores;
        this.runs = List.copyOf(runs);
    }

    /** The map of a 3-D run over a clip: its pixel maps must be {@code [T, H, W]} (or {@code [C, T, H, W]} per channel). */
    public static VideoMap ofClip(SensitivityMap run) {
        Objects.requireNonNull(run, "run");
        int[] shape = run.pixelShape();
        int off = run.perChannel() ? 1 : 0;
        if (shape.length != 3 + off) {
            throw new IllegalArgumentException("a clip's map must be [T, H, W], got pixel maps of shape "
                    + java.util.Arrays.toString(shape));
        }
        int t = shape[off];
        int h = shape[off + 1];
        int w = shape[off + 2];
        int k = run.targetCount();
        float[][] maps = new float[k][];
        for (int i = 0; i < k; i++) {
            maps[i] = channelMean(run.pixelMap(i).data(), run.perChannel() ? shape[0] : 1, t * h * w);
        }
        int[][] tg = new int[t][];
        float[][] bs = new float[t][];
        for (int f = 0; f < t; f++) {
            tg[f] = run.targets();
            bs[f] = run.baseScores();
        }
        return new VideoMap(Mode.CLIP_3D, t, h, w, maps, tg, bs, List.of(run));
    }

    /** The map of per-frame runs, one {@code [H, W]} map (or {@code [C, H, W]} per channel) per frame, in order. */
    public static VideoMap ofFrames(List<SensitivityMap> perFrame) {
        if (perFrame.isEmpty()) {
            throw new IllegalArgumentException("no frames");
        }
        SensitivityMap first = perFrame.getFirst();
        int[] shape = first.pixelShape();
        int off = first.perChannel() ? 1 : 0;
        if (shape.length != 2 + off) {
            throw new IllegalArgumentException("a frame's map must be [H, W], got pixel maps of shape "
                    + java.util.Arrays.toString(shape));
        }
        int t = perFrame.size();
        int h = shape[off];
        int w = shape[off + 1];
        int plane = h * w;
        int k = first.targetCount();
        float[][] maps = new float[k][t * plane];
        int[][] tg = new int[t][];
        float[][] bs = new float[t][];
        for (int f = 0; f < t; f++) {
            SensitivityMap m = perFrame.get(f);
            if (!java.util.Arrays.equals(m.pixelShape(), shape) || m.targetCount() != k) {
                throw new IllegalArgumentException("frame " + f + "'s map " + m + " differs in shape or target count from frame 0's " + first);
            }
            for (int i = 0; i < k; i++) {
                float[] fm = channelMean(m.pixelMap(i).data(), off == 1 ? shape[0] : 1, plane);
                System.arraycopy(fm, 0, maps[i], f * plane, plane);
            }
            tg[f] = m.targets();
            bs[f] = m.baseScores();
        }
        return new VideoMap(Mode.PER_FRAME, t, h, w, maps, tg, bs, perFrame);
    }

    private static float[] channelMean(float[] data, int channels, int n) {
        if (channels == 1) {
            return data;
        }
        float[] out = new float[n];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                out[i] += data[c * n + i];
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] /= channels;
        }
        return out;
    }

    public Mode mode() {
        return mode;
    }

    /** T. */
    public int frames() {
        return frames;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Number of targets (maps per frame). */
    public int targetCount() {
        return maps.length;
    }

    /** The pixel map of target {@code i}: {@code [T, H, W]} (a copy). */
    public Tensor pixelMap(int i) {
        return Tensor.of(maps[i].clone(), frames, height, width);
    }

    /** All pixel maps stacked: {@code [targets, T, H, W]} — what goes to NPY. */
    public Tensor pixelMaps() {
        int n = frames * height * width;
        float[] all = new float[maps.length * n];
        for (int i = 0; i < maps.length; i++) {
            System.arraycopy(maps[i], 0, all, i * n, n);
        }
        return Tensor.of(all, maps.length, frames, height, width);
    }

    /** Frame {@code t} of target {@code i}'s map, row-major {@code [H * W]} (a copy). */
    public float[] frameMap(int i, int t) {
        int plane = height * width;
        float[] out = new float[plane];
        System.arraycopy(maps[i], t * plane, out, 0, plane);
        return out;
    }

    /** The temporal profile of target {@code i}: for each frame, the map summed over the frame. */
    public double[] temporalProfile(int i) {
        int plane = height * width;
        double[] out = new double[frames];
        float[] m = maps[i];
        for (int t = 0; t < frames; t++) {
            double s = 0;
            for (int p = t * plane, end = p + plane; p < end; p++) {
                s += m[p];
            }
            out[t] = s;
        }
        return out;
    }

    /** The frame whose profile value is largest for target {@code i} (the first such). */
    public int peakFrame(int i) {
        double[] p = temporalProfile(i);
        int best = 0;
        for (int t = 1; t < p.length; t++) {
            if (p[t] > p[best]) {
                best = t;
            }
        }
        return best;
    }

    /** The largest element of target {@code i}'s map as {@code {t, y, x}} (the first such in row-major order). */
    public int[] argmax(int i) {
        float[] m = maps[i];
        int best = 0;
        for (int p = 1; p < m.length; p++) {
            if (m[p] > m[best]) {
                best = p;
            }
        }
        int plane = height * width;
        return new int[] {best / plane, (best % plane) / width, best % width};
    }

    /** The targets of frame {@code t} (the same for every frame of a 3-D run). */
    public int[] targets(int t) {
        return targets[t].clone();
    }

    /** The unoccluded scores of frame {@code t}'s targets (in per-frame mode, of that frame alone). */
    public float[] baseScores(int t) {
        return baseScores[t].clone();
    }

    /** The engine's maps: one for a 3-D run, one per frame in per-frame mode. */
    public List<SensitivityMap> runs() {
        return runs;
    }

    /** Occluded variants scored, over all runs. */
    public long variants() {
        return runs.stream().mapToLong(r -> r.stats().windows()).sum();
    }

    /** Seconds spent in the occlusion loops, over all runs. */
    public double seconds() {
        return runs.stream().mapToDouble(r -> r.stats().seconds()).sum();
    }

    /**
     * The map's summary as plain values (maps, lists, strings, numbers) for a JSON report: mode, shape,
     * per-target temporal profile, peak frame and argmax, per-frame targets and base scores, cost. Pass
     * {@code clip} (may be null) to add the source frame indices and frame rate.
     */
    public Map<String, Object> summary(Clip clip) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode == Mode.CLIP_3D ? "clip-3d" : "per-frame");
        out.put("frames", frames);
        out.put("height", height);
        out.put("width", width);
        if (clip != null) {
            out.put("source", clip.source());
            out.put("source_frames", clip.sourceFrames());
            out.put("frame_indices", toList(clip.frameIndices()));
            out.put("frame_rate", clip.frameRate());
        }
        List<Object> perTarget = new ArrayList<>();
        for (int i = 0; i < maps.length; i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("index", i);
            if (mode == Mode.CLIP_3D) {
                t.put("target", targets[0][i]);
                t.put("base_score", (double) baseScores[0][i]);
            }
            List<Double> profile = new ArrayList<>();
            for (double v : temporalProfile(i)) {
                profile.add(v);
            }
            t.put("temporal_profile", profile);
            t.put("peak_frame", peakFrame(i));
            t.put("argmax", toList(argmax(i)));
            perTarget.add(t);
        }
        out.put("targets", perTarget);
        if (mode == Mode.PER_FRAME) {
            List<Object> fr = new ArrayList<>();
            for (int f = 0; f < frames; f++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("frame", f);
                m.put("targets", toList(targets[f]));
                List<Double> s = new ArrayList<>();
                for (float v : baseScores[f]) {
                    s.add((double) v);
                }
                m.put("base_scores", s);
                fr.add(m);
            }
            out.put("per_frame", fr);
        }
        out.put("variants", variants());
        out.put("seconds", seconds());
        return out;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    @Override
    public String toString() {
        return "VideoMap[" + mode + ", " + maps.length + " targets, " + frames + "x" + height + "x" + width + "]";
    }
}
