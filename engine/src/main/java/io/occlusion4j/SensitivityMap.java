package io.occlusion4j;

import java.util.Arrays;

/**
 * The result of one explanation: per target, the grid map (the score drop at every window position) and
 * the pixel map (each input element's mean drop over the windows that cover it, 0 where none does).
 *
 * <p>Joint windows give grid maps of shape {@code [G1..Gk]} and pixel maps of shape {@code [D1..Dk]}; per
 * channel windows add a leading channel axis to both.
 */
public final class SensitivityMap {
    private final WindowGrid grid;
    private final boolean perChannel;
    private final int channels;
    private final String output;
    private final int[] targets;
    private final float[] baseScores;
    private final float[] allBaseScores;
    private final float[][] gridMaps;
    private final float[][] pixelMaps;
    private final RunStats stats;

    /** Assembled by the back ends; arrays are taken as they are. */
    public SensitivityMap(WindowGrid grid, boolean perChannel, int channels, String output, int[] targets,
            float[] allBaseScores, float[][] gridMaps, float[][] pixelMaps, RunStats stats) {
        this.grid = grid;
        this.perChannel = perChannel;
        this.channels = channels;
        this.output = output;
        this.targets = targets;
        this.allBaseScores = allBaseScores;
        this.baseScores = new float[targets.length];
        for (int i = 0; i < targets.length; i++) {
            baseScores[i] = allBaseScores[targets[i]];
        }
        this.gridMaps = gridMaps;
        this.pixelMaps = pixelMaps;
        this.stats = stats;
    }

    public WindowGrid grid() {
        return grid;
    }

    public boolean perChannel() {
        return perChannel;
    }

    /** The model output(s) the scores were read from. */
    public String output() {
        return output;
    }

    /** The explained score indices, in the order of the maps. */
    public int[] targets() {
        return targets.clone();
    }

    /** The transformed score of each target for the unoccluded input. */
    public float[] baseScores() {
        return baseScores.clone();
    }

    /** Every transformed score of the unoccluded input (after the reduction, if any). */
    public float[] allBaseScores() {
        return allBaseScores.clone();
    }

    public int targetCount() {
        return targets.length;
    }

    /** Shape of one target's grid map. */
    public int[] gridShape() {
        return perChannel ? prepend(channels, grid.gridShape()) : grid.gridShape();
    }

    /** Shape of one target's pixel map. */
    public int[] pixelShape() {
        return perChannel ? prepend(channels, grid.spatialShape()) : grid.spatialShape();
    }

    /** The grid map of the {@code i}-th target (a copy). */
    public Tensor gridMap(int i) {
        return Tensor.of(gridMaps[i].clone(), gridShape());
    }

    /** The pixel map of the {@code i}-th target (a copy). */
    public Tensor pixelMap(int i) {
        return Tensor.of(pixelMaps[i].clone(), pixelShape());
    }

    /** All pixel maps stacked: {@code [targets, (C,) D1..Dk]}. */
    public Tensor pixelMaps() {
        return stack(pixelMaps, pixelShape());
    }

    /** All grid maps stacked: {@code [targets, (C,) G1..Gk]}. */
    public Tensor gridMaps() {
        return stack(gridMaps, gridShape());
    }

    public RunStats stats() {
        return stats;
    }

    /** This map with other stats (the same arrays). */
    public SensitivityMap withStats(RunStats newStats) {
        return new SensitivityMap(grid, perChannel, channels, output, targets, allBaseScores, gridMaps, pixelMaps,
                java.util.Objects.requireNonNull(newStats, "stats"));
    }

    private Tensor stack(float[][] maps, int[] shape) {
        int n = maps.length == 0 ? 0 : maps[0].length;
        float[] all = new float[maps.length * n];
        for (int i = 0; i < maps.length; i++) {
            System.arraycopy(maps[i], 0, all, i * n, n);
        }
        return Tensor.of(all, prepend(maps.length, shape));
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Override
    public String toString() {
        return "SensitivityMap[targets=" + Arrays.toString(targets) + ", grid=" + Arrays.toString(gridShape())
                + ", stats=" + stats + "]";
    }
}
