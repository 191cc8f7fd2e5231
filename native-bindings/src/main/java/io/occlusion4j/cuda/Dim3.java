// Grid and block dimensions of a kernel launch.
package io.occlusion4j.cuda;

/** Three positive launch dimensions. */
public record Dim3(int x, int y, int z) {

    public Dim3 {
        if (x < 1 || y < 1 || z < 1) {
            throw new IllegalArgumentException("launch dimensions must be positive: " + x + "x" + y + "x" + z);
        }
    }

    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    public static Dim3 of(int x, int y) {
        return new Dim3(x, y, 1);
    }

    /** Blocks needed to cover {@code n} items with {@code perBlock} each. */
    public static int blocksFor(long n, int perBlock) {
        return Math.toIntExact((n + perBlock - 1) / perBlock);
    }
}
