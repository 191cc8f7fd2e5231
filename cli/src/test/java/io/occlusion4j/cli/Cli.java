package io.occlusion4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/** Runs the command in-process with captured streams; finds the committed demo assets on the class path. */
final class Cli {
    private Cli() {}

    record Result(int code, String out, String err) {
        /** The stderr lines, without blank ones. */
        String[] errLines() {
            return err.strip().isEmpty() ? new String[0] : err.strip().split("\\R");
        }
    }

    static Result run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            a[i] = String.valueOf(args[i]);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(a, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** A committed asset (the repository's assets/ folder, packaged under io/occlusion4j/demo/). */
    static Path asset(String name) {
        try {
            return Path.of(Objects.requireNonNull(Cli.class.getResource(DemoCommand.RESOURCES + name), name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
