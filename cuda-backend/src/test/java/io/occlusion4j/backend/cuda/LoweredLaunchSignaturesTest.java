// Every launch the plan lowering makes, against the kernels' parameter table.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.kernels.PlanKernels;
import io.occlusion4j.kernels.PlanLaunch;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On a GPU, {@link PlanKernels} checks each launch against its {@code SIGNATURES}; the host runs never read
 * that table. So here, without a GPU: every launch the lowering makes for the five models (fp32 and fp16
 * storage) must fit its kernel's row (the kernels module checks the rows against the {@code .cu} files).
 */
class LoweredLaunchSignaturesTest {

    @Test
    void everyLoweredLaunchFitsItsKernelsParameters() {
        int launches = 0;
        for (GpuPlanTest.Model model : HostPlanRunTest.models()) {
            Graph graph = model.onnx() != null ? OnnxModelReader.read(model.onnx(), null, model.name())
                    : OnnxModelReader.read(model.file());
            Plan plan = PlanBuilder.build(graph, model.shapes(), PlanBuilder.Options.all());
            for (boolean half : new boolean[] {false, true}) {
                for (Lowered l : PlanLowering.lower(plan, half).steps()) {
                    List<PlanLaunch> all = switch (l) {
                        case Lowered.Launches ls -> ls.launches();
                        case Lowered.Convolution c -> c.prePad() == null ? List.of() : List.of(c.prePad());
                        case Lowered.MatrixProduct p -> p.fillY() == null ? List.of() : List.of(p.fillY());
                        case Lowered.Nothing n -> List.of();
                    };
                    for (PlanLaunch launch : all) {
                        Kind[] want = PlanKernels.signature(launch.kernel());
                        assertThat(want).as("%s: kernel %s", model, launch.kernel()).isNotNull();
                        List<Kind> got = launch.args().stream().map(a -> switch (a) {
                            case PlanLaunch.Arg.Pointer p -> Kind.POINTER;
                            case PlanLaunch.Arg.Meta m -> Kind.POINTER;
                            case PlanLaunch.Arg.I32 i -> Kind.I32;
                            case PlanLaunch.Arg.I64 i -> Kind.I64;
                            case PlanLaunch.Arg.F32 f -> Kind.F32;
                        }).toList();
                        assertThat(got).as("%s (fp16 storage %s): %s", model, half, launch.kernel())
                                .containsExactly(want);
                        launches++;
                    }
                }
            }
        }
        assertThat(launches).isGreaterThan(300);
    }
}
