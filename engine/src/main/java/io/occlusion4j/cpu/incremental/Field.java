package io.occlusion4j.cpu.incremental;

/**
 * Where the variants can differ from the unoccluded input at one value {@code [N, C, D1..Dk]}: for each window
 * position the changed region {@code [lo, hi]} per spatial axis (inclusive, a superset of the elements that differ),
 * and one patch size per axis that every position's region fits in, so a batch of variants stacks its patches into one
 * tensor {@code [B, C, S1..Sk]}.
 *
 * @param value    the value's name
 * @param channels C
 * @param dims     D1..Dk
 * @param size     S1..Sk, each in [1, D]
 * @param lo       {@code [positions][k]} first changed element per axis
 * @param hi       {@code [positions][k]} last changed element per axis
 */
record Field(String value, int channels, int[] dims, int[] size, int[][] lo, int[][] hi) {

    /** The field with patches of the given size (at least every region, at most the map). */
    static Field of(String value, int channels, int[] dims, int[][] lo, int[][] hi, double tau) {
        int k = dims.length;
        int[] size = new int[k];
        for (int p = 0; p < lo.length; p++) {
            for (int d = 0; d < k; d++) {
                size[d] = Math.max(size[d], hi[p][d] - lo[p][d] + 1);
            }
        }
        for (int d = 0; d < k; d++) {
            size[d] = Math.min(dims[d], Math.max(1, size[d]));
            if (tau < 1) {
                // Krypton's projective-field threshold: no patch wider than tau of the map (an approximation).
                size[d] = Math.min(size[d], Math.max(1, (int) Math.ceil(tau * dims[d])));
            }
        }
        return new Field(value, channels, dims, size, lo, hi);
    }

    int rank() {
        return dims.length;
    }

    /**
     * First element of position {@code p}'s patch along {@code axis}: the region's start, moved in to fit the map; a
     * region wider than the patch (only under a threshold) gets the patch centred on it.
     */
    int start(int p, int axis) {
        int first = lo[p][axis];
        int width = hi[p][axis] - first + 1;
        if (width > size[axis]) {
            first += (width - size[axis]) / 2;
        }
        return Math.max(0, Math.min(first, dims[axis] - size[axis]));
    }

    /** Elements of one channel of the map. */
    long mapVolume() {
        long v = 1;
        for (int d : dims) {
            v *= d;
        }
        return v;
    }

    /** Elements of one channel of a patch. */
    long patchVolume() {
        long v = 1;
        for (int s : size) {
            v *= s;
        }
        return v;
    }

    /** Patch over map, per channel: the share of the layer a variant recomputes. */
    double fraction() {
        return (double) patchVolume() / mapVolume();
    }

    /** The first element of the region position {@code p} recomputes along {@code d} (the patch, under a threshold). */
    int effectiveLo(int p, int d) {
        return Math.max(lo()[p][d], start(p, d));
    }

    /** The last element of the region position {@code p} recomputes along {@code d}. */
    int effectiveHi(int p, int d) {
        return Math.max(effectiveLo(p, d), Math.min(hi()[p][d], start(p, d) + size()[d] - 1));
    }
}
