// The device launch path's parameter table against plan_ops.cu, and every lowered launch against the table.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.cuda.KernelArgs.Kind;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.OnnxModelReader;
import io.occlusion4j.graph.Plan;
import io.occlusion4j.graph.PlanBuilder;
import io.occlusion4j.kernels.PlanLowering.Lowered;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * On a GPU, {@link PlanKernels} packs each launch by {@link PlanKernels#SIGNATURES}; the host tests call the
 * kernels by name with boxed arguments and never read that table. So here, without a GPU: the table must
 * list exactly the {@code extern "C" __global__} functions of {@code plan_ops.cu} with their parameter kinds,
 * and every launch the lowering makes for the five models (fp32 and fp16 storage) must fit its kernel's row.
 */
class PlanKernelSignaturesTest {
    private static final Pattern KERNEL = Pattern.compile(
            "extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)", Pattern.DOTALL);

    static Map<String, List<Kind>> declared() {
        Map<String, List<Kind>> out = new LinkedHashMap<>();
        Matcher m = KERNEL.matcher(KernelSources.read("plan_ops.cu"));
        while (m.find()) {
            List<Kind> kinds = new ArrayList<>();
            for (String p : m.group(2).split(",")) {
                String t = p.trim().replaceAll("\\s+", " ");
                kinds.add(t.contains("*") ? Kind.POINTER : t.startsWith("long long") ? Kind.I64
                        : t.startsWith("int ") ? Kind.I32 : t.startsWith("float ") ? Kind.F32
                        : t.startsWith("double ") ? Kind.F64 : null);
                assertThat(kinds.getLast()).as("parameter '%s' of %s", t, m.group(1)).isNotNull();
            }
            out.put(m.group(1), kinds);
        }
        return out;
    }

    @Test
    void theLaunchTableListsEveryPlanKernelWithItsDeclaredParameters() {
        Map<String, List<Kind>> declared = declared();
        assertThat(declared).hasSizeGreaterThan(15);
        assertThat(PlanKernels.SIGNATURES.keySet()).containsExactlyInAnyOrderElementsOf(declared.keySet());
        PlanKernels.SIGNATURES.forEach((name, kinds) ->
                assertThat(List.of(kinds)).as(name).containsExactlyElementsOf(declared.get(name)));
    }

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
                        Kind[] want = PlanKernels.SIGNATURES.get(launch.kernel());
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
