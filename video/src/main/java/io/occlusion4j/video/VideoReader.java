package io.occlusion4j.video;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Reads clips: video files (MP4, AVI, MKV, WebM, animated GIF, ... — whatever the bundled FFmpeg
 * decodes) and folders of frame images, sampled as a {@link ClipSpec} says into a raw {@code [3, T, H, W]}
 * tensor in [0, 1].
 *
 * <p>Frames are decoded in one sequential pass (no seeking, so every container and codec behaves the
 * same); only the sampled frames are converted and kept. Resizing is the engine's image resize
 * ({@link Images#toTensor}), so a frame becomes exactly the tensor the same picture would as an image.
 *
 * <p>Errors are {@link OcclusionException}s naming the file and the problem: missing or empty file, a
 * file FFmpeg cannot open (truncated MP4 whose index is lost, not a video at all), no video stream, a
 * codec this FFmpeg build cannot decode, no frames, a video cut short (fewer frames decode than its
 * header declares), a strided sampling that runs past the end. The messages carry what FFmpeg said.
 */
public final class VideoReader {
    /** Image file extensions a folder of frames may hold (lower case). */
    public static final Set<String> FRAME_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

    /**
     * Fewer decoded frames than declared by more than this fraction (and more than 2 frames) is taken as
     * a truncated file: containers whose count is an estimate (from the duration) are seldom off by more.
     */
    static final double TRUNCATION_SLACK = 0.05;

    private VideoReader() {}

    /** Reads a clip from a video file or a folder of frames, frames within {@link Images.Limits#DEFAULT}. */
    public static Clip read(Path source, ClipSpec spec) {
        return read(source, spec, Images.Limits.DEFAULT);
    }

    /**
     * Reads a clip from a video file or a folder of frames. A frame's size is checked against {@code limits}
     * (from the header, before any frame is decoded), and the clip's frames together against what one array
     * holds ({@link Images#MAX_TENSOR_ELEMENTS}), so a small file cannot make the reader allocate gigabytes.
     */
    public static Clip read(Path source, ClipSpec spec, Images.Limits limits) {
        return Files.isDirectory(source) ? readFrameFolder(source, spec, limits) : readVideo(source, spec, limits);
    }

    /** Opens {@code file} and reports what its header says, decoding nothing. */
    public static VideoInfo probe(Path file) {
        checkFile(file);
        try (Opened o = open(file)) {
            return o.info;
        }
    }

    /** Decodes every frame of {@code file} and counts them (no conversion). */
    public static int countFrames(Path file) {
        checkFile(file);
        try (Opened o = open(file)) {
            int n = 0;
            while (o.next(n) != null) {
                n++;
            }
            return n;
        }
    }

    /** Reads a clip from a video file, frames within {@link Images.Limits#DEFAULT}. */
    public static Clip readVideo(Path file, ClipSpec spec) {
        return readVideo(file, spec, Images.Limits.DEFAULT);
    }

    /** Reads a clip from a video file, checked as {@link #read(Path, ClipSpec, Images.Limits)} says. */
    public static Clip readVideo(Path file, ClipSpec spec, Images.Limits limits) {
        checkFile(file);
        String name = file.toString();
        int declared;
        double fps;
        Pass pass;
        try (Opened o = open(file)) {
            limits.check(o.info.width(), o.info.height(), "a frame of video " + name);
            checkClipSize(spec, o.info.width(), o.info.height(), "video " + name);
            declared = o.info.declaredFrames();
            fps = o.info.frameRate();
            if (declared > 0) {
                int[] want = sampleOrFail(spec, declared, name, -1);
                pass = o.decode(spec.isUniform() ? Integer.MAX_VALUE : max(want) + 1, want);
            } else {
                pass = o.decode(Integer.MAX_VALUE, new int[0]);
            }
        }
        if (pass.decoded == 0) {
            throw new OcclusionException("video " + name + " has no frames" + (declared > 0
                    ? " (its header declares " + declared + "; the file is truncated or corrupt)" : ""));
        }
        boolean endedEarly = pass.decoded < pass.limit && pass.decoded < declared;
        if (endedEarly && declared - pass.decoded > Math.max(2, TRUNCATION_SLACK * declared)) {
            throw new OcclusionException("video " + name + " is truncated or corrupt: its header declares " + declared
                    + " frames but only " + pass.decoded + " decode" + pass.ffmpegSuffix);
        }
        int available = pass.decoded < pass.limit ? pass.decoded : Math.max(declared, pass.decoded);
        int[] want = sampleOrFail(spec, available, name, pass.decoded);
        if (!pass.hasAll(want)) {
            // the header's count was off: a second pass with the sampling over the real count
            try (Opened o = open(file)) {
                pass = o.decode(max(want) + 1, want);
            }
            if (!pass.hasAll(want)) {
                throw new OcclusionException("video " + name + " changed while it was read: " + pass.decoded
                        + " frames decoded now, " + available + " before");
            }
        }
        List<BufferedImage> frames = new ArrayList<>(want.length);
        for (int i : want) {
            frames.add(pass.kept.get(i));
        }
        return assemble(frames, want, available, fps, name, spec);
    }

    /**
     * Reads a clip from a folder of frame images ({@link #FRAME_EXTENSIONS}), in natural name order
     * ({@code frame2.png} before {@code frame10.png}). Only the sampled frames are decoded.
     */
    public static Clip readFrameFolder(Path folder, ClipSpec spec) {
        return readFrameFolder(folder, spec, Images.Limits.DEFAULT);
    }

    /** Reads a clip from a folder of frame images, each within {@code limits}. */
    public static Clip readFrameFolder(Path folder, ClipSpec spec, Images.Limits limits) {
        if (!Files.isDirectory(folder)) {
            throw new OcclusionException("frame folder " + folder + " does not exist or is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).filter(VideoReader::isFrameImage)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), VideoReader::naturalCompare))
                    .toList();
        } catch (IOException e) {
            throw new OcclusionException("cannot list frame folder " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new OcclusionException("frame folder " + folder + " has no frames (no files ending in "
                    + FRAME_EXTENSIONS.stream().sorted().toList() + ")");
        }
        int[] want = sampleOrFail(spec, files.size(), "frame folder " + folder, files.size());
        Map<Integer, BufferedImage> cache = new HashMap<>();
        List<BufferedImage> frames = new ArrayList<>(want.length);
        for (int i : want) {
            BufferedImage frame = cache.computeIfAbsent(i, k -> Images.toRgb(Images.read(files.get(k), limits, null)));
            checkClipSize(spec, frame.getWidth(), frame.getHeight(), "frame folder " + folder);
            frames.add(frame);
        }
        return assemble(frames, want, files.size(), 0, folder.toString(), spec);
    }

    private static boolean isFrameImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && !n.startsWith(".") && FRAME_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Compares names with runs of digits compared as numbers: {@code f2 < f10}. */
    static int naturalCompare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int ei = i;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                int ej = j;
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static int[] sampleOrFail(ClipSpec spec, int available, String name, int decoded) {
        try {
            return spec.indices(available, name);
        } catch (IllegalArgumentException e) {
            if (decoded < 0 && !spec.isUniform()) {
                // only the header's estimate so far: decode to learn the real count before refusing
                return new int[] {spec.start() + (spec.frames() - 1) * spec.stride()};
            }
            throw new OcclusionException(e.getMessage(), e);
        }
    }

    /**
     * Refuses a clip whose frames at their source size (kept for display) or whose tensor would not fit in one
     * array of {@link Images#MAX_TENSOR_ELEMENTS}, before they are decoded.
     */
    private static void checkClipSize(ClipSpec spec, long width, long height, String source) {
        long frames = spec.frames();
        long kept = frames * width * height;
        long tensor = 3 * frames * (spec.height() > 0 ? (long) spec.height() * spec.width() : width * height);
        if (Math.max(kept, tensor) > Images.MAX_TENSOR_ELEMENTS) {
            throw new OcclusionException(source + ": " + frames + " frames of " + width + "x" + height
                    + (spec.height() > 0 ? " taken at " + spec.width() + "x" + spec.height() : "") + " need "
                    + Math.max(kept, tensor) + " values, more than the " + Images.MAX_TENSOR_ELEMENTS
                    + " a clip may hold; take fewer frames or a smaller size");
        }
    }

    private static int max(int[] a) {
        return Arrays.stream(a).max().orElse(-1);
    }

    private static Clip assemble(List<BufferedImage> frames, int[] indices, int available, double fps, String name,
            ClipSpec spec) {
        int t = frames.size();
        int h = spec.height() > 0 ? spec.height() : frames.getFirst().getHeight();
        int w = spec.width() > 0 ? spec.width() : frames.getFirst().getWidth();
        int plane = h * w;
        float[] data = new float[3 * t * plane];
        for (int i = 0; i < t; i++) {
            float[] f = Images.toTensor(frames.get(i), h, w, spec.bgr()).data();
            for (int c = 0; c < 3; c++) {
                System.arraycopy(f, c * plane, data, (c * t + i) * plane, plane);
            }
        }
        return new Clip(Tensor.of(data, 3, t, h, w), frames, indices, available, fps, name);
    }

    private static void checkFile(Path file) {
        if (!Files.exists(file)) {
            throw new OcclusionException("video " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new OcclusionException("video " + file + " is not a readable file");
        }
        try {
            if (Files.size(file) == 0) {
                throw new OcclusionException("video " + file + " is empty (0 bytes)");
            }
        } catch (IOException e) {
            throw new OcclusionException("cannot read video " + file + ": " + e.getMessage(), e);
        }
    }

    /** Frames kept by one decoding pass. */
    private static final class Pass {
        final Map<Integer, BufferedImage> kept = new HashMap<>();
        int decoded;
        int limit;
        String ffmpegSuffix = "";

        boolean hasAll(int[] want) {
            for (int i : want) {
                if (!kept.containsKey(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** An opened grabber. */
    private static final class Opened implements AutoCloseable {
        final FFmpegFrameGrabber grabber;
        final VideoInfo info;
        final String name;

        Opened(FFmpegFrameGrabber grabber, VideoInfo info, String name) {
            this.grabber = grabber;
            this.info = info;
            this.name = name;
        }

        /** The next decoded frame (owned by the grabber: convert it before the next call), or null at the end. */
        Frame next(int index) {
            try {
                return grabber.grabImage();
            } catch (FrameGrabber.Exception e) {
                throw new OcclusionException("video " + name + " could not be decoded at frame " + index
                        + " (truncated or corrupt): " + e.getMessage() + FfmpegLog.suffix(), e);
            }
        }

        /** Decodes frames 0..limit-1 (or to the end), keeping copies of those in {@code want}. */
        Pass decode(int limit, int[] want) {
            boolean[] keep = new boolean[want.length == 0 ? 0 : max(want) + 1];
            for (int i : want) {
                keep[i] = true;
            }
            Pass pass = new Pass();
            pass.limit = limit;
            FfmpegLog.clear();
            while (pass.decoded < limit) {
                Frame f = next(pass.decoded);
                if (f == null) {
                    break;
                }
                int i = pass.decoded++;
                if (i < keep.length && keep[i]) {
                    pass.kept.put(i, bgr24ToRgb(f, name, i));
                }
            }
            pass.ffmpegSuffix = FfmpegLog.suffix();
            return pass;
        }

        @Override
        public void close() {
            try {
                grabber.close();
            } catch (FrameGrabber.Exception e) {
                // releasing a grabber that has read what it needed: nothing to report
            }
        }
    }

    private static Opened open(Path file) {
        FfmpegLog.install();
        FfmpegLog.clear();
        String name = file.toString();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        // One pixel format out of every decoder (palette GIF, grey, RGBA, any YUV): swscale converts to packed BGR,
        // and bgr24ToRgb reads exactly that layout.
        g.setImageMode(FrameGrabber.ImageMode.COLOR);
        g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        try {
            g.start();
        } catch (FrameGrabber.Exception e) {
            releaseQuietly(g);
            String msg = String.valueOf(e.getMessage());
            String what;
            String mp4 = Mp4Boxes.problem(file);
            if (mp4 != null) {
                what = "is truncated or corrupt: " + mp4;
            } else if (msg.contains("avcodec_find_decoder") || msg.contains("codec not found")) {
                what = "uses a video codec this FFmpeg build cannot decode";
            } else if (msg.contains("Did not find a video or audio stream")) {
                what = "has no frames (no video stream with any frame in it)";
            } else if (msg.contains("avformat_open_input")) {
                what = "cannot be opened as a video: it is truncated, corrupt or not a video file";
            } else {
                what = "cannot be opened";
            }
            throw new OcclusionException("video " + name + " " + what + " [" + firstLine(msg) + "]" + FfmpegLog.suffix(), e);
        }
        if (g.getVideoStream() < 0 || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            String codec = g.getVideoCodecName();
            releaseQuietly(g);
            String mp4 = Mp4Boxes.problem(file);
            if (mp4 != null) {
                throw new OcclusionException("video " + name + " is truncated or corrupt: " + mp4 + FfmpegLog.suffix());
            }
            throw new OcclusionException("video " + name + " has no decodable video stream"
                    + (codec != null ? " (codec " + codec + ")" : "") + FfmpegLog.suffix());
        }
        int declared = g.getLengthInVideoFrames();
        VideoInfo info = new VideoInfo(name, g.getFormat(), g.getVideoCodecName(), g.getImageWidth(), g.getImageHeight(),
                declared > 0 ? declared : -1, Double.isFinite(g.getVideoFrameRate()) ? g.getVideoFrameRate() : 0);
        return new Opened(g, info, name);
    }

    private static String firstLine(String msg) {
        int cut = msg.indexOf(" (For more details");
        return cut > 0 ? msg.substring(0, cut) : msg;
    }

    private static void releaseQuietly(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (FrameGrabber.Exception ignored) {
            // already failing with a better message
        }
    }

    /**
     * A private opaque RGB copy of a decoded BGR24 frame. JavaCV's own converter infers the channel count
     * as row stride / width, which is wrong whenever FFmpeg pads a row (a 33-pixel-wide palette GIF gets
     * a 192-byte stride: "5 channels", no colour space); the stride is read here as what it is, the bytes
     * between rows.
     */
    static BufferedImage bgr24ToRgb(Frame f, String name, int index) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        int stride = f.imageStride;
        if (f.image == null || f.image.length < 1 || !(f.image[0] instanceof ByteBuffer bytes) || f.imageDepth != Frame.DEPTH_UBYTE
                || w < 1 || h < 1 || stride < 3 * w || bytes.limit() < (long) (h - 1) * stride + 3L * w) {
            throw new OcclusionException("video " + name + ": frame " + index + " did not decode to packed 8-bit BGR (" + w + "x" + h
                    + ", row stride " + stride + ", depth " + f.imageDepth + ")" + FfmpegLog.suffix());
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < h; y++) {
            int row = y * stride;
            for (int x = 0; x < w; x++) {
                int p = row + 3 * x;
                pixels[y * w + x] = (bytes.get(p + 2) & 0xff) << 16 | (bytes.get(p + 1) & 0xff) << 8 | bytes.get(p) & 0xff;
            }
        }
        return out;
    }
}
