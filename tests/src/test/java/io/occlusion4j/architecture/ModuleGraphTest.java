// docs/ARCHITECTURE.md's module table against the poms and the imports of every module.
package io.occlusion4j.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The module table of {@code docs/ARCHITECTURE.md} is the rule of who may import whom. This test holds
 * the tree to it: every Maven module has a row; each pom's occlusion4j dependencies are exactly the row's
 * (compile and runtime scope: "main may use"; test scope: "tests may also use"); each module's main
 * sources import only packages of its own and of its "main may use" modules, its tests only those plus
 * "tests may also use"; and each package of the code is listed in exactly one row.
 */
class ModuleGraphTest {
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?(io\\.occlusion4j(?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package (io\\.occlusion4j[\\w.]*);");

    private record Row(String module, Set<String> packages, Set<String> main, Set<String> tests) {}

    /** The repository: the tests run in the tests module's folder. */
    static final Path root = Path.of("").toAbsolutePath().getParent();
    private static Map<String, Row> rows;

    @BeforeAll
    static void read() throws IOException {
        rows = table(Files.readString(root.resolve("docs/ARCHITECTURE.md")));
    }

    /** The rows between the module-graph marker and the end of its table. */
    static Map<String, Row> table(String page) {
        int at = page.indexOf("<!-- module-graph");
        assertThat(at).as("docs/ARCHITECTURE.md has the module-graph table").isNotNegative();
        Map<String, Row> out = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : page.substring(at).split("\n")) {
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            String[] cells = line.split("\\|", -1);
            String module = cells[1].trim();
            if (module.equals("module") || module.startsWith("---")) {
                continue;
            }
            out.put(module, new Row(module, set(cells[2]), set(cells[3]), set(cells[4])));
        }
        return out;
    }

    private static Set<String> set(String cell) {
        Set<String> s = new TreeSet<>();
        for (String v : cell.split(",")) {
            if (!v.isBlank()) {
                s.add(v.trim());
            }
        }
        return s;
    }

    static List<String> reactorModules() throws Exception {
        Document pom = parse(root.resolve("pom.xml"));
        List<String> modules = new ArrayList<>();
        NodeList list = pom.getElementsByTagName("module");
        for (int i = 0; i < list.getLength(); i++) {
            modules.add(list.item(i).getTextContent().trim());
        }
        return modules;
    }

    private static Document parse(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    /** A module's dependencies on our modules by scope (a test-jar of a module it also uses in main code counts once). */
    record PomDependencies(Set<String> compile, Set<String> runtime, Set<String> test) {
        /** What main code may use: compile and runtime scope. */
        Set<String> main() {
            Set<String> out = new TreeSet<>(compile);
            out.addAll(runtime);
            return out;
        }
    }

    static PomDependencies pomDependencies(String module) throws Exception {
        Document pom = parse(root.resolve(module).resolve("pom.xml"));
        Set<String> compile = new TreeSet<>();
        Set<String> runtime = new TreeSet<>();
        Set<String> tests = new TreeSet<>();
        Element deps = null;
        NodeList children = pom.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals("dependencies")) {
                deps = e;
            }
        }
        if (deps == null) {
            return new PomDependencies(compile, runtime, tests);
        }
        NodeList list = deps.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            if (!text(d, "groupId").equals("io.occlusion4j")) {
                continue;
            }
            String name = text(d, "artifactId").replaceFirst("^occlusion4j-", "");
            switch (text(d, "scope")) {
                case "test" -> tests.add(name);
                case "runtime" -> runtime.add(name);
                default -> compile.add(name);
            }
        }
        tests.removeAll(compile);
        tests.removeAll(runtime);
        return new PomDependencies(compile, runtime, tests);
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }

    /** package -> module, from the table. */
    private static Map<String, String> owners() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Row r : rows.values()) {
            for (String p : r.packages()) {
                String previous = out.put(p, r.module());
                assertThat(previous).as("package %s is listed for %s and %s", p, previous, r.module()).isNull();
            }
        }
        return out;
    }

    private static Map<Path, String> sources(String module, String set) {
        Path dir = root.resolve(module).resolve("src").resolve(set).resolve("java");
        Map<Path, String> out = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            // module-info.java has no package; ModuleDescriptorsTest holds the descriptors to the poms
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("module-info.java")).toList()) {
                out.put(f, Files.readString(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void everyReactorModuleHasExactlyOneRow() throws Exception {
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(reactorModules());
    }

    @Test
    void eachPomDependsOnExactlyTheModulesItsRowNames() throws Exception {
        for (String module : reactorModules()) {
            Row row = rows.get(module);
            PomDependencies deps = pomDependencies(module);
            assertThat(deps.main()).as("%s/pom.xml: compile and runtime dependencies on our modules", module)
                    .containsExactlyInAnyOrderElementsOf(row.main());
            assertThat(deps.test()).as("%s/pom.xml: test-scope dependencies on our modules", module)
                    .containsExactlyInAnyOrderElementsOf(row.tests());
        }
    }

    @Test
    void everyPackageOfTheCodeIsInItsModulesRow() throws Exception {
        Map<String, String> owners = owners();
        for (String module : reactorModules()) {
            for (Map.Entry<Path, String> f : sources(module, "main").entrySet()) {
                Matcher m = PACKAGE.matcher(f.getValue());
                assertThat(m.find()).as("%s has a package line", f.getKey()).isTrue();
                assertThat(owners.get(m.group(1))).as("%s: package %s", root.relativize(f.getKey()), m.group(1)).isEqualTo(module);
            }
        }
    }

    @Test
    void importsStayWithinTheModulesARowAllows() throws Exception {
        Map<String, String> owners = owners();
        Set<String> violations = new TreeSet<>();
        for (String module : reactorModules()) {
            Row row = rows.get(module);
            Set<String> mainAllowed = new TreeSet<>(row.main());
            mainAllowed.add(module);
            Set<String> testAllowed = new TreeSet<>(mainAllowed);
            testAllowed.addAll(row.tests());
            for (String set : List.of("main", "test")) {
                Set<String> allowed = set.equals("main") ? mainAllowed : testAllowed;
                for (Map.Entry<Path, String> f : sources(module, set).entrySet()) {
                    Matcher m = IMPORT.matcher(f.getValue());
                    while (m.find()) {
                        String owner = owners.get(m.group(1));
                        if (owner == null && set.equals("test")) {
                            continue; // a test-only package (another module's test jar), checked by the pom rule
                        }
                        if (owner == null || !allowed.contains(owner)) {
                            violations.add(root.relativize(f.getKey()) + " imports " + m.group(1) + " ("
                                    + (owner == null ? "no module's package" : "module " + owner) + ")");
                        }
                    }
                }
            }
        }
        assertThat(violations).as("imports the table does not allow").isEmpty();
    }

    @Test
    void theTableReaderSeesARealTable() {
        Map<String, Row> t = table("x\n<!-- module-graph -->\n\n| module | packages | main may use | tests may also use |\n"
                + "|---|---|---|---|\n| a | p.a | | |\n| b | p.b, p.c | a | x, y |\n\nafter | not a row |\n");
        assertThat(t).containsOnlyKeys("a", "b");
        assertThat(t.get("b").packages()).containsExactly("p.b", "p.c");
        assertThat(t.get("b").main()).containsExactly("a");
        assertThat(t.get("b").tests()).containsExactly("x", "y");
        assertThat(rows).hasSizeGreaterThanOrEqualTo(9);
    }
}
