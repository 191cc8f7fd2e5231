package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.OcclusionException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad video input gets an {@link OcclusionException} naming the file and the problem. */
class VideoErrorsTest {
    @TempDir
    Path dir;

    private Path cut(Path file, double fraction) throws Exception {
        byte[] all = Files.readAllBytes(file);
        Path out = dir.resolve("cut-" + file.getFileName());
        Files.write(out, Arrays.copyOf(all, (int) (all.length * fraction)));
        return out;
    }

    @Test
    void missingAndEmptyFiles() throws Exception {
        Path missing = dir.resolve("nope.mp4");
        assertThatThrownBy(() -> VideoReader.read(missing, ClipSpec.uniform(4)))
                .isInstanceOf(OcclusionException.class).hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        Path empty = Files.createFile(dir.resolve("empty.mp4"));
        assertThatThrownBy(() -> VideoReader.read(empty, ClipSpec.uniform(4)))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("empty (0 bytes)");
    }

    @Test
    void notAVideo() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "this is not a video, just some text\n".repeat(50));
        assertThatThrownBy(() -> VideoReader.read(text, ClipSpec.uniform(4)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining(text.toString())
                .hasMessageContaining("cannot be opened as a video");
    }

    @Test
    void truncatedMp4LosesItsIndex() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(24, 64, 48), "mp4", 12);
        Path cut = cut(mp4, 0.6);
        assertThatThrownBy(() -> VideoReader.read(cut, ClipSpec.uniform(4)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("is truncated or corrupt")
                .hasMessageContaining("the moov box (the index) is");
    }

    @Test
    void truncatedAviDecodesFewerFramesThanDeclared() throws Exception {
        Path avi = TestClips.encode(dir.resolve("square.avi"), TestClips.movingSquare(40, 64, 48), "avi", 10);
        assertThat(VideoReader.probe(avi).declaredFrames()).isEqualTo(40);
        Path cut = cut(avi, 0.5);
        assertThatThrownBy(() -> VideoReader.read(cut, ClipSpec.uniform(8)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("is truncated or corrupt: its header declares")
                .hasMessageMatching("(?s).*declares (\\d+) frames but only (\\d+) decode.*");
    }

    @Test
    void unsupportedCodec() throws Exception {
        Path avi = TestClips.encode(dir.resolve("square.avi"), TestClips.movingSquare(6, 64, 48), "avi", 10);
        byte[] bytes = Files.readAllBytes(avi);
        // rename the codec: every "MJPG" FourCC in the headers becomes one no decoder knows
        byte[] tag = "MJPG".getBytes(StandardCharsets.US_ASCII);
        int patched = 0;
        for (int i = 0; i + 4 <= Math.min(bytes.length, 4096); i++) {
            if (Arrays.equals(bytes, i, i + 4, tag, 0, 4)) {
                System.arraycopy("QQZZ".getBytes(StandardCharsets.US_ASCII), 0, bytes, i, 4);
                patched++;
            }
        }
        assertThat(patched).isPositive();
        Path odd = Files.write(dir.resolve("odd-codec.avi"), bytes);
        assertThatThrownBy(() -> VideoReader.read(odd, ClipSpec.uniform(2)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining(odd.toString())
                .hasMessageContaining("codec");
    }

    @Test
    void videoWithoutFrames() throws Exception {
        Path mp4 = dir.resolve("zero.mp4");
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(mp4.toFile(), 64, 48, 0);
        r.setFormat("mp4");
        r.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
        r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        r.setFrameRate(10);
        r.start();
        r.stop();
        r.release();
        assertThatThrownBy(() -> VideoReader.read(mp4, ClipSpec.uniform(4)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining(mp4.toString())
                .hasMessageContaining("no frames");
    }

    @Test
    void stridePastTheEnd() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(10, 64, 48), "mp4", 10);
        assertThatThrownBy(() -> VideoReader.read(mp4, ClipSpec.strided(4, 2, 3)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("has 10 frames")
                .hasMessageContaining("need frame 11");
    }

    @Test
    void frameFolders() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "no frames here");
        assertThatThrownBy(() -> VideoReader.read(empty, ClipSpec.uniform(2)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("has no frames");

        Path broken = Files.createDirectories(dir.resolve("broken"));
        List<BufferedImage> frames = TestClips.movingSquare(3, 32, 32);
        for (int i = 0; i < 3; i++) {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(frames.get(i), "png", png);
            byte[] b = png.toByteArray();
            Files.write(broken.resolve("f" + i + ".png"), i == 1 ? Arrays.copyOf(b, b.length / 2) : b);
        }
        assertThatThrownBy(() -> VideoReader.read(broken, ClipSpec.uniform(3)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("f1.png");
    }

    /** A 43-byte GIF whose logical screen is {@code side x side} pixels around a single 1 x 1 image. */
    static byte[] tinyGifOnAHugeScreen(int side) {
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, (byte) 0x80, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0,
            0x21, (byte) 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b};
        gif[6] = (byte) side;
        gif[7] = (byte) (side >> 8);
        gif[8] = (byte) side;
        gif[9] = (byte) (side >> 8);
        return gif;
    }

    @Test
    void framesOverThePixelLimitAreRefusedBeforeAnyIsDecoded() throws Exception {
        Path small = Files.write(dir.resolve("small.gif"), tinyGifOnAHugeScreen(64));
        assertThat(VideoReader.read(small, ClipSpec.uniform(1)).width()).isEqualTo(64);
        Path huge = Files.write(dir.resolve("huge.gif"), tinyGifOnAHugeScreen(16000)); // a 1 GB canvas a frame
        assertThatThrownBy(() -> VideoReader.read(huge, ClipSpec.uniform(1)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("a frame of video " + huge + " is 16000x16000")
                .hasMessageContaining("the limits are 16777216 pixels");
    }

    @Test
    void aClipTooLargeToHoldIsRefusedBeforeAnyFrameIsDecoded() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("square.mp4"), TestClips.movingSquare(6, 64, 48), "mp4", 6);
        // 100,000 frames of 64 x 48: 921 M floats for the tensor
        assertThatThrownBy(() -> VideoReader.read(mp4, ClipSpec.uniform(100_000)))
                .isInstanceOf(OcclusionException.class)
                .hasMessageContaining("100000 frames of 64x48 need 921600000 values");
    }
}
