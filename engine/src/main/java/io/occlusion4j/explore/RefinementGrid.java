package io.occlusion4j.explore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cells of a coarse-to-fine refinement over a window grid's positions (k axes), and how the positions not yet
 * scored are painted.
 *
 * <p>It starts as a lattice: along axis {@code d}, positions {@code 0, S_d, 2 S_d, ...} and always the last one;
 * the cells are the boxes between neighbouring lattice positions, corners included. Splitting a cell halves every
 * axis that still has a position inside (the midpoint {@code (lo + hi) / 2}), so its children's corners are the next
 * positions to score. A cell whose every axis is at most 1 wide has no interior: it is resolved. A position not
 * scored is painted by multilinear interpolation between the corners of the smallest cell that contains it; the
 * scored positions are what they are. Painting reads only scored fine windows of the cell around a position, never a
 * larger window: a window that overlapped evidence cannot leak into a cell that it does not touch.
 */
final class RefinementGrid {
    /** One cell: corner positions per axis, {@code lo[d] <= hi[d]}, both inclusive. */
    record Cell(int[] lo, int[] hi) {
        boolean resolved() {
            for (int d = 0; d < lo.length; d++) {
                if (hi[d] - lo[d] > 1) {
                    return false;
                }
            }
            return true;
        }

        /** Number of positions inside the box, corners included. */
        long volume() {
            long v = 1;
            for (int d = 0; d < lo.length; d++) {
                v *= hi[d] - lo[d] + 1;
            }
            return v;
        }

        /** The widest axis's width ({@code hi - lo}), the cell's size class. */
        int width() {
            int w = 0;
            for (int d = 0; d < lo.length; d++) {
                w = Math.max(w, hi[d] - lo[d]);
            }
            return w;
        }
    }

    private final int[] shape;
    private final int count;
    private final List<Cell> leaves = new ArrayList<>();

