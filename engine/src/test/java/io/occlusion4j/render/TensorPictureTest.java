package io.occlusion4j.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Tensor;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class TensorPictureTest {
    @Test
    void threeChannelsAreRgbOrReversedBgrAndValuesAreClamped() {
        // one pixel per channel plane: r = 1.0, g = 0.5, b = -3 (clamped to 0)
        Tensor t = Tensor.of(new float[] {1f, 0.5f, -3f}, 3, 1, 1);
        assertThat(TensorPicture.of(t, false).getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF8000);
        assertThat(TensorPicture.of(t, true).getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x0080FF);
    }

    @Test
    void otherChannelCountsAreTheGreyMean() {
        BufferedImage img = TensorPicture.of(Tensor.of(new float[] {0.2f, 0.6f, 1f, 1f}, 2, 1, 2), false);
        assertThat(img.getWidth()).isEqualTo(2);
        assertThat(img.getHeight()).isEqualTo(1);
        assertThat(img.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x999999); // mean 0.6 -> 153
        assertThat(img.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0xCCCCCC); // mean 0.8 -> 204
    }

    @Test
    void onlyImageShapedTensorsHaveAPicture() {
        assertThat(TensorPicture.of(Tensor.of(new float[8], 1, 2, 2, 2), false)).isNull();
    }
}
