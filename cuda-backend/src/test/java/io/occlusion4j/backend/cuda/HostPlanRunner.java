// Runs a whole lowered CUDA plan on the host device, for the plan tests.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.kernels.HostKernels;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link CudaPlan} with the given lowering on a {@link HostDevice}: the plan_ops.cu launches through the host
 * build of the kernels, convolutions and products in Java in the storage (fp32 NCHW or fp16 NHWC) the lowering
 * gave each operand ({@link HostLibraryCalls}), the arena poisoned with a NaN pattern so a slot the plan forgets to
 * write shows. Run eagerly (no capture): the device-loop tests exercise capture and replay.
 */
final class HostPlanRunner {

    private HostPlanRunner() {
    }

    /**
     * Runs {@code lowering} of {@code plan} on {@code inputs} (fp32 NCHW); returns every graph output as fp32.
     * {@code host} is the caller's kernel handle, unused here (the host device opens its own launchers).
     */
    static Map<String, float[]> run(HostKernels host, Plan plan, PlanLowering.Lowering lowering,
                                    Map<String, TensorValue> inputs) {
        Precision precision = lowering.halfValues().isEmpty() ? Precision.FP32 : Precision.FP16;
        PlanOptions options = new PlanOptions(precision, false, false, 1L << 30, false);
        String first = plan.graph().inputs().get(0).name();
        int batch = (int) plan.slot(first).shape()[0];
        Map<String, float[]> in = new LinkedHashMap<>();
        inputs.forEach((name, t) -> in.put(name, t.floats()));
        try (HostDevice device = new HostDevice();
             CudaPlan p = CudaPlan.withLowering(device, plan, batch, options, lowering)) {
            return p.run(in);
        }
    }
}
