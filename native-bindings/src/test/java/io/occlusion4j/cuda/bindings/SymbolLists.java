// Reads the committed symbol lists (shipped as resources) for the tests.
package io.occlusion4j.cuda.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parsed form of one {@code *_h.symbols} list and of {@code structs.symbols}. */
record SymbolLists(String header, List<Prototype> functions, Map<String, Integer> constants) {

    record Prototype(String returnType, String name, String parameters) { }

    record Struct(String name, String header, List<String> fields) { }

    private static final Pattern PROTOTYPE = Pattern.compile("^(.+?)\\s*\\b(\\w+)\\((.*)\\)$");
    private static final Pattern CONSTANT = Pattern.compile("^const int (\\w+) = (-?\\d+)$");

    static List<String> lines(String resource) {
        try (InputStream in = SymbolLists.class.getResourceAsStream("symbols/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource symbols/" + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SymbolLists of(String headerClass) {
        String header = null;
        List<Prototype> functions = new ArrayList<>();
        Map<String, Integer> constants = new LinkedHashMap<>();
        for (String line : lines(headerClass + ".symbols")) {
            Matcher c = CONSTANT.matcher(line);
            if (line.startsWith("header ")) {
                header = line.substring(7).strip();
            } else if (line.startsWith("library ")) {
                continue;
            } else if (c.matches()) {
                constants.put(c.group(1), Integer.parseInt(c.group(2)));
            } else {
                Matcher m = PROTOTYPE.matcher(line);
                if (!m.matches()) {
                    throw new IllegalStateException("unparsable line: " + line);
                }
                functions.add(new Prototype(m.group(1).strip(), m.group(2), m.group(3).strip()));
            }
        }
        return new SymbolLists(header, List.copyOf(functions), constants);
    }

    static List<Struct> structs() {
        List<Struct> structs = new ArrayList<>();
        String name = null;
        String header = null;
        List<String> fields = new ArrayList<>();
        for (String line : lines("structs.symbols")) {
            if (line.startsWith("struct ")) {
                if (name != null) {
                    structs.add(new Struct(name, header, List.copyOf(fields)));
                }
                String[] parts = line.split("\\s+");
                name = parts[1];
                header = parts[2];
                fields.clear();
            } else {
                fields.add(line.replaceAll("^.*?(\\w+)(\\[\\d+])?$", "$1"));
            }
        }
        if (name != null) {
            structs.add(new Struct(name, header, List.copyOf(fields)));
        }
        return structs;
    }
}
