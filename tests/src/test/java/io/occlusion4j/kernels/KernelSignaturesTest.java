// The device launch paths' parameter tables against the .cu declarations, and every lowered launch against the table.
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
 * On a GPU, {@link PlanKernels} and {@link OcclusionKernels} check each launch against their
 * {@code SIGNATURES}; the host tests call the kernels by name with boxed arguments and never read those
 * tables. So here, without a GPU: each table must list exactly the {@code extern "C" __global__} functions of
 * its {@code .cu} files with their parameter kinds, and every launch the lowering makes for the five models
 * (fp32 and fp16 storage) must fit its kernel's row.
 */
class KernelSignaturesTest {
    private static final Pattern KERNEL = Pattern.compile(
            "extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)", Pattern.DOTALL);

    /** The kernels the {@code .cu} files of {@code units} declare, with their parameter kinds. */
    static Map<String, List<Kind>> declared(List<String> units) {
        Map<String, List<Kind>> out = new LinkedHashMap<>();
        for (String unit : units) {
            Matcher m = KERNEL.matcher(KernelSources.read(unit));
            while (m.find()) {
                List<Kind> kinds = new ArrayList<>();
                for (String p : m.group(2).split(",")) {
                    String t = p.trim().replaceAll("\\s+", " ");
                    if (t.equals("OCC_GEOM_PARAMS")) {
                        kinds.addAll(java.util.Collections.nCopies(16, Kind.I32));
                        continue;
                    }
                    kinds.add(t.contains("*") ? Kind.POINTER : t.contains("long long ") ? Kind.I64
                            : t.startsWith("int ") ? Kind.I32 : t.startsWith("float ") ? Kind.F32
                            : t.startsWith("double ") ? Kind.F64 : null);
                    assertThat(kinds.getLast()).as("parameter '%s' of %s in %s", t, m.group(1), unit).isNotNull();
                }
                out.put(m.group(1), kinds);
            }
        }
        return out;
    }

    private static void sameTable(Map<String, Kind[]> table, Map<String, List<Kind>> declared) {
        assertThat(table.keySet()).containsExactlyInAnyOrderElementsOf(declared.keySet());
        table.forEach((name, kinds) -> assertThat(List.of(kinds)).as(name).containsExactlyElementsOf(declared.get(name)));
    }

    @Test
    void theLaunchTableListsEveryPlanKernelWithItsDeclaredParameters() {
        Map<String, List<Kind>> declared = declared(KernelSources.PLAN_UNITS);
        assertThat(declared).hasSizeGreaterThan(15);
        sameTable(PlanKernels.SIGNATURES, declared);
    }

    @Test
    void theOcclusionKernelsTableListsEveryKernelWithItsDeclaredParameters() {
        Map<String, List<Kind>> declared = declared(KernelSources.UNITS);
        assertThat(declared).hasSizeGreaterThan(10);
        sameTable(OcclusionKernels.SIGNATURES, declared);
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
