// occlusion4j check-model: whether a model runs on the CUDA back end, answered without a GPU.
package io.occlusion4j.cli;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.ModelCheck;
import io.occlusion4j.core.ModelChecker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Asks the CUDA back end, through the engine's {@link ModelChecker} SPI (the CLI compiles against none of the back
 * end), whether it runs a model: the operator census, what the plan's rewrites fold and fuse, every node it cannot run
 * with the reason, and the lowered plan run on the host device against ONNX Runtime in fp32 storage (within 1e-4 of
 * the output's range) and in fp16 storage (within 2x the error of the model run in simulated fp16, top-1 unchanged).
 * Exit code 0 when the model is fully supported and both runs are within tolerance, 1 otherwise (and on a model that
 * cannot be read), 2 on bad arguments.
 */
@Command(name = "check-model", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Checks whether a model runs on the CUDA back end, without a GPU: operator census, plan rewrites",
                "and fusions, every unsupported node with its reason, and the lowered plan run on the host against",
                "ONNX Runtime in fp32 and in fp16 storage."},
        footer = {"", "Exit codes: 0 fully supported and within tolerance; 1 an unsupported node, a difference out of",
                "tolerance, or a model that cannot be read; 2 bad arguments."})
final class CheckModelCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "the ONNX model")
    Path model;

    @Option(names = "--size", paramLabel = "HxW",
            description = "input height and width where the model leaves them open (e.g. 224x224)")
    String size;

    @Option(names = "--batch", paramLabel = "B", description = "samples per run (default: the model's fixed batch, else 1)")
    Integer batch;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "N", description = "seed of the random input (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "host", paramLabel = "host|gpu",
            description = "where the lowered plan runs: host (the CUDA back end's operations on the CPU, no GPU needed; "
                    + "default) or gpu (the same report measured on this machine's GPU)")
    String device;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "show stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() {
        int[] hw = size == null ? new int[] {0, 0} : parseSize(size);
        if (batch != null && batch < 1) {
            throw usage("invalid value for --batch '" + batch + "': must be at least 1");
        }
        if (!device.equals("host") && !device.equals("gpu")) {
            throw usage("invalid value for --device '" + device + "': expected host or gpu");
        }
        ModelChecker.Request request = new ModelChecker.Request(batch == null ? 0 : batch, hw[0], hw[1], seed, device);
        ModelChecker checker = checker();
        ModelCheck report = checker.check(model, request);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CheckModelReport.json(report));
        } else {
            CheckModelReport.text(report, out);
        }
        out.flush();
        return report.passed() ? 0 : 1;
    }

    /** A usage error (exit code 2, the command's help named), as picocli reports a malformed flag. */
    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** {@code HxW} as two positive numbers; anything else is a usage error naming the flag. */
    int[] parseSize(String s) {
        String[] parts = s.strip().toLowerCase(java.util.Locale.ROOT).split("x", -1);
        try {
            if (parts.length == 2) {
                int h = Integer.parseInt(parts[0].strip());
                int w = Integer.parseInt(parts[1].strip());
                if (h > 0 && w > 0) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw usage("invalid value for --size '" + s + "': expected HEIGHTxWIDTH with two positive numbers, e.g. 224x224");
    }

    private static ModelChecker checker() {
        List<ModelChecker> all = ModelChecker.discover();
        return all.stream().filter(c -> c.name().equals("cuda")).findFirst().orElseThrow(() -> new OcclusionException(
                "the CUDA back end (occlusion4j-cuda-backend) is not on the class path: nothing to check the model against"));
    }
}
