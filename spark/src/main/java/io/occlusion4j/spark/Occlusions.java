// The Dataset API: explain every row of a Dataset of encoded images or NPY tensors on the executors.
package io.occlusion4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Occlusion maps over a Spark {@link Dataset}. The input has a binary column of encoded images (PNG, JPEG,
 * BMP, GIF, TIFF) or NPY tensors and a key column, as {@code spark.read().format("binaryFile")} gives them
 * ({@code path}, {@code content}). The result has one row per input: {@code key}, then the columns of
 * {@link #explanationSchema()}: the targets, their base scores, each target's largest pixel-map drop and
 * where, the grid and pixel maps ({@code array<float>}, targets stacked, with their shapes), the back end and
 * device, the windows and forwards, seconds, and {@code error}. A row that cannot be explained (unreadable
 * bytes, a shape the model refuses, a model failure) has {@code error} set and null maps; it never fails
 * the job. {@link #summarize} counts rows and errors.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/xrays");
 * ModelShipment model = ModelShipment.broadcast(spark, Path.of("resnet18.onnx"));
 * Dataset<Row> maps = Occlusions.explain(images, model, ExplainSpec.parse("--window 16 --stride 8 --top-k 3"));
 * maps.write().parquet("/data/xrays-maps.parquet");
 * }</pre>
 *
 * Each executor loads the model once ({@link ExecutorModels}) and every task there shares it; each task is
 * one explain slot (a core, or a GPU with {@code --backend cuda}).
 *
 * <p>Rows differ in cost (an explanation's work grows with the input's size), and {@code binaryFile} packs files
 * into partitions largest first, so a folder read as two partitions gives one core the large half and leaves the
 * other idle at the end (48 page crops on {@code local[2]}: 40 % longer than the same rows split evenly). So
 * {@link #explain} spreads an input of fewer than {@value #TASKS_PER_CORE} partitions per core (Spark's default
 * parallelism) over that many, round-robin; an input with enough partitions keeps its own.
 */
public final class Occlusions {
    /** The key column of the result. */
    public static final String KEY = "key";
    /** Partitions per core {@link #explain} spreads a less partitioned input over (see the class comment). */
    public static final int TASKS_PER_CORE = 3;

    private Occlusions() {}

    /** The result's schema: {@code key} then {@link #explanationSchema()}. */
    public static StructType resultSchema() {
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField(KEY, DataTypes.StringType, true));
        fields.addAll(Arrays.asList(RowExplainer.EXPLANATION.fields()));
        return DataTypes.createStructType(fields);
    }

    /** One explanation's columns (what the {@link #udf} returns as a struct). */
    public static StructType explanationSchema() {
        return RowExplainer.EXPLANATION;
    }

    /** {@link #explain(Dataset, ModelShipment, ExplainSpec, String, String)} with binaryFile's {@code path} and {@code content}. */
    public static Dataset<Row> explain(Dataset<Row> inputs, ModelShipment model, ExplainSpec options) {
        return explain(inputs, model, options, "path", "content");
    }

    /**
     * Explains every row of {@code inputs} (lazily: nothing runs before an action on the result).
     *
     * @param keyColumn     names each row in the result (any type; its string form is kept)
     * @param contentColumn the input's bytes (binary)
     */
    public static Dataset<Row> explain(Dataset<Row> inputs, ModelShipment model, ExplainSpec options, String keyColumn,
            String contentColumn) {
        StructType schema = inputs.schema();
        for (String c : List.of(keyColumn, contentColumn)) {
            if (!Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the input has no column '" + c + "'; its columns are " + Arrays.toString(schema.fieldNames()));
            }
        }
        if (!schema.apply(contentColumn).dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("column '" + contentColumn + "' holds " + schema.apply(contentColumn).dataType().simpleString()
                    + ", not the binary content of an image or NPY file");
        }
        Dataset<Row> pairs = spread(inputs.select(functions.col(keyColumn).cast(DataTypes.StringType),
                functions.col(contentColumn)));
        return pairs.mapPartitions(new PartitionExplainer(new RowExplainer(model, options)), Encoders.row(resultSchema()));
    }

    /**
     * {@code rows} over at least {@value #TASKS_PER_CORE} partitions per core of its session (round-robin), or as it
     * is when it has that many already.
     */
    static Dataset<Row> spread(Dataset<Row> rows) {
        int wanted = TASKS_PER_CORE * rows.sparkSession().sparkContext().defaultParallelism();
        return rows.rdd().getNumPartitions() >= wanted ? rows : rows.repartition(wanted);
    }

    /**
     * The same explanation as a column function: {@code df.withColumn("explanation", udf.apply(col("content")))}
     * gives a struct of {@link #explanationSchema()} per row (errors in its {@code error} field).
     */
    public static UserDefinedFunction udf(ModelShipment model, ExplainSpec options) {
        RowExplainer explainer = new RowExplainer(model, options);
        UDF1<byte[], Row> f = content -> RowFactory.create(explainer.explain("row", content));
        return functions.udf(f, RowExplainer.EXPLANATION).asNonNullable();
    }

    /** Counts the rows, errors and variants of a result (one aggregation; it runs the job if not yet written). */
    public static BatchSummary summarize(Dataset<Row> results) {
        Row r = results.agg(functions.count(functions.lit(1)), functions.count(functions.col("error")),
                functions.coalesce(functions.sum("windows"), functions.lit(0L)),
                functions.coalesce(functions.sum("seconds"), functions.lit(0.0))).first();
        List<Row> firstErrors = results.where(functions.col("error").isNotNull()).select(KEY, "error").limit(5).collectAsList();
        List<String> errors = firstErrors.stream().map(e -> e.getString(1)).toList();
        return new BatchSummary(r.getLong(0), r.getLong(1), r.getLong(2), r.getDouble(3), errors);
    }

    /** One task's rows, explained one at a time as Spark pulls them (a partition is never held whole). */
    private record PartitionExplainer(RowExplainer explainer) implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row in = rows.next();
                    String key = in.isNullAt(0) ? null : in.getString(0);
                    byte[] content = in.isNullAt(1) ? null : (byte[]) in.get(1);
                    Object[] values = explainer.explain(key == null ? "a row without key" : key, content);
                    Object[] out = new Object[values.length + 1];
                    out[0] = key;
                    System.arraycopy(values, 0, out, 1, values.length);
                    return RowFactory.create(out);
                }
            };
        }
    }
}
