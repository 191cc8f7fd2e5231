package io.occlusion4j.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever pixel format a decoder puts out (palette, grey, RGBA, planar YUV at 4:2:0 or 4:4:4), a clip reads
 * as the colours that were encoded. The widths are ones FFmpeg pads rows for (33 and 40 pixels), which is
 * where a converter that guesses channels from the row stride fails.
 */
class PixelFormatTest {
    static final int FRAMES = 4;
    static final Color[] COLOURS = {new Color(220, 40, 40), new Color(40, 200, 60), new Color(40, 60, 220), new Color(128, 128, 128)};
    static final Color[] GREYS = {new Color(50, 50, 50), new Color(100, 100, 100), new Color(150, 150, 150), new Color(200, 200, 200)};

    @TempDir
    Path dir;

    /** Four quadrants in the given colours: top left, top right, bottom left, bottom right. */
    static BufferedImage quadrants(int w, int h, Color[] colours, int type) {
        BufferedImage img = type == BufferedImage.TYPE_BYTE_INDEXED
                ? new BufferedImage(w, h, type, palette(colours)) : new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        for (int q = 0; q < 4; q++) {
            g.setColor(colours[q]);
            g.fillRect(q % 2 == 0 ? 0 : w / 2, q < 2 ? 0 : h / 2, w - w / 2, h - h / 2);
        }
        g.dispose();
        return img;
    }

    private static IndexColorModel palette(Color[] colours) {
        byte[] r = new byte[colours.length];
        byte[] gr = new byte[colours.length];
        byte[] b = new byte[colours.length];
        for (int i = 0; i < colours.length; i++) {
            r[i] = (byte) colours[i].getRed();
            gr[i] = (byte) colours[i].getGreen();
            b[i] = (byte) colours[i].getBlue();
        }
        return new IndexColorModel(2, colours.length, r, gr, b);
    }

    static List<BufferedImage> frames(int w, int h, Color[] colours, int type) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            out.add(quadrants(w, h, colours, type));
        }
        return out;
    }

    /** Each quadrant's centre in every frame of the clip's tensor is its colour, within {@code tolerance} (of 255). */
    static void assertQuadrants(Clip clip, Color[] colours, int tolerance) {
        int w = clip.width();
        int h = clip.height();
        float[] d = clip.tensor().data();
        int t = clip.frameCount();
        for (int f = 0; f < t; f++) {
            for (int q = 0; q < 4; q++) {
                int x = (q % 2 == 0 ? 0 : w / 2) + (w - w / 2) / 2;
                int y = (q < 2 ? 0 : h / 2) + (h - h / 2) / 2;
                int[] want = {colours[q].getRed(), colours[q].getGreen(), colours[q].getBlue()};
                for (int c = 0; c < 3; c++) {
                    float got = d[((c * t + f) * h + y) * w + x] * 255f;
                    assertThat(got).as("%s frame %d quadrant %d channel %d", clip.source(), f, q, c)
                            .isCloseTo(want[c], offset((float) tolerance));
                }
            }
        }
    }

    @Test
    void paletteGifAsPillowWritesIt() throws Exception {
        // an indexed (palette) GIF, every frame with its colour table, 33 pixels wide
        Path gif = dir.resolve("palette.gif");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(gif.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (BufferedImage f : frames(33, 17, COLOURS, BufferedImage.TYPE_BYTE_INDEXED)) {
                writer.writeToSequence(new IIOImage(f, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        Clip clip = VideoReader.read(gif, ClipSpec.uniform(FRAMES));
        assertThat(clip.tensor().shape()).containsExactly(3, FRAMES, 17, 33);
        assertQuadrants(clip, COLOURS, 1);
    }

    @Test
    void greyVideo() throws Exception {
        Path avi = TestClips.encode(dir.resolve("grey.avi"), frames(40, 24, GREYS, BufferedImage.TYPE_3BYTE_BGR), "avi", "ffv1",
                avutil.AV_PIX_FMT_GRAY8, 10, Map.of());
        assertQuadrants(VideoReader.read(avi, ClipSpec.uniform(FRAMES)), GREYS, 3);
    }

    @Test
    void rgbaVideo() throws Exception {
        Path avi = TestClips.encode(dir.resolve("rgba.avi"), frames(33, 17, COLOURS, BufferedImage.TYPE_3BYTE_BGR), "avi", "png",
                avutil.AV_PIX_FMT_RGBA, 10, Map.of());
        assertQuadrants(VideoReader.read(avi, ClipSpec.uniform(FRAMES)), COLOURS, 1);
    }

    @Test
    void yuv420pMp4() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("yuv420p.mp4"), frames(40, 24, COLOURS, BufferedImage.TYPE_3BYTE_BGR), "mp4", "mpeg4",
                avutil.AV_PIX_FMT_YUV420P, 10, Map.of("q:v", "2"));
        assertQuadrants(VideoReader.read(mp4, ClipSpec.uniform(FRAMES)), COLOURS, 24);
    }

    @Test
    void yuv444pMp4() throws Exception {
        Path mp4 = TestClips.encode(dir.resolve("yuv444p.mp4"), frames(40, 24, COLOURS, BufferedImage.TYPE_3BYTE_BGR), "mp4",
                "libvpx-vp9", avutil.AV_PIX_FMT_YUV444P, 10, Map.of("crf", "4", "deadline", "realtime", "cpu-used", "8"));
        assertThat(VideoReader.probe(mp4).codec()).isEqualTo("vp9");
        assertQuadrants(VideoReader.read(mp4, ClipSpec.uniform(FRAMES)), COLOURS, 24);
    }
}
