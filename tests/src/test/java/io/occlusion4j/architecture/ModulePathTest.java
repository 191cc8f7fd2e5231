// The library on the module path: its descriptors resolve, the CUDA back end binds as a service, an explanation runs.
package io.occlusion4j.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests and the CLI run on the class path, where descriptors are ignored; this test puts the library on the module
 * path. Its roots are the engine and the server (what an application requires); the video module and the CLI are left
 * out because JavaCV's descriptor requires modules the video module excludes on purpose (javafx.graphics, opencv, ...),
 * so they cannot resolve on a module path without them. The modules come from each module's built classes folder, the
 * third-party ones from this test's class path.
 */
class ModulePathTest {
    private static final Set<String> ROOTS = Set.of("io.occlusion4j", "io.occlusion4j.server");
    /** The modules that call restricted methods (FFM, JNI). */
    private static final String NATIVE_ACCESS = "io.occlusion4j,io.occlusion4j.cuda,io.occlusion4j.kernels,"
            + "io.occlusion4j.backend.cuda,com.microsoft.onnxruntime";

    /** Resolution as the boot layer does it: the roots, what they require, and the providers of the services used. */
    private static Configuration resolve() throws Exception {
        List<Path> ours = new ArrayList<>();
        for (BuiltModules.Built b : BuiltModules.all().values()) {
            ours.add(b.classes());
        }
        List<Path> libraries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            if (!entry.endsWith(".jar") || p.startsWith(ModuleGraphTest.root)) {
                continue; // our own modules come from their classes folders
            }
            try {
                ModuleFinder.of(p).findAll();
                libraries.add(p);
            } catch (FindException e) {
                // a jar that is no valid module (none of the library's own dependencies is one)
            }
        }
        ModuleFinder finder = ModuleFinder.compose(ModuleFinder.of(ours.toArray(Path[]::new)),
                ModuleFinder.of(libraries.toArray(Path[]::new)));
        return ModuleLayer.boot().configuration().resolveAndBind(finder, ModuleFinder.of(), ROOTS);
    }

    @Test
    void theEngineAndServerResolveAndTheCudaBackEndBindsThroughProvides() throws Exception {
        Configuration cf = resolve();
        Set<String> names = new TreeSet<>();
        cf.modules().forEach(m -> names.add(m.name()));
        // nothing requires the CUDA back end: it is there because it provides the BackendProvider the engine uses
        assertThat(names).contains("io.occlusion4j", "io.occlusion4j.graph", "io.occlusion4j.server", "io.occlusion4j.backend.cuda",
                "io.occlusion4j.kernels", "io.occlusion4j.cuda", "com.microsoft.onnxruntime", "com.google.protobuf")
                .doesNotContain("io.occlusion4j.video", "io.occlusion4j.cli");
        ResolvedModule backend = cf.findModule("io.occlusion4j.backend.cuda").orElseThrow();
        assertThat(backend.reads()).extracting(ResolvedModule::name).contains("io.occlusion4j", "io.occlusion4j.kernels");
    }

    @Test
    void anExplanationAndARequestRunOnTheModulePath(@TempDir Path dir) throws Exception {
        Path model = Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {8, 8}, 4, 7).onnx());
        float[] data = new float[3 * 8 * 8];
        Random random = new Random(11);
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        Path npy = dir.resolve("x.npy");
        Npy.write(npy, Tensor.of(data, 3, 8, 8));

        Map<String, String> out = probe(dir, model, npy);
        assertThat(out.get("module")).as("the engine's classes come from its named module").isEqualTo("io.occlusion4j");
        // AUTO saw the CUDA provider (bound through 'provides'): it either runs or says why the machine cannot
        assertThat(out.get("backend")).matches("cuda .*|cpu \\(auto: CUDA unavailable: .*");
        String classPathGrid;
        try (Occlusion o = ModulePathProbe.explainer(model)) {
            classPathGrid = ModulePathProbe.base64(o.explain(Tensor.of(data, 3, 8, 8)).gridMaps());
        }
        if (out.get("backend").startsWith("cpu")) {
            assertThat(out.get("grid")).as("the same map as on the class path, bit for bit").isEqualTo(classPathGrid);
        }
        assertThat(out.get("healthz")).isEqualTo("200");
        assertThat(out.get("explain")).startsWith("200 ");
        JsonNode answer = new ObjectMapper().readTree(out.get("explain").substring(4));
        assertThat(answer.path("grid_maps").path("base64").asText()).as("the server's map").isEqualTo(out.get("grid"));
    }

    /** Runs {@link ModulePathProbe} in a JVM with the resolved modules on its module path; its output by line key. */
    private static Map<String, String> probe(Path dir, Path model, Path npy) throws Exception {
        List<String> modulePath = new ArrayList<>();
        for (ResolvedModule m : resolve().modules()) {
            modulePath.add(Path.of(m.reference().location().orElseThrow()).toString());
        }
        Path probeClasses = Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // an argument file: ONNX Runtime 1.29 crashes the JVM when the command line is very long
        Path args = Files.write(dir.resolve("java.args"), List.of(
                "--enable-native-access=" + NATIVE_ACCESS,
                "-Djava.awt.headless=true",
                "--module-path", quoted(String.join(File.pathSeparator, modulePath)),
                "--add-modules", String.join(",", ROOTS),
                "--class-path", quoted(probeClasses.toString()),
                ModulePathProbe.class.getName(), quoted(model.toString()), quoted(npy.toString())));
        Path log = dir.resolve("probe.log"); // the log lines (stderr) apart from the answers (stdout)
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "@" + args)
                .redirectError(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("the probe finished").isTrue();
        assertThat(p.exitValue()).as("the probe's exit code; its output:%n%s%n%s", text, Files.readString(log)).isZero();
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                out.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        assertThat(out).as("the probe's output:%n%s", text).containsKeys("module", "backend", "grid", "healthz", "explain");
        return out;
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\") + "\"";
    }
}
