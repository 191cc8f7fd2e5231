// explain --video: a clip explained in 3-D (clip models) or frame by frame, written as video, frames, PNG, NPY and JSON.
package io.occlusion4j.cli;

import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.io.Npy;
import io.occlusion4j.video.Clip;
import io.occlusion4j.video.ClipSpec;
import io.occlusion4j.video.HeatmapVideoWriter;
import io.occlusion4j.video.VideoExplainer;
import io.occlusion4j.video.VideoMap;
import io.occlusion4j.video.VideoReader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --video}: a clip sampled at the model's size, explained in 3-D (clip models {@code [N,C,T,H,W]}) or frame
 * by frame (frame-wise models {@code [N,C,H,W]}); outputs are the heatmap video, per-frame PNGs, a summary PNG (the
 * peak frame above the temporal profile), the full map as NPY and the JSON summary.
 */
record VideoExplanation(ExplainRun run) {

    int explain() {
        if (cmd().outGridNpy != null) {
            throw new UsageException("--out-grid-npy is not written for --video (use --out-npy for the full map)");
        }
        try (Progress progress = run.progress(); Occlusion loaded = run.builder(progress).build()) {
            int rank = loaded.signature().inputShape().length;
            if (rank != 4 && rank != 5) {
                throw new OcclusionException("--video needs a clip model [N,C,T,H,W] or a frame-wise model [N,C,H,W]; the model input is "
                        + loaded.signature().describeInput());
            }
            int axes = rank - 2;
            try (Occlusion occlusion = loaded.with(b -> run.options.applyWindow(b, axes))) {
                Clip clip = VideoReader.read(cmd().input.video, clipSpec(occlusion), cmd().imageLimits());
                progress.begin();
                VideoMap map = VideoExplainer.explain(occlusion, clip);
                HeatmapVideoWriter writer = new HeatmapVideoWriter().withOptions(run.renderOptions);
                // Pictures first: a failure leaves no file behind, as for images.
                if (cmd().outNpy != null) {
                    Npy.write(cmd().outNpy, map.pixelMaps());
                }
                if (cmd().outPng != null) {
                    writer.writeSummaryPng(cmd().outPng, map, clip, 0);
                }
                if (cmd().outVideo != null) {
                    writer.writeVideo(cmd().outVideo, map, clip, 0);
                }
                if (cmd().outFrames != null) {
                    writer.writeFramePngs(cmd().outFrames, map, clip, 0);
                }
                if (cmd().outJson != null) {
                    ExplanationReport.writeJson(cmd().outJson, json(map, clip, axes));
                }
                if (!cmd().quiet) {
                    run.out.println(map);
                }
                run.wrote(cmd().outPng, cmd().outNpy, cmd().outJson, cmd().outVideo, cmd().outFrames);
            }
        }
        run.out.flush();
        return 0;
    }

    /** The clip the model takes: its frame count (or --frames), size (or --size), channel order, and --frame-stride sampling. */
    private ClipSpec clipSpec(Occlusion occlusion) {
        Preprocessing prep = cmd().flags.model.prep;
        ClipSpec spec = ClipSpec.forModel(occlusion, cmd().frames).withBgr(prep.bgr);
        if (prep.size != null) {
            spec = spec.withSize(prep.size.height(), prep.size.width());
        }
        if (cmd().frameStride != null) {
            spec = spec.withStride(cmd().startFrame, cmd().frameStride);
        }
        return spec;
    }

    private Map<String, Object> json(VideoMap map, Clip clip, int axes) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", cmd().flags.model.model.toString());
        json.put("video", cmd().input.video.toString());
        json.put("window", run.options.window(axes));
        json.put("stride", run.options.stride(axes));
        json.put("edge", ExplainRun.name(run.options.edge()));
        json.put("fill", run.options.fillText());
        json.put("score", ExplainRun.name(run.options.score()));
        if (run.labelLines() != null) {
            json.put("labels", run.labelLines());
        }
        json.putAll(map.summary(clip));
        return json;
    }

    private ExplainArgs cmd() {
        return run.cmd;
    }
}