    /**
     * @param shape the grid shape (positions per axis)
     * @param step  the lattice step per axis, >= 1
     */
    RefinementGrid(int[] shape, int[] step) {
        if (shape.length != step.length) {
            throw new IllegalArgumentException("shape and step have different ranks: " + shape.length + " and " + step.length);
        }
        this.shape = shape.clone();
        int n = 1;
        int[][] coords = new int[shape.length][];
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 1 || step[d] < 1) {
                throw new IllegalArgumentException("shape and step must be >= 1, got " + Arrays.toString(shape) + " and "
                        + Arrays.toString(step));
            }
            n *= shape[d];
            coords[d] = latticeCoordinates(shape[d], step[d]);
        }
        this.count = n;
        int k = shape.length;
        int[] idx = new int[k];
        int[] cellsPerAxis = new int[k];
        for (int d = 0; d < k; d++) {
            cellsPerAxis[d] = Math.max(1, coords[d].length - 1);
        }
        while (true) {
            int[] lo = new int[k];
            int[] hi = new int[k];
            for (int d = 0; d < k; d++) {
                lo[d] = coords[d][idx[d]];
                hi[d] = coords[d].length == 1 ? lo[d] : coords[d][idx[d] + 1];
            }
            leaves.add(new Cell(lo, hi));
            int d = k - 1;
            while (d >= 0 && ++idx[d] >= cellsPerAxis[d]) {
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
        }
    }

    /** {@code 0, step, 2 step, ...} below {@code n}, and {@code n - 1}. */
    static int[] latticeCoordinates(int n, int step) {
        List<Integer> out = new ArrayList<>();
        for (int x = 0; x < n; x += step) {
            out.add(x);
        }
        if (out.getLast() != n - 1) {
            out.add(n - 1);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    int count() {
        return count;
    }

    int[] shape() {
        return shape.clone();
    }

    List<Cell> leaves() {
        return leaves;
    }

    /** The row-major positions of every corner of every leaf (ascending, no repeats). */
    int[] cornerPositions() {
        boolean[] mark = new boolean[count];
        for (Cell c : leaves) {
            corners(c, p -> mark[p] = true);
        }
        return indices(mark);
    }

    /** Splits {@code cell} (a leaf, not resolved) into its children. */
    List<Cell> split(Cell cell) {
        int k = shape.length;
        int[][] parts = new int[k][];
        for (int d = 0; d < k; d++) {
            int lo = cell.lo()[d];
            int hi = cell.hi()[d];
            parts[d] = hi - lo > 1 ? new int[] {lo, (lo + hi) / 2, hi} : new int[] {lo, hi};
        }
        List<Cell> children = new ArrayList<>();
        int[] idx = new int[k];
        while (true) {
            int[] lo = new int[k];
            int[] hi = new int[k];
            for (int d = 0; d < k; d++) {
                lo[d] = parts[d][idx[d]];
                hi[d] = parts[d][Math.min(idx[d] + 1, parts[d].length - 1)];
            }
            children.add(new Cell(lo, hi));
            int d = k - 1;
            while (d >= 0 && ++idx[d] >= Math.max(1, parts[d].length - 1)) {
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
        }
        leaves.remove(cell);
        leaves.addAll(children);
        return children;
    }

    /** Calls {@code action} with the row-major position of each corner of {@code cell} (a corner may repeat when lo == hi). */
    void corners(Cell cell, java.util.function.IntConsumer action) {
        int k = shape.length;
        for (int mask = 0; mask < (1 << k); mask++) {
            int p = 0;
            for (int d = 0; d < k; d++) {
                int c = (mask >> (k - 1 - d) & 1) == 0 ? cell.lo()[d] : cell.hi()[d];
                p = p * shape[d] + c;
            }
            action.accept(p);
        }
    }

    /**
     * For every position, the leaf that paints it: the smallest leaf (by volume) containing it; ties to the leaf listed
     * first.
     */
    Cell[] owners() {
        Cell[] owner = new Cell[count];
        List<Cell> bySize = new ArrayList<>(leaves);
        bySize.sort((a, b) -> Long.compare(b.volume(), a.volume()));
        for (Cell c : bySize) {
            forEachInside(c, p -> owner[p] = c);
        }
        return owner;
    }

    /** Calls {@code action} with every row-major position inside {@code cell}'s box. */
    void forEachInside(Cell cell, java.util.function.IntConsumer action) {
        int k = shape.length;
        int[] c = cell.lo().clone();
        while (true) {
            int p = 0;
            for (int d = 0; d < k; d++) {
                p = p * shape[d] + c[d];
            }
            action.accept(p);
            int d = k - 1;
            while (d >= 0 && ++c[d] > cell.hi()[d]) {
                c[d] = cell.lo()[d];
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /**
     * Paints every position with {@code known[p] == false} from its owner's corners, slice by slice:
     * {@code values[s * count + p]}. The corners must be known.
     */
    void paint(float[] values, int slices, boolean[] known, Cell[] owner) {
        int k = shape.length;
        int[] coord = new int[k];
        for (int p = 0; p < count; p++) {
            if (known[p]) {
                continue;
            }
            Cell cell = owner[p];
            unravel(p, coord);
            for (int s = 0; s < slices; s++) {
                values[s * count + p] = (float) interpolate(values, s * count, cell, coord);
            }
        }
    }

    /** Multilinear interpolation at {@code coord} between the corners of {@code cell} of {@code values[offset + ...]}. */
    double interpolate(float[] values, int offset, Cell cell, int[] coord) {
        int k = shape.length;
        double sum = 0;
        for (int mask = 0; mask < (1 << k); mask++) {
            double w = 1;
            int p = 0;
            for (int d = 0; d < k; d++) {
                int lo = cell.lo()[d];
                int hi = cell.hi()[d];
                double t = hi == lo ? 0 : (coord[d] - lo) / (double) (hi - lo);
                boolean upper = (mask >> (k - 1 - d) & 1) == 1;
                w *= upper ? t : 1 - t;
                p = p * shape[d] + (upper ? hi : lo);
            }
            if (w != 0) {
                sum += w * values[offset + p];
            }
        }
        return sum;
    }

    void unravel(int p, int[] coord) {
        int rest = p;
        for (int d = shape.length - 1; d >= 0; d--) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
    }

    static int[] indices(boolean[] mark) {
        int n = 0;
        for (boolean b : mark) {
            n += b ? 1 : 0;
        }
        int[] out = new int[n];
        for (int i = 0, j = 0; i < mark.length; i++) {
            if (mark[i]) {
                out[j++] = i;
            }
        }
        return out;
    }
}
