package io.occlusion4j.cpu.incremental;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The copies of incremental inference, on activations {@code [C, D1..Dk]} (k up to 3, channels first): a read-in
 * context (a box that may leave the map, padded there) from the unoccluded activation with a variant's patch laid
 * over it, or from a whole occluded sample; and a stitched activation, the unoccluded one with a patch laid over it.
 */
final class Gather {
    private Gather() {
    }

    /** A box {@code [start, start + size)} per axis, as three axes (leading axes of size 1 added). */
    record Box(int[] start, int[] size) {
        static Box of(int[] start, int[] size) {
            return new Box(to3(start, 0), to3(size, 1));
        }

        boolean containsRow(int y0, int y1) {
            return y0 >= start[0] && y0 < start[0] + size[0] && y1 >= start[1] && y1 < start[1] + size[1];
        }
    }

    static int[] to3(int[] v, int fillWith) {
        int[] r = new int[3];
        Arrays.fill(r, fillWith);
        System.arraycopy(v, 0, r, 3 - v.length, v.length);
        return r;
    }

    /**
     * Writes the context {@code ctx} of a {@code channels x dims} activation into {@code dst} from {@code dstOff}
     * ({@code [channels, ctx.size]}): elements outside the map are {@code pad}; inside, the patch where it covers them
     * ({@code patch} from {@code patchOff}, {@code [channels, box.size]}, may be null), else the source: {@code base}
     * ({@code [channels, dims]}) or, when {@code base} is null, {@code full} from {@code fullOff}.
     */
    static void context(float[] dst, int dstOff, int channels, int[] dims3, Box ctx, float pad, float[] base,
                        FloatBuffer full, int fullOff, boolean fullChannelsLast, float[] patch, int patchOff, Box box) {
        int[] cs = ctx.start();
        int[] cz = ctx.size();
        if (patch != null && Arrays.equals(cs, box.start()) && Arrays.equals(cz, box.size())) {
            // The context is the patch (a point-wise step reading the step before it): one copy.
            System.arraycopy(patch, patchOff, dst, dstOff, channels * cz[0] * cz[1] * cz[2]);
            return;
        }
        int d2 = dims3[2];
        int left = Math.min(cz[2], Math.max(0, -cs[2]));
        int mid0 = Math.max(cs[2], 0);
        int mid1 = Math.min(cs[2] + cz[2], d2);
        int o = dstOff;
        for (int c = 0; c < channels; c++) {
            for (int i0 = 0; i0 < cz[0]; i0++) {
                int y0 = cs[0] + i0;
                for (int i1 = 0; i1 < cz[1]; i1++, o += cz[2]) {
                    int y1 = cs[1] + i1;
                    if (y0 < 0 || y0 >= dims3[0] || y1 < 0 || y1 >= dims3[1] || mid1 <= mid0) {
                        Arrays.fill(dst, o, o + cz[2], pad);
                        continue;
                    }
                    Arrays.fill(dst, o, o + left, pad);
                    Arrays.fill(dst, o + (mid1 - cs[2]), o + cz[2], pad);
                    int src = ((c * dims3[0] + y0) * dims3[1] + y1) * d2;
                    if (base != null) {
                        System.arraycopy(base, src + mid0, dst, o + (mid0 - cs[2]), mid1 - mid0);
                    } else if (fullChannelsLast) {
                        int pixel = (y0 * dims3[1] + y1) * d2;
                        for (int x = mid0; x < mid1; x++) {
                            dst[o + (x - cs[2])] = full.get(fullOff + (pixel + x) * channels + c);
                        }
                    } else {
                        full.get(fullOff + src + mid0, dst, o + (mid0 - cs[2]), mid1 - mid0);
                    }
                    if (patch != null && box.containsRow(y0, y1)) {
                        int[] ps = box.start();
                        int[] pz = box.size();
                        int x0 = Math.max(mid0, ps[2]);
                        int x1 = Math.min(mid1, ps[2] + pz[2]);
                        if (x1 > x0) {
                            int p = patchOff + ((c * pz[0] + (y0 - ps[0])) * pz[1] + (y1 - ps[1])) * pz[2] + (x0 - ps[2]);
                            System.arraycopy(patch, p, dst, o + (x0 - cs[2]), x1 - x0);
                        }
                    }
                }
            }
        }
    }

    /** Writes {@code base} ({@code [channels, dims]}) with the patch laid over it into {@code dst} from {@code dstOff}. */
    static void stitch(FloatBuffer dst, int dstOff, int channels, int[] dims3, float[] base, float[] patch,
                       int patchOff, Box box) {
        dst.put(dstOff, base, 0, base.length);
        int[] ps = box.start();
        int[] pz = box.size();
        int p = patchOff;
        for (int c = 0; c < channels; c++) {
            for (int i0 = 0; i0 < pz[0]; i0++) {
                for (int i1 = 0; i1 < pz[1]; i1++, p += pz[2]) {
                    int at = ((c * dims3[0] + ps[0] + i0) * dims3[1] + ps[1] + i1) * dims3[2] + ps[2];
                    dst.put(dstOff + at, patch, p, pz[2]);
                }
            }
        }
    }
}
