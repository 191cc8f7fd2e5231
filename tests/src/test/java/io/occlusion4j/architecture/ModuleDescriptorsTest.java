// The built module descriptors against the poms, each other and the service file.
package io.occlusion4j.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every library module has a {@code module-info.java}; its {@code requires} on our modules are its pom's compile
 * dependencies; each qualified export or open goes to one of our modules that requires the exporter (javac's 'module'
 * lint, which would flag a misspelt target, is off in the build: most targets are built later in the reactor); the
 * modules below the engine export nothing to everyone; the CUDA back end is a service both on the module path
 * ({@code provides}) and on the class path (META-INF/services).
 */
class ModuleDescriptorsTest {
    /**
     * Maven modules without a descriptor, on purpose (docs/ARCHITECTURE.md, "Java modules"): bench and tests are tools
     * that run on the class path; spark's dependency, Spark, is no module (some of its jars have no valid automatic
     * name), and cli, the application, needs spark for {@code batch}: a module with a descriptor cannot read one
     * without.
     */
    private static final Set<String> CLASS_PATH_ONLY = Set.of("bench", "tests", "spark", "cli");
    /** Modules only the engine, the back ends and the tools see. */
    private static final List<String> INTERNAL = List.of("native-bindings", "graph", "kernels", "cuda-backend");
    private static final List<String> SERVICES = List.of("io.occlusion4j.core.BackendProvider",
            "io.occlusion4j.core.ModelChecker");

    private static Map<String, BuiltModules.Built> built;

    @BeforeAll
    static void read() throws Exception {
        built = BuiltModules.all();
    }

    @Test
    void everyLibraryModuleHasADescriptor() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String module : ModuleGraphTest.reactorModules()) {
            if (!CLASS_PATH_ONLY.contains(module) && !BuiltModules.declaresDescriptor(module)) {
                missing.add(module);
            }
        }
        assertThat(missing).as("modules without src/main/java/module-info.java (or add them to CLASS_PATH_ONLY, saying why "
                + "in docs/ARCHITECTURE.md)").isEmpty();
        assertThat(built).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test
    void requiresOnOurModulesAreThePomsCompileDependencies() throws Exception {
        Map<String, String> mavenNameOf = built.values().stream().collect(Collectors.toMap(BuiltModules.Built::name,
                BuiltModules.Built::mavenModule));
        for (BuiltModules.Built b : built.values()) {
            Set<String> required = new TreeSet<>();
            for (ModuleDescriptor.Requires r : b.descriptor().requires()) {
                if (r.name().startsWith("io.occlusion4j")) {
                    assertThat(mavenNameOf).as("%s requires %s", b.name(), r.name()).containsKey(r.name());
                    required.add(mavenNameOf.get(r.name()));
                }
            }
            assertThat(required).as("%s (module %s): requires vs the pom's compile-scope dependencies", b.mavenModule(), b.name())
                    .containsExactlyInAnyOrderElementsOf(ModuleGraphTest.pomDependencies(b.mavenModule()).compile());
        }
    }

    @Test
    void qualifiedExportsAndOpensGoToOurModulesThatRequireTheExporter() {
        Map<String, ModuleDescriptor> byName = built.values().stream().collect(Collectors.toMap(BuiltModules.Built::name,
                BuiltModules.Built::descriptor));
        List<String> wrong = new ArrayList<>();
        for (ModuleDescriptor d : byName.values()) {
            Stream<Map.Entry<String, Set<String>>> targets = Stream.concat(
                    d.exports().stream().map(e -> Map.entry("exports " + e.source(), e.targets())),
                    d.opens().stream().map(o -> Map.entry("opens " + o.source(), o.targets())));
            targets.forEach(t -> {
                for (String target : t.getValue()) {
                    if (!target.startsWith("io.occlusion4j")) {
                        continue; // a library that reflects (picocli)
                    }
                    ModuleDescriptor m = byName.get(target);
                    if (m == null) {
                        wrong.add(d.name() + ": " + t.getKey() + " to " + target + ": no such module of ours");
                    } else if (m.requires().stream().noneMatch(r -> r.name().equals(d.name()))) {
                        wrong.add(d.name() + ": " + t.getKey() + " to " + target + ", which does not require " + d.name());
                    }
                }
            });
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void theModulesBelowTheEngineExportNothingToEveryone() {
        for (String module : INTERNAL) {
            assertThat(built.get(module).unqualifiedExports()).as("%s's exports without 'to'", module).isEmpty();
        }
    }

    @Test
    void theCudaBackEndIsAServiceOnTheModulePathAndOnTheClassPath() throws Exception {
        ModuleDescriptor backend = built.get("cuda-backend").descriptor();
        // The back end itself, and check-model's checker: each provided on the module path as META-INF/services lists it.
        assertThat(backend.provides()).extracting(ModuleDescriptor.Provides::service)
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        for (ModuleDescriptor.Provides p : backend.provides()) {
            List<String> listed = Files.readAllLines(BuiltModules.classes("cuda-backend").resolve("META-INF/services/"
                    + p.service())).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            assertThat(p.providers()).as(p.service()).containsExactlyElementsOf(listed);
        }
        assertThat(built.get("engine").descriptor().uses()).containsAll(SERVICES);
    }
}
