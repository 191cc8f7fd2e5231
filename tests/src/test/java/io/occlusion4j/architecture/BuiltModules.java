// Our Java modules as the reactor built them: each Maven module's compiled descriptor and the classes beside it.
package io.occlusion4j.architecture;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads {@code <module>/target/classes}: the tests module runs after every library module in the reactor, so their
 * classes and descriptors are there (tests load the classes themselves from the class path, which holds the same
 * build). A descriptor is read with every package of the folder, so {@link ModuleDescriptor#packages()} is complete.
 */
final class BuiltModules {
    private BuiltModules() {}

    /** A Maven module whose main code has a {@code module-info.java}. */
    record Built(String mavenModule, Path classes, ModuleDescriptor descriptor) {
        String name() {
            return descriptor.name();
        }

        /** The packages every module can use (exports without {@code to}). */
        Set<String> unqualifiedExports() {
            Set<String> out = new TreeSet<>();
            for (ModuleDescriptor.Exports e : descriptor.exports()) {
                if (!e.isQualified()) {
                    out.add(e.source());
                }
            }
            return out;
        }

        /** The binary names of the classes of {@code pkg} (nested ones included). */
        List<String> classNames(String pkg) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length())).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The module's main classes folder. */
    static Path classes(String mavenModule) {
        return ModuleGraphTest.root.resolve(mavenModule).resolve("target/classes");
    }

    /** Whether the module's main code declares a descriptor. */
    static boolean declaresDescriptor(String mavenModule) {
        return Files.isRegularFile(ModuleGraphTest.root.resolve(mavenModule).resolve("src/main/java/module-info.java"));
    }

    /** The built descriptor of a Maven module, empty when its main code declares none. */
    static Optional<Built> read(String mavenModule) {
        if (!declaresDescriptor(mavenModule)) {
            return Optional.empty();
        }
        Path classes = classes(mavenModule);
        Path info = classes.resolve("module-info.class");
        if (!Files.isRegularFile(info)) {
            throw new IllegalStateException(info + " is missing: build " + mavenModule + " first (mvn install)");
        }
        try (InputStream in = Files.newInputStream(info)) {
            return Optional.of(new Built(mavenModule, classes, ModuleDescriptor.read(in, () -> packages(classes))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every reactor module with a descriptor, by Maven module name, in reactor order. */
    static Map<String, Built> all() throws Exception {
        Map<String, Built> out = new LinkedHashMap<>();
        for (String module : ModuleGraphTest.reactorModules()) {
            read(module).ifPresent(b -> out.put(module, b));
        }
        return out;
    }

    /** The packages of the class files under {@code classes}. */
    private static Set<String> packages(Path classes) {
        try (Stream<Path> files = Files.walk(classes)) {
            Set<String> out = new TreeSet<>();
            files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().equals("module-info.class"))
                    .forEach(f -> out.add(classes.relativize(f.getParent()).toString().replace('/', '.')));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
