// The models open in this JVM: one per (model, back end, task slot), opened by the first task that needs it.
package io.occlusion4j.spark;

import io.occlusion4j.Backend;
import io.occlusion4j.Occlusion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lazily created holder of an executor's models. Loading a model (ONNX Runtime session, or a CUDA plan)
 * costs far more than explaining one row, so the first task on an executor loads it and every later task
 * there reuses it; concurrent first tasks wait for the one load ({@link ConcurrentHashMap#computeIfAbsent}).
 * An {@link Occlusion} serves any number of threads, so the executor's task slots share it, each explaining
 * with as many intra-op threads as Spark gives a task ({@code spark.task.cpus}): one slot per core.
 * The models stay open for the JVM's life (an executor's); {@link #closeAll} frees them in a long-lived driver.
 */
public final class ExecutorModels {
    private static final Map<String, Occlusion> OPEN = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    /** The open model for {@code model} on {@code backend} with {@code threads} intra-op threads, loaded once. */
    static Occlusion open(ModelShipment model, Backend backend, int threads) {
        String key = model.id() + "|" + backend + "|" + threads;
        return OPEN.computeIfAbsent(key, k -> {
            LOADS.incrementAndGet();
            return Occlusion.builder().model(model.localPath()).backend(backend).threads(threads).build();
        });
    }

    /** How many times this JVM has loaded a model (each distinct model and slot shape once). */
    public static int loads() {
        return LOADS.get();
    }

    /** Closes every model this JVM holds (local mode: the driver is the executor). */
    public static void closeAll() {
        for (String key : OPEN.keySet()) {
            Occlusion o = OPEN.remove(key);
            if (o != null) {
                o.close();
            }
        }
    }
}
