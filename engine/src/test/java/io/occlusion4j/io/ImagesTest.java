package io.occlusion4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    static BufferedImage noiseImage(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    @Test
    void pngBecomesAChannelsFirstTensorInUnitRange() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        img.setRGB(2, 1, 0x0080ff);
        BufferedImage back = Images.decode(encode(img, "png"), "px.png");
        Tensor rgb = Images.toTensor(back, 2, 3, false);
        assertThat(rgb.shape()).containsExactly(3, 2, 3);
        assertThat(rgb.get(0, 0, 0)).isEqualTo(1f);
        assertThat(rgb.get(2, 1, 2)).isEqualTo(1f);
        assertThat(rgb.get(1, 1, 2)).isCloseTo(128 / 255f, Offset.offset(1e-6f));
        Tensor bgr = Images.toTensor(back, 2, 3, true);
        assertThat(bgr.get(2, 0, 0)).isEqualTo(1f);
        assertThat(bgr.get(0, 1, 2)).isEqualTo(1f);
    }

    @Test
    void resizesToTheRequestedSize() {
        Tensor t = Images.toTensor(noiseImage(300, 200), 64, 80, false);
        assertThat(t.shape()).containsExactly(3, 64, 80);
        for (float v : t.data()) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void readsBmpAndJpeg() throws Exception {
        assertThat(Images.decode(encode(noiseImage(20, 10), "bmp"), "a.bmp").getWidth()).isEqualTo(20);
        assertThat(Images.decode(encode(noiseImage(20, 10), "jpg"), "a.jpg").getHeight()).isEqualTo(10);
    }

    @Test
    void truncatedPngAndJpegAreErrors() throws Exception {
        byte[] png = encode(noiseImage(64, 64), "png");
        assertThatThrownBy(() -> Images.decode(Arrays.copyOf(png, png.length / 2), "half.png"))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("half.png is truncated or corrupt");
        byte[] jpg = encode(noiseImage(64, 64), "jpg");
        assertThatThrownBy(() -> Images.decode(Arrays.copyOf(jpg, jpg.length / 2), "half.jpg"))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("half.jpg is truncated or corrupt");
    }

    @Test
    void garbageAndMissingFilesAreErrors() throws Exception {
        assertThatThrownBy(() -> Images.decode("not an image".getBytes(), "junk.png"))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("junk.png is not an image");
        assertThatThrownBy(() -> Images.decode(new byte[0], "empty.png")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Images.read(dir.resolve("nope.png"))).hasMessageContaining("nope.png");
        Path ok = Files.write(dir.resolve("ok.png"), encode(noiseImage(4, 4), "png"));
        assertThat(Images.read(ok).getWidth()).isEqualTo(4);
    }
}
