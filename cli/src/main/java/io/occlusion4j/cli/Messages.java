// How the CLI words errors: one line each, options in the flags' spelling; the exit codes.
package io.occlusion4j.cli;

import io.occlusion4j.InvalidOptionException;

/** The commands' shared wording of errors and their exit codes (a leaf: it knows no command). */
final class Messages {
    static final int EXIT_RUNTIME = 1;
    static final int EXIT_USAGE = 2;

    private Messages() {
    }

    /** The first line of {@code s}, stripped ("(no message)" for none). */
    static String oneLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    /** An option error in the flag's own spelling: the vocabulary's option names are the flags' names without the dashes. */
    static String flagMessage(InvalidOptionException e) {
        return e.value() == null ? "--" + e.option() + " " + e.problem()
                : "invalid value for --" + e.option() + " '" + e.value() + "': " + e.problem();
    }
}
