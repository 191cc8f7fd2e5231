// Reads Java sources as text for the source rules: comments and literals blanked, methods found by their braces,
// and the file-level dependency graph of imports and same-package references with its cycles.
package io.occlusion4j.architecture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Plain-text readings of Java source files: no parser, only what the source rules need. */
final class JavaSources {
    private JavaSources() {
    }

    /** One method or constructor body: its name and first and last line (1-based, inclusive). */
    record Method(String name, int firstLine, int lastLine) {
        int lines() {
            return lastLine - firstLine + 1;
        }
    }

    /**
     * The source with every comment, string, text block and character literal replaced by spaces (line breaks
     * kept, so line numbers stay).
     */
    static String blank(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i < n && src.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                spaces(src, i, end, out);
                i = end;
            } else if (c == '"' && src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                while (end > 0 && src.charAt(end - 1) == '\\') {
                    end = src.indexOf("\"\"\"", end + 1);
                }
                end = end < 0 ? n : end + 3;
                out.append('"');
                spaces(src, i + 1, end - 1, out);
                out.append('"');
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 1);
                out.append(c);
                spaces(src, i + 1, end - 1, out);
                out.append(c);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void spaces(String src, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(src.charAt(k) == '\n' ? '\n' : ' ');
        }
    }

    private static final Pattern HEADER = Pattern.compile("([A-Za-z_$][\\w$]*)\\s*\\(([^()]|\\([^()]*\\))*\\)"
            + "\\s*(throws\\s+[\\w$.<>,\\s]+)?\\s*$");
    private static final Set<String> NOT_METHODS = Set.of("if", "for", "while", "switch", "catch", "synchronized",
            "try", "do", "else", "return", "new", "throw", "case", "yield");

    /**
     * Every method and constructor declared in {@code src}, found by braces: a {@code {} whose preceding text
     * (since the last {@code ;}, {@code {} or {@code }}) ends in {@code name(...)} or {@code name(...) throws ...}
     * and is not a statement ({@code if (...)}, {@code for (...)}, ...), an anonymous class ({@code new X(...)}) or a
     * lambda.
     */
    static List<Method> methods(String src) {
        String code = blank(src);
        List<Method> found = new ArrayList<>();
        List<int[]> open = new ArrayList<>(); // per open brace: method index in found or -1
        int segmentStart = 0;
        int line = 1;
        int[] lineOf = new int[code.length() + 1];
        for (int i = 0; i < code.length(); i++) {
            lineOf[i] = line;
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '{') {
                String before = code.substring(segmentStart, i);
                Matcher m = HEADER.matcher(before);
                int index = -1;
                if (m.find() && !NOT_METHODS.contains(m.group(1)) && !before.contains("->")
                        && !precededByNew(before, m.start(1)) && !precededBy(before, m.start(1), "record")) {
                    found.add(new Method(m.group(1), lineOf[segmentStart + m.start(1)], -1));
                    index = found.size() - 1;
                }
                open.add(new int[] {index});
                segmentStart = i + 1;
            } else if (c == '}') {
                if (!open.isEmpty()) {
                    int index = open.remove(open.size() - 1)[0];
                    if (index >= 0) {
                        Method m = found.get(index);
                        found.set(index, new Method(m.name(), m.firstLine(), lineOf[i]));
                    }
                }
                segmentStart = i + 1;
            } else if (c == ';') {
                segmentStart = i + 1;
            }
        }
        found.removeIf(m -> m.lastLine() < 0);
        return found;
    }

    private static boolean precededBy(String before, int nameStart, String keyword) {
        String head = before.substring(0, nameStart).stripTrailing();
        return head.endsWith(keyword) && (head.length() == keyword.length()
                || !Character.isJavaIdentifierPart(head.charAt(head.length() - keyword.length() - 1)));
    }

    private static boolean precededByNew(String before, int nameStart) {
        // new Foo(...) {, new a.b.Foo(...) {
        String head = before.substring(0, nameStart).replaceAll("([\\w$]+\\s*\\.\\s*)+$", "");
        return precededBy(head, head.length(), "new");
    }

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?([\\w.]+)(\\.\\*)?\\s*;");
    /** A sealed type's {@code permits} list: the language's way to close a hierarchy, not a use of the subtypes. */
    private static final Pattern PERMITS = Pattern.compile("\\bpermits\\s+[\\w$.,<>\\s]+?(?=\\{)");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");

    /** A source file as the dependency graph sees it: its package, top-level type (the file name) and text. */
    record Unit(String path, String pkg, String type, String src) {
        String qualified() {
            return pkg + "." + type;
        }
    }

    /** The package a source declares ("" for none). */
    static String packageOf(String src) {
        Matcher m = PACKAGE.matcher(blank(src));
        return m.find() ? m.group(1) : "";
    }

    /**
     * The file-level dependency graph: for each unit (by qualified type), the units it names: through an import
     * (single type, a nested type of it, a static member of it, or a whole package with {@code .*}), a fully
     * qualified name in the code, or a simple name of another unit of its own package. Comments and literals do not
     * count, nor a sealed type's {@code permits} list (the subtypes depend on their parent; listing them closes the
     * hierarchy, it does not use them).
     */
    static Map<String, Set<String>> dependencies(List<Unit> units) {
        Map<String, Unit> byName = new LinkedHashMap<>();
        Map<String, Map<String, String>> byPackage = new HashMap<>();
        for (Unit u : units) {
            byName.put(u.qualified(), u);
            byPackage.computeIfAbsent(u.pkg(), k -> new HashMap<>()).put(u.type(), u.qualified());
        }
        Map<String, Set<String>> deps = new LinkedHashMap<>();
        for (Unit u : units) {
            String code = blank(u.src());
            Set<String> out = new TreeSet<>();
            Map<String, String> visible = new HashMap<>(byPackage.getOrDefault(u.pkg(), Map.of()));
            Matcher im = IMPORT.matcher(code);
            while (im.find()) {
                String name = im.group(2);
                if (im.group(3) != null) {
                    Map<String, String> pkg = byPackage.get(name);
                    if (pkg != null) {
                        visible.putAll(pkg);
                    } else {
                        addUnitPrefix(name, byName, out);
                    }
                    continue;
                }
                addUnitPrefix(name, byName, out);
            }
            String body = PERMITS.matcher(PACKAGE.matcher(IMPORT.matcher(code).replaceAll("")).replaceAll(""))
                    .replaceAll("");
            Matcher id = IDENT.matcher(body);
            while (id.find()) {
                String token = id.group();
                if (token.contains(".") && addUnitPrefix(token, byName, out)) {
                    continue;
                }
                String first = token.split("\\.", 2)[0];
                String q = visible.get(first);
                if (q != null) {
                    out.add(q);
                }
            }
            out.remove(u.qualified());
            deps.put(u.qualified(), out);
        }
        return deps;
    }

    /** Adds the longest prefix of a dotted name that is a unit; true when one was found. */
    private static boolean addUnitPrefix(String dotted, Map<String, Unit> byName, Set<String> out) {
        String name = dotted;
        while (true) {
            if (byName.containsKey(name)) {
                out.add(name);
                return true;
            }
            int dot = name.lastIndexOf('.');
            if (dot < 0) {
                return false;
            }
            name = name.substring(0, dot);
        }
    }

    /** The strongly connected components of more than one unit (Tarjan), each sorted. */
    static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> onStack = new LinkedHashSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                      Map<String, Integer> low, List<String> stack, Set<String> onStack,
                                      List<Set<String>> out, int[] counter) {
        // Iterative Tarjan: each frame is a vertex and an iterator over its successors.
        record Frame(String v, java.util.Iterator<String> next) {
        }
        List<Frame> frames = new ArrayList<>();
        visit(v, graph, index, low, stack, onStack, counter, frames, Frame::new);
        while (!frames.isEmpty()) {
            Frame f = frames.get(frames.size() - 1);
            if (f.next().hasNext()) {
                String w = f.next().next();
                if (!graph.containsKey(w)) {
                    continue;
                }
                if (!index.containsKey(w)) {
                    visit(w, graph, index, low, stack, onStack, counter, frames, Frame::new);
                } else if (onStack.contains(w)) {
                    low.put(f.v(), Math.min(low.get(f.v()), index.get(w)));
                }
                continue;
            }
            frames.remove(frames.size() - 1);
            if (!frames.isEmpty()) {
                String parent = frames.get(frames.size() - 1).v();
                low.put(parent, Math.min(low.get(parent), low.get(f.v())));
            }
            if (low.get(f.v()).equals(index.get(f.v()))) {
                Set<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.remove(stack.size() - 1);
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(f.v()));
                if (component.size() > 1) {
                    out.add(component);
                }
            }
        }
    }

    private static <F> void visit(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                  Map<String, Integer> low, List<String> stack, Set<String> onStack, int[] counter,
                                  List<F> frames, java.util.function.BiFunction<String, java.util.Iterator<String>, F> frame) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.add(v);
        onStack.add(v);
        frames.add(frame.apply(v, graph.get(v).iterator()));
    }
}
