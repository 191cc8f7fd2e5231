// The device launch paths' parameter tables against the .cu declarations.
package io.occlusion4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.cuda.KernelArgs.Kind;
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
 * its {@code .cu} files with their parameter kinds (the CUDA back end's tests check every lowered launch
 * against these rows).
 */
public class KernelSignaturesTest {
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
}
