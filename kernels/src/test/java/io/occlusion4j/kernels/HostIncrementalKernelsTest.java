// The host build of incremental_ops.cu (context gather, patch stitch) against plain Java loops.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code occ_inc_gather} and {@code occ_inc_stitch} on 2-D and 3-D maps, with boxes that leave the map on either side
 * (the layer's padding), a patch over part of a context, the batch's own samples as the source (step 0) or one shared
 * map (later steps), per-channel window numbering (the modulo), and several launch shapes (grid-stride loops). The
 * reference below is written from the layout comment of the .cu file, not from the kernel. One case feeds the
 * kernel a context table off by one and checks the comparison then fails: the check can fail.
 */
class HostIncrementalKernelsTest {
    /** Dims, context size, patch size (3 axes each), channels, variants, grid positions, first window. */
    record Geometry(int[] d, int[] k, int[] s, int channels, int variants, int positions, long first) {
        long dVolume() {
            return (long) d[0] * d[1] * d[2];
        }
    }

    @ParameterizedTest(name = "{0} grid {7}x{8}")
    @CsvSource({
        "2-D shared map with patch,    1,9,11, 1,5,6, 1,3,4, 3,5,0,3,1",
        "2-D batch source,             1,8,8,  1,4,4, 1,2,2, 2,4,1,1,7",
        "3-D shared map with patch,    5,6,7,  3,4,4, 2,2,3, 2,6,0,4,32",
        "2-D context wider than map,   1,4,5,  1,7,8, 1,2,2, 1,3,0,2,5"})
    void gatherMatchesTheReference(String name, int d0, int d1, int d2, int k0, int k1, int k2, int s0, int s1, int s2,
                                   int channels, int variants, int batchSource, int grid, int block) {
        Geometry g = new Geometry(new int[] {d0, d1, d2}, new int[] {k0, k1, k2}, new int[] {s0, s1, s2}, channels,
                variants, 7, 5);
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        boolean batch = batchSource == 1;
        float[] src = random(rnd, (int) (g.dVolume() * channels * (batch ? variants : 1)));
        float[] patch = batch ? null : random(rnd, variants * channels * s0 * s1 * s2);
        int[] ctxStart = starts(rnd, g.positions(), g.d(), g.k(), true);
        int[] patchStart = near(rnd, ctxStart, g.d(), g.k(), g.s());
        float pad = name.startsWith("3-D") ? Float.NEGATIVE_INFINITY : 0f;
        float[] expected = gatherReference(g, src, batch, patch, ctxStart, patchStart, pad);
        try (HostKernels host = HostKernels.open()) {
            float[] got = gather(host, g, src, batch, patch, ctxStart, patchStart, pad, grid, block);
            assertThat(got).containsExactly(expected);
            // Sanity of the cases themselves: some context leaves the map and some element comes from the patch.
            assertThat(expected).contains(pad);
            if (patch != null) {
                assertThat(expected).containsAnyOf(patch);
            }
            int[] shifted = ctxStart.clone();
            shifted[3 * (int) (g.first() % g.positions()) + 2]++; // variant 0's position
            float[] offByOne = gather(host, g, src, batch, patch, shifted, patchStart, pad, grid, block);
            assertThat(offByOne).as("a context table off by one on one axis of one position must not match")
                    .isNotEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"2-D, 1,9,11, 1,3,4, 3,5,2,3", "3-D, 5,6,7, 2,2,3, 2,6,4,32", "whole map, 1,4,5, 1,4,5, 2,3,1,1"})
    void stitchMatchesTheReference(String name, int d0, int d1, int d2, int s0, int s1, int s2, int channels,
                                   int variants, int grid, int block) {
        Geometry g = new Geometry(new int[] {d0, d1, d2}, new int[] {1, 1, 1}, new int[] {s0, s1, s2}, channels,
                variants, 5, 3);
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        float[] base = random(rnd, (int) (g.dVolume() * channels));
        float[] patch = random(rnd, variants * channels * s0 * s1 * s2);
        int[] patchStart = starts(rnd, g.positions(), g.d(), g.s(), false);
        int n = (int) (variants * channels * g.dVolume());
        float[] expected = new float[n];
        for (int v = 0; v < variants; v++) {
            int p = (int) ((g.first() + v) % g.positions());
            for (int c = 0; c < channels; c++) {
                for (int y0 = 0; y0 < d0; y0++) {
                    for (int y1 = 0; y1 < d1; y1++) {
                        for (int y2 = 0; y2 < d2; y2++) {
                            int at = (((v * channels + c) * d0 + y0) * d1 + y1) * d2 + y2;
                            Float fromPatch = patchAt(g, patch, patchStart, v, c, p, y0, y1, y2);
                            expected[at] = fromPatch != null ? fromPatch : base[((c * d0 + y0) * d1 + y1) * d2 + y2];
                        }
                    }
                }
            }
        }
        try (HostKernels host = HostKernels.open()) {
            MemorySegment out = host.poisoned(n);
            host.launch("occ_inc_stitch", grid, block, out, host.floats(base), host.floats(patch), host.ints(patchStart),
                    (long) n, channels, d0, d1, d2, s0, s1, s2, g.first(), g.positions());
            assertThat(HostKernels.toFloats(out, n)).containsExactly(expected);
            assertThat(expected).containsAnyOf(patch);
            if ((long) s0 * s1 * s2 < g.dVolume()) {
                assertThat(expected).containsAnyOf(base);
            }
        }
    }

    private static float[] gather(HostKernels host, Geometry g, float[] src, boolean batch, float[] patch, int[] ctxStart,
                                  int[] patchStart, float pad, int grid, int block) {
        int[] k = g.k();
        int[] d = g.d();
        int[] s = g.s();
        long n = (long) g.variants() * g.channels() * k[0] * k[1] * k[2];
        MemorySegment ctx = host.poisoned(n);
        host.launch("occ_inc_gather", grid, block, ctx, host.floats(src), batch ? g.channels() * g.dVolume() : 0L,
                patch == null ? MemorySegment.NULL : host.floats(patch), host.ints(ctxStart), host.ints(patchStart), n,
                g.channels(), d[0], d[1], d[2], k[0], k[1], k[2], s[0], s[1], s[2], pad, g.first(), g.positions());
        return HostKernels.toFloats(ctx, n);
    }

    private static float[] gatherReference(Geometry g, float[] src, boolean batch, float[] patch, int[] ctxStart,
                                           int[] patchStart, float pad) {
        int[] k = g.k();
        int[] d = g.d();
        float[] out = new float[g.variants() * g.channels() * k[0] * k[1] * k[2]];
        int o = 0;
        for (int v = 0; v < g.variants(); v++) {
            int p = (int) ((g.first() + v) % g.positions());
            for (int c = 0; c < g.channels(); c++) {
                for (int i0 = 0; i0 < k[0]; i0++) {
                    for (int i1 = 0; i1 < k[1]; i1++) {
                        for (int i2 = 0; i2 < k[2]; i2++) {
                            int y0 = ctxStart[3 * p] + i0;
                            int y1 = ctxStart[3 * p + 1] + i1;
                            int y2 = ctxStart[3 * p + 2] + i2;
                            boolean inside = y0 >= 0 && y0 < d[0] && y1 >= 0 && y1 < d[1] && y2 >= 0 && y2 < d[2];
                            Float fromPatch = inside && patch != null ? patchAt(g, patch, patchStart, v, c, p, y0, y1, y2)
                                    : null;
                            int sample = batch ? v : 0;
                            out[o++] = !inside ? pad : fromPatch != null ? fromPatch
                                    : src[(int) (sample * g.channels() * g.dVolume())
                                            + ((c * d[0] + y0) * d[1] + y1) * d[2] + y2];
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Float patchAt(Geometry g, float[] patch, int[] patchStart, int v, int c, int p, int y0, int y1, int y2) {
        int[] s = g.s();
        int q0 = y0 - patchStart[3 * p];
        int q1 = y1 - patchStart[3 * p + 1];
        int q2 = y2 - patchStart[3 * p + 2];
        if (q0 < 0 || q0 >= s[0] || q1 < 0 || q1 >= s[1] || q2 < 0 || q2 >= s[2]) {
            return null;
        }
        return patch[(((v * g.channels() + c) * s[0] + q0) * s[1] + q1) * s[2] + q2];
    }

    /** Per position, a start per axis: a context's may leave the map on either side, a patch's lies inside it. */
    private static int[] starts(SplittableRandom rnd, int positions, int[] dims, int[] size, boolean mayLeave) {
        int[] t = new int[3 * positions];
        for (int p = 0; p < positions; p++) {
            for (int a = 0; a < 3; a++) {
                int last = dims[a] - size[a];
                boolean flat = dims[a] == 1 && size[a] == 1;
                t[3 * p + a] = mayLeave && flat ? 0 : mayLeave ? rnd.nextInt(-size[a], dims[a] + 1)
                        : rnd.nextInt(0, Math.max(0, last) + 1);
            }
        }
        // Position 0 starts before the map on every axis that has room to, so some context always leaves it.
        if (mayLeave) {
            for (int a = 0; a < 3; a++) {
                t[a] = size[a] > 1 ? -1 : t[a];
            }
            t[1] = -1;
        }
        return t;
    }

    /** Patch starts inside the map, each overlapping its position's context where the context meets the map. */
    private static int[] near(SplittableRandom rnd, int[] ctxStart, int[] dims, int[] ctx, int[] size) {
        int[] t = new int[ctxStart.length];
        for (int i = 0; i < t.length; i++) {
            int a = i % 3;
            int want = ctxStart[i] + rnd.nextInt(0, ctx[a]);
            t[i] = Math.max(0, Math.min(want, dims[a] - size[a]));
        }
        return t;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }
}
