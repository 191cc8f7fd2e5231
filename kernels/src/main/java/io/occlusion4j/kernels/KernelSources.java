// Reads the CUDA sources packaged in the jar and resolves their local includes for NVRTC.
package io.occlusion4j.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel sources as one NVRTC program: every {@code .cu} with its {@code #include "..."} lines
 * replaced by the included file (each file once), so NVRTC needs no include path and no header list.
 */
public final class KernelSources {
    /** The .cu files, in the order they are joined. */
    public static final List<String> UNITS = List.of("fill_prep.cu", "variant_writer.cu", "scores.cu", "pixel_map.cu",
            "device_copy.cu");

    /** The inference plan's kernels, a program of their own ({@link PlanKernels}). */
    public static final List<String> PLAN_UNITS = List.of("plan_ops.cu", "incremental_ops.cu");

    private static final String ROOT = "/io/occlusion4j/kernels/cuda/";
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#include \"([^\"]+)\"\\s*$");

    private KernelSources() {}

    /** One source text holding every kernel. */
    public static String program() {
        return program(UNITS);
    }

    /** One source text holding the kernels of {@code units} (and what they include, once). */
    public static String program(List<String> units) {
        StringBuilder out = new StringBuilder();
        Set<String> seen = new HashSet<>();
        for (String unit : units) {
            out.append(resolve(unit, seen)).append('\n');
        }
        return out.toString();
    }

    /** The raw text of one packaged source file. */
    public static String read(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + name + " is not on the class path under " + ROOT);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + name, e);
        }
    }

    private static String resolve(String name, Set<String> seen) {
        if (!seen.add(name)) {
            return "";
        }
        String text = read(name);
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            // host_compat.h sits behind #if !defined(__CUDACC__) and never reaches NVRTC, so it is dropped.
            String included = m.group(1).equals("host_compat.h") ? "" : resolve(m.group(1), seen);
            m.appendReplacement(out, Matcher.quoteReplacement("// ---- " + m.group(1) + "\n" + included));
        }
        m.appendTail(out);
        return out.toString();
    }
}
