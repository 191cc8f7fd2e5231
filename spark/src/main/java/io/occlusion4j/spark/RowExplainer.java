// Explains one input row on an executor: decode, explain with the executor's model, a result row or an error row.
package io.occlusion4j.spark;

import io.occlusion4j.Backend;
import io.occlusion4j.ExplainOptions;
import io.occlusion4j.Occlusion;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Turns the bytes of one input (an encoded image, or an NPY tensor {@code [C, D1..Dk]}) into the values of
 * {@link #EXPLANATION}. Images are decoded by the engine's {@link Images} and become tensors exactly as
 * {@code occlusion4j explain --image} makes them; NPY files are read by {@link Npy} as {@code --tensor} does.
 * Any failure (bytes no decoder reads, a shape the model refuses, NaN in the model output, a model that does
 * not load) becomes an error row: {@code error} says what and the maps are null. One instance serves one
 * task at a time (Spark deserializes a copy per task); the model it uses is the executor's.
 */
final class RowExplainer implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final DataType INTS = DataTypes.createArrayType(DataTypes.IntegerType, false);
    private static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, false);

    /** One explanation: the result columns after the key. */
    static final StructType EXPLANATION = new StructType(new StructField[] {
            DataTypes.createStructField("targets", INTS, true),
            DataTypes.createStructField("base_scores", FLOATS, true),
            DataTypes.createStructField("max_drop", FLOATS, true),
            DataTypes.createStructField("max_drop_at", DataTypes.createArrayType(INTS, false), true),
            DataTypes.createStructField("grid_map", FLOATS, true),
            DataTypes.createStructField("grid_shape", INTS, true),
            DataTypes.createStructField("pixel_map", FLOATS, true),
            DataTypes.createStructField("pixel_shape", INTS, true),
            DataTypes.createStructField("backend", DataTypes.StringType, true),
            DataTypes.createStructField("device", DataTypes.StringType, true),
            DataTypes.createStructField("windows", DataTypes.IntegerType, true),
            DataTypes.createStructField("forwards", DataTypes.IntegerType, true),
            DataTypes.createStructField("seconds", DataTypes.DoubleType, true),
            DataTypes.createStructField("error", DataTypes.StringType, true)});

    private final ModelShipment model;
    private final ExplainSpec spec;
    /** This task's explainers by spatial rank, derived from the executor's model (nothing reloads). */
    private transient Map<Integer, Occlusion> explainers;
    private transient Occlusion base;
    private transient ExplainOptions parsed;
    /** Why the executor's model did not load, kept so that a task does not retry the load on every row. */
    private transient RuntimeException loadFailure;

    RowExplainer(ModelShipment model, ExplainSpec options) {
        this.model = model;
        this.spec = options;
    }

    /** The values of {@link #EXPLANATION} for the input {@code content} named {@code name}. */
    Object[] explain(String name, byte[] content) {
        long start = System.nanoTime();
        try {
            if (content == null || content.length == 0) {
                throw new IllegalArgumentException("input " + name + " is empty");
            }
            Occlusion occlusion = base();
            Tensor x = startsWith(content, NPY_MAGIC) ? Npy.parse(content, name) : occlusion.imageTensor(Images.decode(content, name));
            SensitivityMap map = explainer(x.rank() - 1).explain(x);
            return values(map);
        } catch (RuntimeException e) {
            Object[] row = new Object[EXPLANATION.size()];
            row[EXPLANATION.fieldIndex("seconds")] = (System.nanoTime() - start) / 1e9;
            row[EXPLANATION.fieldIndex("error")] = message(name, e);
            return row;
        }
    }

    private Occlusion base() {
        if (loadFailure != null) {
            throw loadFailure;
        }
        if (base == null) {
            try {
                int slot = slotThreads();
                base = ExecutorModels.open(model, spec.backend(), spec.threads() > 0 ? spec.threads() : slot);
            } catch (RuntimeException e) {
                loadFailure = e;
                throw e;
            }
        }
        return base;
    }

    private Occlusion explainer(int axes) {
        if (explainers == null) {
            explainers = new HashMap<>();
            parsed = spec.explainOptions();
        }
        return explainers.computeIfAbsent(axes, k -> base().with(b -> spec.applyTo(b, parsed, k)));
    }

    /**
     * Intra-op threads of this task's slot: {@code spark.task.cpus} (1 unless set). With the CUDA back end the
     * slot is a GPU: Spark names its address in the task's resources, and the back end opens device 0, so the
     * executor must see exactly its own GPU (one GPU per executor, isolated by the cluster manager).
     */
    private int slotThreads() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return 1;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu != null && spec.backend() == Backend.CUDA && !Arrays.equals(gpu.addresses(), new String[] {"0"})) {
            throw new IllegalStateException("Spark gave this task GPU " + String.join(",", gpu.addresses())
                    + ", but the CUDA back end opens device 0: give each executor one GPU"
                    + " (spark.executor.resource.gpu.amount=1) that it sees as device 0");
        }
        return Math.max(1, task.cpus());
    }

    private static Object[] values(SensitivityMap map) {
        int n = map.targetCount();
        float[] maxDrop = new float[n];
        int[][] maxAt = new int[n][];
        for (int t = 0; t < n; t++) {
            Tensor pixels = map.pixelMap(t);
            int arg = pixels.argmax();
            maxDrop[t] = pixels.data()[arg];
            maxAt[t] = pixels.coordinates(arg);
        }
        Tensor grid = map.gridMaps();
        Tensor pixel = map.pixelMaps();
        return new Object[] {map.targets(), map.baseScores(), maxDrop, maxAt, grid.data(), grid.shape(), pixel.data(),
                pixel.shape(), map.stats().backend(), map.stats().device(), map.stats().windows(), map.stats().forwards(),
                map.stats().seconds(), null};
    }

    private static String message(String name, Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.contains(name) ? m : name + ": " + m;
    }

    private static boolean startsWith(byte[] content, byte[] prefix) {
        return content.length >= prefix.length && Arrays.equals(content, 0, prefix.length, prefix, 0, prefix.length);
    }
}
