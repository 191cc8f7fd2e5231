package io.occlusion4j.video;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
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
     * Encodes frames through FFmpeg. {@code format}: "mp4" (mpeg4), "avi" (mjpeg), "gif", "avi-raw" (rawvideo in AVI).
     */
    static Path encode(Path file, List<BufferedImage> frames, String format, double fps) throws Exception {
        FfmpegLog.install();
        int w = frames.getFirst().getWidth();
        int h = frames.getFirst().getHeight();
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), w, h, 0);
        switch (format) {
            case "mp4" -> {
                r.setFormat("mp4");
                r.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
                r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                r.setVideoQuality(2);
            }
            case "avi" -> {
                r.setFormat("avi");
                r.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
                r.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P);
                r.setVideoQuality(2);
            }
            case "gif" -> {
                r.setFormat("gif");
                r.setVideoCodec(avcodec.AV_CODEC_ID_GIF);
                r.setPixelFormat(avutil.AV_PIX_FMT_RGB8);
            }
            default -> throw new IllegalArgumentException(format);
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
