package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class RefinementGridTest {
    @Test
    void latticeKeepsEveryStepAndTheLastPosition() {
        assertThat(RefinementGrid.latticeCoordinates(29, 4)).containsExactly(0, 4, 8, 12, 16, 20, 24, 28);
        assertThat(RefinementGrid.latticeCoordinates(10, 4)).containsExactly(0, 4, 8, 9);
        assertThat(RefinementGrid.latticeCoordinates(1, 4)).containsExactly(0);
        RefinementGrid g = new RefinementGrid(new int[] {10, 7}, new int[] {4, 3});
        // Axis 0: 0, 4, 8, 9 (3 cells); axis 1: 0, 3, 6 (2 cells).
        assertThat(g.leaves()).hasSize(6);
        assertThat(g.cornerPositions()).hasSize(4 * 3);
    }

    @Test
    void paintingIsExactForAMultilinearMapAndLeavesScoredPositionsAlone() {
        int[] shape = {9, 13};
        RefinementGrid g = new RefinementGrid(shape, new int[] {4, 4});
        float[] values = new float[9 * 13];
        boolean[] known = new boolean[values.length];
        for (int p : g.cornerPositions()) {
            known[p] = true;
            values[p] = bilinear(p / 13, p % 13);
        }
        // A scored position off the lattice keeps its (deliberately odd) value.
        known[2 * 13 + 2] = true;
        values[2 * 13 + 2] = 100f;
        g.paint(values, 1, known, g.owners());
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 13; x++) {
                if (y == 2 && x == 2) {
                    assertThat(values[y * 13 + x]).isEqualTo(100f);
                } else {
                    assertThat(values[y * 13 + x]).as("(%d, %d)", y, x).isCloseTo(bilinear(y, x), offset(1e-4f));
                }
            }
        }
    }

    private static float bilinear(int y, int x) {
        // Multilinear within each lattice cell only if it is linear in each axis: a + b y + c x + d y x.
        return 0.5f + 0.25f * y - 0.125f * x + 0.0625f * y * x;
    }

    @Test
    void aSplitCellPaintsFromItsChildrenNotFromTheOldCorners() {
        // One cell [0, 4] along one axis. The corners see nothing; the midpoint (scored after the split) sees a bump.
        RefinementGrid g = new RefinementGrid(new int[] {5}, new int[] {4});
        float[] values = new float[5];
        boolean[] known = new boolean[5];
        known[0] = known[4] = true;
        g.paint(values, 1, known, g.owners());
        assertThat(values).containsOnly(0f);
        List<RefinementGrid.Cell> children = g.split(g.leaves().getFirst());
        assertThat(children).hasSize(2);
        values[2] = 8f;
        known[2] = true;
        g.paint(values, 1, known, g.owners());
        assertThat(values).containsExactly(0f, 4f, 8f, 4f, 0f);
        // Both children are now 2 wide: split again and everything is a corner, so resolved.
        for (RefinementGrid.Cell c : List.copyOf(g.leaves())) {
            assertThat(c.resolved()).isFalse();
            g.split(c);
        }
        assertThat(g.leaves()).allMatch(RefinementGrid.Cell::resolved);
        assertThat(g.cornerPositions()).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void theSmallestCellOwnsAPositionOnASharedFace() {
        RefinementGrid g = new RefinementGrid(new int[] {5, 9}, new int[] {4, 4});
        RefinementGrid.Cell left = g.leaves().getFirst();
        g.split(left);
        RefinementGrid.Cell[] owner = g.owners();
        // Position (2, 4) lies on the face x = 4 shared by the right cell [0,4]x[4,8] and the left's children.
        assertThat(owner[2 * 9 + 4].width()).isEqualTo(2);
        // (2, 6) lies only in the right cell.
        assertThat(owner[2 * 9 + 6].width()).isEqualTo(4);
    }
}
