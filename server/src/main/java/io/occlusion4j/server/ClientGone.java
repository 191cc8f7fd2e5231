package io.occlusion4j.server;

import java.io.IOException;

/**
 * The client closed its connection before its answer was written: not a server error (no 500, no error log), counted
 * as a client abort. Thrown after the exchange was closed, which is what makes the JDK server close the connection.
 */
final class ClientGone extends RuntimeException {
    ClientGone(IOException cause) {
        super("the client went away before the answer was written: " + cause.getMessage(), cause, false, false);
    }
}
