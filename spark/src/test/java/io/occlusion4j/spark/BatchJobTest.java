// The batch pipeline in local mode: a folder in, a Parquet table and NPY maps out, a rerun that replaces them.
package io.occlusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchJobTest {
    private static final String OPTIONS = "--window 4 --stride 2 --fill 0.5 --target 1";

    @TempDir
    Path dir;

    private BatchRequest request(Path inputs, Path model, Path npy) {
        return new BatchRequest(model, inputs.toString(), dir.resolve("out.parquet"), npy, "local[2]", ExplainSpec.parse(OPTIONS),
                "key", "content", Map.of("spark.driver.host", "127.0.0.1"));
    }

    @Test
    void aFolderBecomesATableAndNpyMapsAndARerunReplacesThem() throws IOException {
        Path model = dir.resolve("cnn.onnx");
        Files.write(model, TestModels.smallCnn(2, 12, 12, 3, 11).onnx());
        Path inputs = Files.createDirectories(dir.resolve("in/sub"));
        Random random = new Random(5);
        for (int i = 0; i < 5; i++) {
            float[] x = new float[2 * 12 * 12];
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextFloat();
            }
            Npy.write(inputs.resolve("t" + i + ".npy"), Tensor.of(x, 2, 12, 12));
        }
        Files.writeString(inputs.resolve("notes.txt"), "not an input: the folder filter skips it");
        Files.write(inputs.resolve("broken.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 9});
        Path npy = dir.resolve("maps");
        List<String> lines = new ArrayList<>();

        BatchResult first = BatchJob.run(request(dir.resolve("in"), model, npy), lines::add);
        assertThat(first.summary().rows()).isEqualTo(6);
        assertThat(first.summary().errors()).isEqualTo(1);
        assertThat(first.summary().firstErrors().getFirst()).contains("broken.npy");
        assertThat(first.npyFiles()).isEqualTo(5);
        assertThat(first.summary().variants()).isEqualTo(5L * 25);
        try (Occlusion occlusion = ExplainSpec.parse(OPTIONS).applyTo(Occlusion.builder().model(model).threads(1), 2).build()) {
            for (int i = 0; i < 5; i++) {
                Tensor expected = occlusion.explain(Npy.read(inputs.resolve("t" + i + ".npy"))).pixelMaps();
                Tensor written = Npy.read(npy.resolve("t" + i + ".npy"));
                assertThat(written.shape()).containsExactly(1, 12, 12);
                assertThat(written.data()).containsExactly(expected.data());
            }
        }

        BatchResult again = BatchJob.run(request(dir.resolve("in"), model, npy), lines::add);
        assertThat(again.summary().rows()).as("a rerun replaces the table, never adds to it").isEqualTo(6);
        try (Stream<Path> siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).as("no staging folder is left").noneMatch(n -> n.contains(".incomplete-")
                    || n.contains(".replaced-"));
        }
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(dir.resolve("out.parquet").toString()).collectAsList();
            assertThat(rows).hasSize(6);
            assertThat(rows.stream().map(r -> r.<String>getAs("key")).distinct()).hasSize(6);
        } finally {
            spark.stop();
        }
    }

    @Test
    void missingFilesAndNameClashesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path model = dir.resolve("cnn.onnx");
        Files.write(model, TestModels.smallCnn(2, 12, 12, 3, 11).onnx());
        assertThatThrownBy(() -> BatchJob.run(request(dir.resolve("nowhere"), model, null), s -> {})).hasMessageContaining("nowhere");
        assertThatThrownBy(() -> BatchJob.run(request(dir, dir.resolve("none.onnx"), null), s -> {})).hasMessageContaining("none.onnx");
        assertThatThrownBy(() -> BatchJob.npyNames(List.of("file:/a/x.png", "file:/b/x.jpg"))).hasMessageContaining("x.npy");
        assertThat(BatchJob.npyName("file:/data/scan 01.png")).isEqualTo("scan_01.npy");
        assertThat(Files.exists(dir.resolve("out.parquet"))).isFalse();
    }
}
