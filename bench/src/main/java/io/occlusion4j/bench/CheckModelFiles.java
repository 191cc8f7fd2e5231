// check-model on ONNX files given by path (the torchvision exports on the GPU machine), one JSON document for all.
package io.occlusion4j.bench;

import io.occlusion4j.core.ModelCheck;
import io.occlusion4j.core.ModelChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code CheckModelFiles --device host|gpu --json OUT.json [--batch B] FILE.onnx...}: the CUDA back end's
 * {@link ModelChecker} (found by the service loader, as {@code occlusion4j check-model} finds it) on each file, what
 * {@code occlusion4j check-model FILE --device gpu --json} reports without the CLI (which is not staged for the GPU
 * machine): supported, the fp32 run against ONNX Runtime, the fp16 storage against the simulated fp16 reference, the
 * unsupported nodes and the notes. One line per model on standard output, every model in the JSON file. Exit status 0
 * when every model passed, 1 when one did not or failed, 2 for bad arguments.
 */
public final class CheckModelFiles {

    private CheckModelFiles() {
    }

    public static void main(String[] args) throws IOException {
        String device = "gpu";
        Path json = null;
        int batch = 1;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && i + 1 >= args.length) {
                usage(a + " needs a value");
            }
            switch (a) {
                case "--device" -> device = args[++i];
                case "--json" -> json = Path.of(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> {
                    if (a.startsWith("--")) {
                        usage("unknown option " + a);
                    }
                    files.add(Path.of(a));
                }
            }
        }
        if (json == null || files.isEmpty() || !(device.equals("host") || device.equals("gpu"))) {
            usage("--json and at least one model file are required, --device is host or gpu");
        }
        ModelChecker checker = ModelChecker.discover().stream().filter(c -> c.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the CUDA back end is not on the class path"));
        StringBuilder b = new StringBuilder("{\"device\": \"").append(device).append("\", \"models\": [");
        boolean allPassed = true;
        for (int k = 0; k < files.size(); k++) {
            Path f = files.get(k);
            long t0 = System.nanoTime();
            String entry;
            try {
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("no model file " + f);
                }
                ModelCheck c = checker.check(f, new ModelChecker.Request(batch, 0, 0, 7, device));
                double s = (System.nanoTime() - t0) / 1e9;
                allPassed &= c.passed();
                System.out.printf(Locale.ROOT, "[check-model %s] %s: %s on %s, %d steps, fp32 %s, fp16 %s, %.1f s; notes %s%n", device,
                        f.getFileName(), c.passed() ? "PASS" : "FAIL", c.device(), c.steps(), c.fp32(), c.fp16(), s, c.notes());
                entry = entry(f, c, s);
            } catch (RuntimeException e) {
                allPassed = false;
                System.out.println("[check-model " + device + "] " + f.getFileName() + ": error " + e);
                entry = "{\"file\": \"" + IncrementalRuns.esc(f.toString()) + "\", \"error\": \"" + IncrementalRuns.esc(e.toString())
                        + "\"}";
            }
            b.append(k == 0 ? "\n  " : ",\n  ").append(entry);
        }
        Files.writeString(json, b.append("\n]}\n").toString());
        System.exit(allPassed ? 0 : 1);
    }

    private static void usage(String why) {
        System.err.println("CheckModelFiles: " + why
                + "\nusage: CheckModelFiles --device host|gpu --json OUT.json [--batch B (1)] FILE.onnx...");
        System.exit(2);
    }

    private static String entry(Path f, ModelCheck c, double seconds) {
        StringBuilder b = new StringBuilder("{\"file\": \"").append(IncrementalRuns.esc(f.toString()))
                .append("\", \"device\": \"").append(IncrementalRuns.esc(c.device())).append("\", \"passed\": ").append(c.passed())
                .append(", \"supported\": ").append(c.supported()).append(", \"nodes\": ").append(c.nodes())
                .append(", \"steps\": ").append(c.steps()).append(", \"seconds\": ").append(IncrementalRuns.num(seconds));
        if (c.fp32() != null) {
            var p = c.fp32();
            b.append(", \"fp32\": {\"max_difference\": ").append(IncrementalRuns.num(p.maxDifference()))
                    .append(", \"of_range\": ").append(IncrementalRuns.num(p.relative())).append(", \"passed\": ").append(p.passed())
                    .append(", \"ms\": ").append(IncrementalRuns.num(p.hostMillis())).append(", \"storage\": \"")
                    .append(IncrementalRuns.esc(p.storage())).append("\"}");
        }
        if (c.fp16() != null) {
            var h = c.fp16();
            b.append(", \"fp16\": {\"max_difference\": ").append(IncrementalRuns.num(h.maxDifference()))
                    .append(", \"simulated_difference\": ").append(IncrementalRuns.num(h.simulatedDifference()))
                    .append(", \"top1_changed\": ").append(h.top1Changed()).append(", \"samples\": ").append(h.samples())
                    .append(", \"passed\": ").append(h.passed()).append(", \"ms\": ").append(IncrementalRuns.num(h.hostMillis()))
                    .append(", \"storage\": \"").append(IncrementalRuns.esc(h.storage())).append("\"}");
        }
        b.append(", \"unsupported\": [");
        for (int i = 0; i < c.unsupported().size(); i++) {
            var u = c.unsupported().get(i);
            b.append(i == 0 ? "" : ", ").append("{\"node\": \"").append(IncrementalRuns.esc(u.node())).append("\", \"operator\": \"")
                    .append(IncrementalRuns.esc(u.operator())).append("\", \"reason\": \"").append(IncrementalRuns.esc(u.reason()))
                    .append("\"}");
        }
        b.append("], \"notes\": [");
        for (int i = 0; i < c.notes().size(); i++) {
            b.append(i == 0 ? "\"" : ", \"").append(IncrementalRuns.esc(c.notes().get(i))).append('"');
        }
        return b.append("]}").toString();
    }
}
