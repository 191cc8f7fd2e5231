package io.occlusion4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.management.ManagementFactory;
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
                .isInstanceOf(OcclusionException.class).hasMessageContaining("junk.png is not in a format occlusion4j can read");
        assertThatThrownBy(() -> Images.decode(new byte[0], "empty.png")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Images.read(dir.resolve("nope.png"))).hasMessageContaining("nope.png");
        Path ok = Files.write(dir.resolve("ok.png"), encode(noiseImage(4, 4), "png"));
        assertThat(Images.read(ok).getWidth()).isEqualTo(4);
    }

    /** Bytes this thread has allocated on the heap so far. */
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void theNameIsTheSubjectOfEveryMessage() throws Exception {
        byte[] png = encode(noiseImage(64, 64), "png");
        assertThatThrownBy(() -> Images.decode(Arrays.copyOf(png, png.length / 2), "the request body"))
                .hasMessageStartingWith("the request body is truncated or corrupt");
        assertThatThrownBy(() -> Images.decode("junk".getBytes(), "the request body"))
                .hasMessageStartingWith("the request body is not in a format occlusion4j can read");
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> Images.read(cut)).hasMessageStartingWith("image " + cut + " is truncated or corrupt");
    }

    @Test
    void aPictureOverTheLimitsIsRefusedFromItsHeaderAlone() {
        byte[] bomb = LargePngs.flat(20000, 20000, 1, 0, 0); // a few hundred KB that would decode to 400 M pixels
        assertThat(bomb.length).isLessThan(400_000);
        long before = allocated();
        assertThatThrownBy(() -> Images.decode(bomb, "bomb.png", Images.Limits.DEFAULT, null))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessage("bomb.png is 20000x20000 (400000000 pixels); the limits are 16777216 pixels and 8192 pixels a side");
        assertThat(allocated() - before).as("bytes allocated to refuse it").isLessThan(4L << 20);
        assertThatThrownBy(() -> Images.decode(LargePngs.flat(9000, 10, 8, 0, 0), "wide.png", Images.Limits.DEFAULT, null))
                .isInstanceOf(ImageTooLargeException.class).hasMessageContaining("9000x10");
        // a raised limit lets it through, decoded at the size asked for
        BufferedImage raised = Images.decode(LargePngs.flat(5000, 4000, 8, 0, 7), "raised.png",
                new Images.Limits(5000L * 4000, 8192), new int[] {100, 100});
        assertThat(raised.getWidth()).isEqualTo(125);
        assertThat(raised.getHeight()).isEqualTo(100);
        assertThat(raised.getRaster().getSample(60, 50, 0)).isEqualTo(7);
    }

    @Test
    void subsampledDecodingKeepsEveryNthPixelAndNeverGoesBelowTheSizeAsked() throws Exception {
        BufferedImage src = noiseImage(301, 203);
        byte[] png = encode(src, "png");
        BufferedImage d = Images.decode(png, "n.png", Images.Limits.DEFAULT, new int[] {50, 60});
        // step min(203 / 50, 301 / 60) = 4
        assertThat(d.getWidth()).isEqualTo(76);
        assertThat(d.getHeight()).isEqualTo(51);
        for (int y = 0; y < d.getHeight(); y++) {
            for (int x = 0; x < d.getWidth(); x++) {
                assertThat(d.getRGB(x, y)).isEqualTo(src.getRGB(4 * x, 4 * y));
            }
        }
        Path file = Files.write(dir.resolve("n.png"), png);
        assertThat(Images.read(file, Images.Limits.DEFAULT, new int[] {50, 60}).getWidth()).isEqualTo(76);
        assertThat(Images.decode(png, "n.png", Images.Limits.DEFAULT, new int[] {300, 300}).getWidth()).isEqualTo(301);
        assertThat(Images.decode(encode(src, "jpg"), "n.jpg", Images.Limits.DEFAULT, new int[] {50, 60}).getWidth()).isEqualTo(76);
    }

    @Test
    void decodingWritesNoImageIoCacheFile() throws Exception {
        byte[] png = encode(noiseImage(40, 30), "png");
        Path file = Files.write(dir.resolve("c.png"), png);
        Path cache = Files.createDirectory(dir.resolve("cache"));
        boolean useCache = ImageIO.getUseCache();
        File cacheDir = ImageIO.getCacheDirectory();
        ImageIO.setUseCache(true);
        ImageIO.setCacheDirectory(cache.toFile());
        Files.delete(cache); // a cache file now cannot be made: any decode that makes one fails
        try {
            assertThat(Images.decode(png, "c.png").getWidth()).isEqualTo(40);
            assertThat(Images.read(file).getWidth()).isEqualTo(40);
        } finally {
            ImageIO.setCacheDirectory(cacheDir);
            ImageIO.setUseCache(useCache);
        }
    }

    @Test
    void aTensorTooLargeToHoldIsRefusedBeforeItIsAllocated() {
        assertThatThrownBy(() -> Images.toTensor(noiseImage(4, 4), 100000, 100000, false))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("[3, 100000, 100000]");
    }
}
