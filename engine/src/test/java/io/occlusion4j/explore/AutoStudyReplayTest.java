package io.occlusion4j.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Edge;
import io.occlusion4j.WindowGrid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code --adaptive auto} replayed on the exact maps of the study's workloads ({@code study-maps/}, written by
 * {@code AdaptiveAutoStudy --maps}; see {@code bench/results/adaptive-2026-12-02.md}): the scorer reads the stored exact
 * values instead of running the model, so every figure below is what the study's runs through ONNX Runtime would give
 * for the same seed. It pins the study's findings as a regression test: safety (true SSIM at least the goal), the
 * estimate within 0.05 of the truth, the issue's 25 % where it is met, and spread evidence costing more.
 *
 * <p>Known and not asserted: on PaddleOCR's map, seeds 55, 86 and 116 stop at true SSIM 0.91-0.92 and seed 90 at 0.93
 * (a one-column stroke between the lattice's columns that no sample hits; the results file's diagnosis).
 */
class AutoStudyReplayTest {
    record StudyMap(String name, WindowGrid grid, float[] exact) {}

    static StudyMap load(String name) {
        try (InputStream in = AutoStudyReplayTest.class.getResourceAsStream("study-maps/" + name + ".map")) {
            if (in == null) {
                throw new IllegalStateException("no study map " + name);
            }
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().filter(l -> !l.startsWith("#")).toList();
            String[] h = lines.getFirst().split(" ");
            int rank = (h.length - 5) / 3;
            int[][] dims = new int[3][rank];
            for (int part = 0; part < 3; part++) {
                for (int d = 0; d < rank; d++) {
                    dims[part][d] = Integer.parseInt(h[1 + part * (rank + 1) + d]);
                }
            }
            WindowGrid grid = WindowGrid.of(dims[0], dims[1], dims[2], Edge.valueOf(h[h.length - 1]), false);
            float[] exact = new float[lines.size() - 1];
            for (int i = 0; i < exact.length; i++) {
                exact[i] = Float.parseFloat(lines.get(i + 1));
            }
            assertThat(exact).as("%s: one value per window", name).hasSize(grid.count());
            return new StudyMap(name, grid, exact);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AutoRuns.Run replay(StudyMap m, long seed) {
        return AutoRuns.run(m.grid(), m.exact(), AutoSettings.defaults().withSeed(seed));
    }

    @ParameterizedTest
    @CsvSource({"region-128-1, 0.25", "region-192, 0.25", "region-96-w8, 0.25", "region-128-2, 0.40", "region-128-3, 0.40",
            "blazeface, 0.40"})
    void evidenceInOneRegionStopsSafelyWithinItsShareOfTheForwards(String name, double share) {
        StudyMap m = load(name);
        for (long seed = 1; seed <= 6; seed++) {
            AutoRuns.Run r = replay(m, seed);
            assertThat(r.trueSsim()).as("%s seed %d: true SSIM", name, seed).isGreaterThanOrEqualTo(0.95);
            assertThat(Math.abs(r.outcome().estimate().ssim() - r.trueSsim())).as("%s seed %d: %s vs true %.3f", name, seed, r.outcome().estimate(),
                    r.trueSsim()).isLessThanOrEqualTo(0.05);
            assertThat(r.fraction()).as("%s seed %d: fraction of the exact forwards", name, seed).isLessThanOrEqualTo(share);
            assertThat(Arrays.stream(r.outcome().spent()).sum()).as("%s seed %d: spent", name, seed).isEqualTo(r.scored());
            AutoRuns.assertScoredWindowsExact(r, m.exact(), name + " seed " + seed);
        }
    }

    @Test
    void spreadEvidenceSpendsMoreThanOneRegionOnTheSameGridAndStillReachesTheGoal() {
        StudyMap spread = load("spread-96-w8");
        StudyMap region = load("region-96-w8");
        for (long seed = 1; seed <= 3; seed++) {
            AutoRuns.Run s = replay(spread, seed);
            AutoRuns.Run r = replay(region, seed);
            assertThat(s.fraction()).as("seed %d", seed).isGreaterThan(r.fraction() + 0.10);
            assertThat(s.trueSsim()).as("seed %d", seed).isGreaterThanOrEqualTo(0.95);
            assertThat(Math.abs(s.outcome().estimate().ssim() - s.trueSsim())).as("seed %d", seed).isLessThanOrEqualTo(0.05);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spread-128-41", "ppocr"})
    void spreadEvidenceOnTheOtherWorkloadsStaysSafe(String name) {
        StudyMap m = load(name);
        for (long seed = 1; seed <= 3; seed++) {
            AutoRuns.Run r = replay(m, seed);
            assertThat(r.trueSsim()).as("%s seed %d", name, seed).isGreaterThanOrEqualTo(0.95);
            assertThat(Math.abs(r.outcome().estimate().ssim() - r.trueSsim())).as("%s seed %d", name, seed).isLessThanOrEqualTo(0.05);
            assertThat(r.fraction()).as("%s seed %d", name, seed).isGreaterThan(0.5);
        }
    }

    @Test
    void theStoredMapsAreTheStudysWorkloads() {
        StudyMap m = load("region-128-1");
        assertThat(m.grid().gridShape()).containsExactly(29, 29);
        // The masked CNN reads only its box: windows far from it change nothing, windows over it do.
        assertThat(m.exact()[0]).isZero();
        assertThat(Arrays.stream(toDouble(m.exact())).map(Math::abs).max().orElseThrow()).isGreaterThan(0.1);
        assertThat(load("ppocr").grid().gridShape()).containsExactly(11, 47);
        assertThat(load("region-96-w8").grid().window()).containsExactly(8, 8);
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
