package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void argmaxIsTheFirstLargestAndSkipsNaN() {
        Tensor t = Tensor.of(new float[] {Float.NaN, 1, 5, 2, 5, 0}, 2, 3);
        assertThat(t.argmax()).isEqualTo(2);
        assertThat(t.coordinates(t.argmax())).containsExactly(0, 2);
        assertThat(t.coordinates(4)).containsExactly(1, 1);
        assertThat(Tensor.of(new float[] {-3, -1, -2}, 3).argmax()).isEqualTo(1);
    }

    @Test
    void shapesAndIndicesAreChecked() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3)).hasMessageContaining("holds 6 elements but the data has 5");
        assertThatThrownBy(() -> Tensor.of(new float[0], 0)).hasMessageContaining("dimension <= 0");
        Tensor t = Tensor.zeros(2, 2);
        assertThatThrownBy(() -> t.coordinates(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> t.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
