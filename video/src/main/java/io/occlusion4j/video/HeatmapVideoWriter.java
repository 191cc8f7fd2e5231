package io.occlusion4j.video;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.io.AtomicFiles;
import io.occlusion4j.render.HeatmapRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Writes a {@link VideoMap} over its {@link Clip}: a heatmap video (MP4 or animated GIF) with one
 * {@link HeatmapRenderer} panel per frame (titled {@code t<clip position> #<source frame> class <target>}), per-frame PNGs, and a summary PNG (the peak frame's panel
 * above the temporal profile plot).
 *
 * <p>Every frame of one target is drawn with the same colour scale (fixed from the whole
 * {@code [T, H, W]} map, unless the options fix a range), so colours compare across frames. Each video
 * frame carries the temporal profile strip under the panel with the current frame highlighted (turn off
 * with {@link #withProfile(boolean)}).
 *
 * <p>MP4 is encoded with FFmpeg's built-in MPEG-4 Part 2 encoder ({@code mpeg4}, yuv420p): it is in
 * every FFmpeg build, the LGPL one bundled here included, which has no H.264 encoder. GIFs are written
 * with the JDK's GIF writer (a palette per frame, looping forever). Every file is written to a temporary
 * sibling first and renamed into place, so a failure leaves nothing half written.
 */
public final class HeatmapVideoWriter {
    /** Default playback rate of heatmap videos: slow enough to look at each sampled frame. */
    public static final double DEFAULT_FPS = 4;

    private final HeatmapRenderer.Options options;
    private final double fps;
    private final boolean profile;
    private final int profileHeight;

    /** Default renderer options, {@value #DEFAULT_FPS} frames per second, with the profile strip. */
    public HeatmapVideoWriter() {
        this(HeatmapRenderer.Options.defaults(), DEFAULT_FPS, true, TemporalProfilePlot.DEFAULT_HEIGHT);
    }

    private HeatmapVideoWriter(HeatmapRenderer.Options options, double fps, boolean profile, int profileHeight) {
        this.options = Objects.requireNonNull(options, "options");
        if (!(fps > 0 && fps <= 240)) {
            throw new IllegalArgumentException("frame rate must be in (0, 240], got " + fps);
        }
        this.fps = fps;
        this.profile = profile;
        this.profileHeight = profileHeight;
    }

    /** The heatmap panels' options (colour map, alpha, fixed range, size limits). */
    public HeatmapVideoWriter withOptions(HeatmapRenderer.Options newOptions) {
        return new HeatmapVideoWriter(newOptions, fps, profile, profileHeight);
    }

    /** Playback frames per second of written videos. */
    public HeatmapVideoWriter withFps(double newFps) {
        return new HeatmapVideoWriter(options, newFps, profile, profileHeight);
    }

    /** Whether video frames and per-frame PNGs carry the temporal profile strip. */
    public HeatmapVideoWriter withProfile(boolean show) {
        return new HeatmapVideoWriter(options, fps, show, profileHeight);
    }

    public double fps() {
        return fps;
    }

    /** The renderer used for target {@code i}: the options with the colour scale fixed over the whole map. */
    HeatmapRenderer rendererFor(VideoMap map, int i) {
        HeatmapRenderer.ColorScale scale = new HeatmapRenderer(options).colorScale(map.pixelMap(i).data());
        return new HeatmapRenderer(options.withColormap(scale.colormap()).withRange(scale.min(), scale.max()));
    }

    /** The T frames of target {@code i} as drawn into videos: panel (and profile strip), all the same size. */
    public List<BufferedImage> renderFrames(VideoMap map, Clip clip, int i) {
        check(map, clip, i);
        HeatmapRenderer r = rendererFor(map, i);
        double[] prof = map.temporalProfile(i);
        List<BufferedImage> out = new ArrayList<>(map.frames());
        int[] src = clip.frameIndices();
        for (int t = 0; t < map.frames(); t++) {
            String label = "t" + t + " #" + src[t] + " class " + map.targets(t)[i];
            BufferedImage panel = r.render(clip.frames().get(t), map.frameMap(i, t), map.height(), map.width(), label,
                    map.baseScores(t)[i]);
            out.add(profile ? stack(panel, TemporalProfilePlot.render(prof, panel.getWidth(), profileHeight, t,
                    "map summed per frame")) : panel);
        }
        return out;
    }

    /**
     * The summary picture of target {@code i}: the panel of the peak frame (largest profile value) above
     * the temporal profile plot with that frame highlighted.
     */
    public BufferedImage renderSummary(VideoMap map, Clip clip, int i) {
        check(map, clip, i);
        int peak = map.peakFrame(i);
        HeatmapRenderer r = rendererFor(map, i);
        String label = "peak t" + peak + " class " + map.targets(peak)[i];
        BufferedImage panel = r.render(clip.frames().get(peak), map.frameMap(i, peak), map.height(), map.width(), label,
                map.baseScores(peak)[i]);
        return stack(panel, TemporalProfilePlot.render(map.temporalProfile(i), panel.getWidth(), profileHeight, peak,
                "temporal profile: map summed per frame"));
    }

    /** Writes the summary PNG of target {@code i} (see {@link #renderSummary}). */
    public void writeSummaryPng(Path file, VideoMap map, Clip clip, int i) {
        try {
            HeatmapRenderer.writePng(renderSummary(map, clip, i), file);
        } catch (IOException e) {
            throw new OcclusionException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes one PNG per frame of target {@code i} into {@code folder} (created if missing), named
     * {@code frame-000.png}, {@code frame-001.png}, ... by clip position; returns the files in order.
     */
    public List<Path> writeFramePngs(Path folder, VideoMap map, Clip clip, int i) {
        List<BufferedImage> frames = renderFrames(map, clip, i);
        int digits = Math.max(3, Integer.toString(frames.size() - 1).length());
        List<Path> files = new ArrayList<>(frames.size());
        for (int t = 0; t < frames.size(); t++) {
            Path f = folder.resolve(String.format(Locale.ROOT, "frame-%0" + digits + "d.png", t));
            try {
                HeatmapRenderer.writePng(frames.get(t), f);
            } catch (IOException e) {
                throw new OcclusionException("cannot write " + f + ": " + e.getMessage(), e);
            }
            files.add(f);
        }
        return files;
    }

    /** Writes the heatmap video of target {@code i}; the format follows the extension: {@code .gif}, else MP4. */
    public void writeVideo(Path file, VideoMap map, Clip clip, int i) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gif")) {
            writeGif(file, map, clip, i);
        } else {
            writeMp4(file, map, clip, i);
        }
    }

    /** Writes the heatmap video of target {@code i} as MP4 (MPEG-4 Part 2, yuv420p). */
    public void writeMp4(Path file, VideoMap map, Clip clip, int i) {
        List<BufferedImage> frames = renderFrames(map, clip, i);
        atomically(file, tmp -> encodeMp4(tmp, frames, fps));
    }

    /** Writes the heatmap video of target {@code i} as an animated GIF that loops. */
    public void writeGif(Path file, VideoMap map, Clip clip, int i) {
        List<BufferedImage> frames = renderFrames(map, clip, i);
        atomically(file, tmp -> encodeGif(tmp, frames, fps));
    }

    /** Encodes {@code frames} (all the same size) as an MP4 at {@code fps}; odd sizes are padded to even. */
    static void encodeMp4(Path file, List<BufferedImage> frames, double fps) throws IOException {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to encode");
        }
        FfmpegLog.install();
        FfmpegLog.clear();
        int w = frames.getFirst().getWidth() + (frames.getFirst().getWidth() & 1);
        int h = frames.getFirst().getHeight() + (frames.getFirst().getHeight() & 1);
        FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), w, h, 0);
        rec.setFormat("mp4");
        rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
        rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        rec.setFrameRate(fps);
        rec.setVideoQuality(3);
        rec.setGopSize(Math.max(1, (int) Math.round(fps * 2)));
        try (Java2DFrameConverter conv = new Java2DFrameConverter()) {
            rec.start();
            for (BufferedImage f : frames) {
                rec.record(conv.convert(toBgr(f, w, h)));
            }
            rec.stop();
        } catch (FrameRecorder.Exception e) {
            throw new IOException("FFmpeg could not encode " + file + ": " + e.getMessage() + FfmpegLog.suffix(), e);
        } finally {
            try {
                rec.release();
            } catch (FrameRecorder.Exception ignored) {
                // the encode error, if any, is the one to report
            }
        }
    }

    /** Encodes {@code frames} as an animated GIF at {@code fps} (delays in 1/100 s), looping. */
    static void encodeGif(Path file, List<BufferedImage> frames, double fps) throws IOException {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to encode");
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        int delay = Math.max(2, (int) Math.round(100 / fps));
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            writer.prepareWriteSequence(null);
            boolean first = true;
            for (BufferedImage f : frames) {
                BufferedImage rgb = toType(f, BufferedImage.TYPE_INT_RGB, f.getWidth(), f.getHeight());
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), param);
                String format = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", Integer.toString(delay));
                gce.setAttribute("transparentColorIndex", "0");
                if (first) {
                    IIOMetadataNode apps = child(root, "ApplicationExtensions");
                    IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                    app.setAttribute("applicationID", "NETSCAPE");
                    app.setAttribute("authenticationCode", "2.0");
                    app.setUserObject(new byte[] {1, 0, 0}); // loop forever
                    apps.appendChild(app);
                    first = false;
                }
                meta.setFromTree(format, root);
                writer.writeToSequence(new IIOImage(rgb, null, meta), param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int k = 0; k < root.getLength(); k++) {
            if (root.item(k).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(k);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private static BufferedImage toBgr(BufferedImage img, int w, int h) {
        return toType(img, BufferedImage.TYPE_3BYTE_BGR, w, h);
    }

    private static BufferedImage toType(BufferedImage img, int type, int w, int h) {
        if (img.getType() == type && img.getWidth() == w && img.getHeight() == h) {
            return img;
        }
        BufferedImage out = new BufferedImage(w, h, type);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(new Color(HeatmapRenderer.BACKGROUND, true));
            g.fillRect(0, 0, w, h);
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** {@code top} above {@code bottom}, as wide as the wider, on the panel background. */
    static BufferedImage stack(BufferedImage top, BufferedImage bottom) {
        int w = Math.max(top.getWidth(), bottom.getWidth());
        BufferedImage out = new BufferedImage(w, top.getHeight() + bottom.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(new Color(HeatmapRenderer.BACKGROUND, true));
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.drawImage(top, 0, 0, null);
            g.drawImage(bottom, 0, top.getHeight(), null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static void check(VideoMap map, Clip clip, int i) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(clip, "clip");
        if (map.frames() != clip.frameCount()) {
            throw new IllegalArgumentException("the map has " + map.frames() + " frames but the clip " + clip.frameCount());
        }
        if (i < 0 || i >= map.targetCount()) {
            throw new IllegalArgumentException("target index " + i + " outside the map's " + map.targetCount() + " targets");
        }
    }

    /** Writes through {@code body} to a temporary sibling of {@code target}, then renames it into place. */
    static void atomically(Path target, AtomicFiles.Body body) {
        try {
            AtomicFiles.writeWith(target, body);
        } catch (IOException e) {
            throw new OcclusionException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
