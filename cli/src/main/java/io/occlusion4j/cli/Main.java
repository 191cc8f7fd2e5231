// The occlusion4j command: its subcommands, its exit codes, and how errors are shown.
package io.occlusion4j.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import io.occlusion4j.InvalidOptionException;
import io.occlusion4j.OcclusionException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of {@code occlusion4j}. Exit codes: 0 done; 1 the run failed (a model, image or NPY that
 * cannot be read or does not fit, an output that cannot be written, NaN in the model output); 2 usage (an
 * unknown or malformed flag, or settings the input cannot take, such as a window larger than the input).
 * Errors are one line on stderr; {@code --verbose} adds the stack trace.
 */
@Command(name = "occlusion4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Occlusion-sensitivity maps for ONNX models.",
        subcommands = {ExplainCommand.class, BatchCommand.class, EvaluateCommand.class, ServeCommand.class, DemoCommand.class, DoctorCommand.class, CheckModelCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 done, 1 runtime error (unreadable or mismatched files, model failures),",
                "2 usage error (bad flags, or settings the input cannot take)."})
public final class Main implements Runnable {
    public static final int EXIT_RUNTIME = Messages.EXIT_RUNTIME;
    public static final int EXIT_USAGE = Messages.EXIT_USAGE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: explain, batch, evaluate, serve, demo, doctor or check-model");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(args, out, err, Terminal.stderrIsTerminal());
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command with the given streams (what tests call); returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, false);
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err, boolean interactive) {
        quietLibraries();
        CommandLine cl = commandLine(out, err, interactive);
        return cl.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean interactive) {
        CommandLine cl = new CommandLine(new Main(), new Factory(interactive));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            err.println("occlusion4j: " + Messages.oneLine(ex.getMessage()) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            if (verbose(c.getParseResult())) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            int code;
            String message;
            if (ex instanceof InvalidOptionException o) {
                code = EXIT_USAGE;
                message = Messages.flagMessage(o);
            } else if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
                code = EXIT_USAGE;
                message = ex.getMessage();
            } else if (ex instanceof OcclusionException || ex instanceof IOException || ex instanceof UncheckedIOException) {
                code = EXIT_RUNTIME;
                message = ex.getMessage();
            } else {
                code = EXIT_RUNTIME;
                message = "internal error: " + ex;
            }
            err.println("occlusion4j: " + Messages.oneLine(message));
            if (verbose(parseResult)) {
                ex.printStackTrace(err);
            }
            err.flush();
            return code;
        });
        return cl;
    }

    private static boolean verbose(ParseResult result) {
        for (ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The engine logs one INFO line per run; the CLI prints its own summary, so that line shows only with --verbose. */
    static void quietLibraries() {
        Logger.getLogger("io.occlusion4j").setLevel(Level.WARNING);
        try {
            // The first call fixes the level of ONNX Runtime's process-wide environment: its warnings about
            // a model's unused initializers are noise for a CLI user.
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        } catch (RuntimeException | LinkageError e) {
            // the CPU back end reports its own failure when it is used
        }
    }

    /** Hands the terminal flag to the commands that draw a progress bar. */
    private record Factory(boolean interactive) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == ExplainCommand.class) {
                return cls.cast(new ExplainCommand(interactive));
            }
            if (cls == DemoCommand.class) {
                return cls.cast(new DemoCommand(interactive));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"occlusion4j " + (v == null ? "(development build)" : v)};
        }
    }
}
