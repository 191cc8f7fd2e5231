package io.occlusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class WindowGridTest {

    @Test
    void cropFollowsCaptumPositions() {
        // Captum: shift count ceil((D - w) / s) + 1, starts k*s, last window cropped.
        WindowGrid g = WindowGrid.of(new int[] {10, 7}, new int[] {4, 3}, new int[] {3, 2}, Edge.CROP, false);
        assertThat(g.gridShape()).containsExactly(3, 3);
        assertThat(new int[] {g.start(0, 0), g.start(0, 1), g.start(0, 2)}).containsExactly(0, 3, 6);
        assertThat(new int[] {g.extent(0, 0), g.extent(0, 1), g.extent(0, 2)}).containsExactly(4, 4, 4);
        assertThat(new int[] {g.start(1, 0), g.start(1, 1), g.start(1, 2)}).containsExactly(0, 2, 4);
        assertThat(new int[] {g.extent(1, 0), g.extent(1, 1), g.extent(1, 2)}).containsExactly(3, 3, 3);
        WindowGrid cropped = WindowGrid.of(new int[] {10}, new int[] {4}, new int[] {4}, Edge.CROP, false);
        assertThat(cropped.gridShape()).containsExactly(3);
        assertThat(cropped.start(0, 2)).isEqualTo(8);
        assertThat(cropped.extent(0, 2)).isEqualTo(2);
    }

    @Test
    void insideKeepsWholeWindowsOnly() {
        WindowGrid g = WindowGrid.of(new int[] {10}, new int[] {4}, new int[] {4}, Edge.INSIDE, false);
        assertThat(g.gridShape()).containsExactly(2);
        assertThat(g.firstCovering(0, 8)).isEqualTo(-1);
        assertThat(g.lastCovering(0, 9)).isEqualTo(-1);
        assertThat(g.firstCovering(0, 7)).isEqualTo(1);
    }

    @Test
    void shiftMovesTheLastWindowBackToTheEdge() {
        WindowGrid g = WindowGrid.of(new int[] {10}, new int[] {4}, new int[] {4}, Edge.SHIFT, false);
        assertThat(g.gridShape()).containsExactly(3);
        assertThat(g.start(0, 2)).isEqualTo(6);
        assertThat(g.extent(0, 2)).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Edge.class)
    void coverageRangesAgreeWithBruteForce(Edge edge) {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int d = 1 + rnd.nextInt(40);
            int w = 1 + rnd.nextInt(d);
            int s = 1 + rnd.nextInt(w + 3);
            WindowGrid g = WindowGrid.of(new int[] {d}, new int[] {w}, new int[] {s}, edge, true);
            int n = g.gridShape()[0];
            for (int i = 0; i < n; i++) {
                assertThat(g.start(0, i) + g.extent(0, i)).isLessThanOrEqualTo(d);
                if (edge != Edge.CROP) {
                    assertThat(g.extent(0, i)).isEqualTo(w);
                }
                if (i > 0) {
                    assertThat(g.start(0, i)).isGreaterThan(g.start(0, i - 1));
                }
            }
            for (int x = 0; x < d; x++) {
                int first = -1;
                int last = -1;
                for (int i = 0; i < n; i++) {
                    if (x >= g.start(0, i) && x < g.start(0, i) + g.extent(0, i)) {
                        if (first < 0) {
                            first = i;
                        }
                        last = i;
                    }
                }
                assertThat(g.firstCovering(0, x)).as("first covering %d in %s", x, g).isEqualTo(first);
                assertThat(g.lastCovering(0, x)).as("last covering %d in %s", x, g).isEqualTo(last);
                if (s <= w && edge != Edge.INSIDE) {
                    assertThat(first).as("CROP/SHIFT without gaps cover everything").isGreaterThanOrEqualTo(0);
                }
            }
        }
    }

    @Test
    void cropWithGapsNeverStartsAWindowPastTheEdge() {
        // Captum's count ceil((5-1)/3)+1 = 3 would start a window at 6, outside the input.
        WindowGrid g = WindowGrid.of(new int[] {5}, new int[] {1}, new int[] {3}, Edge.CROP, true);
        assertThat(g.gridShape()).containsExactly(2);
        assertThat(g.start(0, 1)).isEqualTo(3);
        for (int d = 1; d < 30; d++) {
            for (int w = 1; w <= d; w++) {
                for (int s = 1; s < 2 * w + 3; s++) {
                    WindowGrid h = WindowGrid.of(new int[] {d}, new int[] {w}, new int[] {s}, Edge.CROP, true);
                    for (int i = 0; i < h.gridShape()[0]; i++) {
                        assertThat(h.extent(0, i)).as("%s position %d", h, i).isPositive();
                    }
                }
            }
        }
    }

    @Test
    void regionDecodesRowMajorPositions() {
        WindowGrid g = WindowGrid.of(new int[] {5, 6, 7}, new int[] {2, 3, 4}, new int[] {2, 3, 3}, Edge.CROP, false);
        int[] start = new int[3];
        int[] extent = new int[3];
        int[] shape = g.gridShape();
        assertThat(g.count()).isEqualTo(shape[0] * shape[1] * shape[2]);
        g.region(shape[1] * shape[2] + shape[2] + 1, start, extent);
        assertThat(start).containsExactly(2, 3, 3);
        assertThat(extent).containsExactly(2, 3, 4);
    }

    @Test
    void badSettingsAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {9, 2}, new int[] {1, 1}, Edge.CROP, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than the input").hasMessageContaining("9 > 8");
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {2, 2}, new int[] {0, 1}, Edge.CROP, false))
                .hasMessageContaining("stride [0, 1] must be >= 1");
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {2, 2}, new int[] {-2, 1}, Edge.CROP, false))
                .hasMessageContaining("stride [-2, 1] must be >= 1");
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {-1, 2}, new int[] {1, 1}, Edge.CROP, false))
                .hasMessageContaining("window [-1, 2] must be >= 1");
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {2, 2}, new int[] {3, 1}, Edge.CROP, false))
                .hasMessageContaining("larger than the window").hasMessageContaining("gaps");
        assertThat(WindowGrid.of(new int[] {8, 8}, new int[] {2, 2}, new int[] {3, 1}, Edge.CROP, true).gridShape())
                .containsExactly(3, 7);
        assertThatThrownBy(() -> WindowGrid.of(new int[] {8, 8}, new int[] {2}, new int[] {1}, Edge.CROP, false))
                .hasMessageContaining("has 1 axes but the input has 2 spatial axes");
    }
}
