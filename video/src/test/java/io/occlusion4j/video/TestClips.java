package io.occlusion4j.video;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/** Test videos made here: a bright square moving left to right over a dark background. */
final class TestClips {
    static final int SQUARE = 12;

    private TestClips() {}

    /** The x of the square's left edge in frame {@code i} of {@code n} on a {@code width}-wide frame. */
    static int squareX(int i, int n, int width) {
        return n == 1 ? 0 : i * (width - SQUARE) / (n - 1);
    }

    static int squareY(int height) {
        return (height - SQUARE) / 2;
    }

    static List<BufferedImage> movingSquare(int n, int width, int height) {
        List<BufferedImage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(30, 30, 40));
            g.fillRect(0, 0, width, height);
            g.setColor(Color.WHITE);
            g.fillRect(squareX(i, n, width), squareY(height), SQUARE, SQUARE);
            g.dispose();
            out.add(img);
        }
        return out;
    }

    /**
     * Encodes frames through FFmpeg. {@code format}: "mp4" (mpeg4), "avi" (mjpeg), "gif".
     */
    static Path encode(Path file, List<BufferedImage> frames, String format, double fps) throws Exception {
        return switch (format) {
            case "mp4" -> encode(file, frames, "mp4", "mpeg4", avutil.AV_PIX_FMT_YUV420P, fps, Map.of("q:v", "2"));
            case "avi" -> encode(file, frames, "avi", "mjpeg", avutil.AV_PIX_FMT_YUVJ420P, fps, Map.of("q:v", "2"));
            case "gif" -> encode(file, frames, "gif", "gif", avutil.AV_PIX_FMT_RGB8, fps, Map.of());
            default -> throw new IllegalArgumentException(format);
        };
    }

    /**
     * Encodes frames through FFmpeg with the named encoder, storing {@code pixelFormat} (an
     * {@code AV_PIX_FMT_*}); {@code options} are encoder options ({@code q:v} sets the fixed quantiser).
     */
    static Path encode(Path file, List<BufferedImage> frames, String container, String codec, int pixelFormat, double fps,
            Map<String, String> options) throws Exception {
        FfmpegLog.install();
        int w = frames.getFirst().getWidth();
        int h = frames.getFirst().getHeight();
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), w, h, 0);
        r.setFormat(container);
        r.setVideoCodecName(codec);
        r.setPixelFormat(pixelFormat);
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (o.getKey().equals("q:v")) {
                r.setVideoQuality(Double.parseDouble(o.getValue()));
            } else {
                r.setVideoOption(o.getKey(), o.getValue());
            }
        }
        r.setFrameRate(fps);
        try (Java2DFrameConverter conv = new Java2DFrameConverter()) {
            r.start();
            for (BufferedImage f : frames) {
                r.record(conv.convert(f));
            }
            r.stop();
        } finally {
            r.release();
        }
        return file;
    }
}
