// Whether stderr is a terminal, so progress can be a redrawn bar instead of one line per 10 %.
package io.occlusion4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

final class Terminal {
    private Terminal() {}

    /**
     * True when file descriptor 2 is a terminal. On Linux /proc says so exactly; elsewhere the JDK's
     * console check (which looks at stdin and stdout) is the best available guess.
     */
    static boolean stderrIsTerminal() {
        Path fd2 = Path.of("/proc/self/fd/2");
        if (Files.exists(Path.of("/proc/self/fd"))) {
            try {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}
