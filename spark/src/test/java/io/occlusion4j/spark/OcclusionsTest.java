// The Dataset API in local mode: maps equal to the engine's, error rows, one model load per JVM, the UDF form.
package io.occlusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

class OcclusionsTest {
    private static final String OPTIONS = "--window 8 --stride 4 --fill mean --score softmax --top-k 2";

    @TempDir
    static Path dir;
    private static Path model;
    private static Path inputs;
    private static SparkSession spark;

    @BeforeAll
    static void start() throws IOException {
        model = dir.resolve("cnn.onnx");
        Files.write(model, TestModels.smallCnn(3, 32, 32, 5, 7).onnx());
        inputs = Files.createDirectories(dir.resolve("inputs"));
        Random random = new Random(3);
        String[] formats = {"png", "jpg", "bmp", "tiff", "png", "png"};
        for (int i = 0; i < formats.length; i++) {
            // a different size each: every image is resized to the model's 32 x 32, as explain --image does
            BufferedImage image = picture(random, 40 + 3 * i, 30 + 5 * i);
            assertThat(ImageIO.write(image, formats[i], inputs.resolve("img" + i + "." + formats[i]).toFile())).isTrue();
        }
        float[] tensor = new float[3 * 32 * 32];
        for (int i = 0; i < tensor.length; i++) {
            tensor[i] = random.nextFloat();
        }
        Npy.write(inputs.resolve("tensor.npy"), Tensor.of(tensor, 3, 32, 32));
        Files.write(inputs.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Npy.write(inputs.resolve("flat.npy"), Tensor.of(new float[32], 32)); // rank 1: the model refuses it
        spark = SparkSession.builder().master("local[2]").appName("occlusions-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.sql.files.minPartitionNum", "4").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorModels.closeAll();
    }

    private static BufferedImage picture(Random random, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // smooth gradients plus noise, so JPEG keeps some structure
                int r = (x * 255 / width + random.nextInt(32)) & 0xff;
                int g = (y * 255 / height + random.nextInt(32)) & 0xff;
                int b = ((x + y) * 128 / (width + height) + random.nextInt(64)) & 0xff;
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private static Map<String, Row> byName(List<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : rows) {
            String key = r.getString(r.fieldIndex(Occlusions.KEY));
            out.put(key.substring(key.lastIndexOf('/') + 1), r);
        }
        return out;
    }

    /** What the engine alone gives for {@code file}: an image as explain --image reads it, an NPY as --tensor. */
    private static SensitivityMap engineMap(Occlusion occlusion, Path file) {
        Tensor x = file.toString().endsWith(".npy") ? Npy.read(file) : occlusion.imageTensor(Images.read(file));
        return occlusion.explain(x);
    }

    private static float[] floats(Row r, String column) {
        List<Float> list = r.getList(r.fieldIndex(column));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static int[] ints(Row r, String column) {
        return r.<Integer>getList(r.fieldIndex(column)).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void everyMapEqualsTheEnginesAndBadRowsBecomeErrorRows() {
        int loadsBefore = ExecutorModels.loads();
        ModelShipment shipment = ModelShipment.broadcast(spark, model);
        Dataset<Row> files = spark.read().format("binaryFile").load(inputs.toString());
        assertThat(files.rdd().getNumPartitions()).as("the files are spread over several tasks").isGreaterThan(1);
        List<Row> rows = Occlusions.explain(files, shipment, ExplainSpec.parse(OPTIONS)).collectAsList();
        assertThat(ExecutorModels.loads() - loadsBefore).as("one model load for every task of the JVM").isEqualTo(1);

        Map<String, Row> results = byName(rows);
        assertThat(results).hasSize(9);
        try (Occlusion occlusion = ExplainSpec.parse(OPTIONS).applyTo(Occlusion.builder().model(model).threads(1), 2).build()) {
            for (String name : List.of("img0.png", "img1.jpg", "img2.bmp", "img3.tiff", "img4.png", "img5.png", "tensor.npy")) {
                Row r = results.get(name);
                assertThat(r.isNullAt(r.fieldIndex("error"))).as(name + ": " + r.getAs("error")).isTrue();
                SensitivityMap expected = engineMap(occlusion, inputs.resolve(name));
                assertThat(ints(r, "targets")).as(name).containsExactly(expected.targets());
                assertThat(floats(r, "base_scores")).as(name).containsExactly(expected.baseScores());
                assertThat(floats(r, "pixel_map")).as(name).containsExactly(expected.pixelMaps().data());
                assertThat(ints(r, "pixel_shape")).containsExactly(2, 32, 32);
                assertThat(floats(r, "grid_map")).as(name).containsExactly(expected.gridMaps().data());
                assertThat(ints(r, "grid_shape")).containsExactly(expected.gridMaps().shape());
                Tensor first = expected.pixelMap(0);
                assertThat(floats(r, "max_drop")[0]).isEqualTo(first.data()[first.argmax()]);
                scala.collection.Seq<Integer> at = r.<scala.collection.Seq<Integer>>getList(r.fieldIndex("max_drop_at")).getFirst();
                assertThat(CollectionConverters.asJava(at)).containsExactly(
                        Arrays.stream(first.coordinates(first.argmax())).boxed().toArray(Integer[]::new));
                assertThat(r.<Integer>getAs("windows")).isEqualTo(expected.stats().windows());
                assertThat(r.<String>getAs("backend")).isEqualTo("cpu");
            }
        }
        Row corrupt = results.get("corrupt.png");
        assertThat(corrupt.<String>getAs("error")).contains("corrupt.png");
        assertThat(corrupt.isNullAt(corrupt.fieldIndex("pixel_map"))).isTrue();
        Row flat = results.get("flat.npy");
        assertThat(flat.<String>getAs("error")).contains("flat.npy").contains("spatial axis");

        BatchSummary summary = Occlusions.summarize(spark.createDataFrame(rows, Occlusions.resultSchema()));
        assertThat(summary.rows()).isEqualTo(9);
        assertThat(summary.errors()).isEqualTo(2);
        assertThat(summary.variants()).isEqualTo(7L * 49);
        assertThat(summary.firstErrors()).hasSize(2);
    }

    /** Rows of uneven cost in too few partitions leave cores idle: the input is spread over 3 per core, round-robin. */
    @Test
    void anInputInFewerPartitionsThanThreePerCoreIsSpreadOverThatManyAndAnyOtherKeepsItsOwn() {
        int wanted = Occlusions.TASKS_PER_CORE * spark.sparkContext().defaultParallelism();
        ModelShipment shipment = ModelShipment.shared(model);
        Dataset<Row> one = spark.read().format("binaryFile").load(inputs.toString()).coalesce(1);
        Dataset<Row> spread = Occlusions.explain(one, shipment, ExplainSpec.parse(OPTIONS));
        assertThat(spread.rdd().getNumPartitions()).isEqualTo(wanted);
        List<Row> rows = spread.collectAsList();
        assertThat(rows).hasSize(9);
        assertThat(byName(rows)).as("every row, once").hasSize(9);
        Dataset<Row> many = one.repartition(wanted + 1);
        assertThat(Occlusions.explain(many, shipment, ExplainSpec.parse(OPTIONS)).rdd().getNumPartitions())
                .isEqualTo(wanted + 1);
    }

    @Test
    void theUdfGivesTheSameStructPerRow() {
        ModelShipment shipment = ModelShipment.shared(model);
        Dataset<Row> files = spark.read().format("binaryFile").load(inputs.resolve("img0.png").toString());
        Row r = files.withColumn("x", Occlusions.udf(shipment, ExplainSpec.parse(OPTIONS)).apply(functions.col("content")))
                .select("x.*").first();
        try (Occlusion occlusion = ExplainSpec.parse(OPTIONS).applyTo(Occlusion.builder().model(model).threads(1), 2).build()) {
            SensitivityMap expected = engineMap(occlusion, inputs.resolve("img0.png"));
            assertThat(floats(r, "pixel_map")).containsExactly(expected.pixelMaps().data());
        }
        Row bad = spark.createDataFrame(List.of(RowFactory.create((Object) new byte[] {1, 2, 3})),
                        new StructType().add("content", DataTypes.BinaryType))
                .withColumn("x", Occlusions.udf(shipment, ExplainSpec.parse(OPTIONS)).apply(functions.col("content")))
                .select("x.*").first();
        assertThat(bad.<String>getAs("error")).isNotBlank();
    }

    @Test
    void badOptionsAndColumnsAreRefusedOnTheDriver() {
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --colour red")).hasMessageContaining("--colour");
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --fill purple")).hasMessageContaining("purple");
        assertThatThrownBy(() -> ExplainSpec.parse("--stride 8")).hasMessageContaining("window");
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --edge sideways")).hasMessageContaining("crop");
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --mean 0.5")).hasMessageContaining("--std");
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --size 12")).hasMessageContaining("HxW");
        assertThatThrownBy(() -> ExplainSpec.parse("--window 8 --target 1 --top-k 2")).hasMessageContaining("target");
        ExplainSpec spec = ExplainSpec.parse("--window 8,4 --fill mean --mean 0.5 --std 0.25 --size 10x12 --layout nhwc --bgr --threads 2");
        assertThat(spec.options()).containsEntry("window", "8,4").containsEntry("fill", "mean").hasSize(2);
        assertThat(spec.mean()).containsExactly(0.5f);
        assertThat(spec.std()).containsExactly(0.25f);
        assertThat(spec.imageSize()).containsExactly(10, 12);
        assertThat(spec.layout()).isEqualTo(Layout.CHANNELS_LAST);
        assertThat(spec.bgr()).isTrue();
        assertThat(spec.threads()).isEqualTo(2);
        Dataset<Row> files = spark.read().format("binaryFile").load(inputs.toString());
        assertThatThrownBy(() -> Occlusions.explain(files, ModelShipment.shared(model), ExplainSpec.window(8), "name", "content"))
                .hasMessageContaining("no column 'name'");
        assertThatThrownBy(() -> Occlusions.explain(files, ModelShipment.shared(model), ExplainSpec.window(8), "path", "length"))
                .hasMessageContaining("not the binary content");
        assertThatThrownBy(() -> ModelShipment.broadcast(spark, dir.resolve("missing.onnx"))).hasMessageContaining("missing.onnx");
    }
}
