package io.occlusion4j.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the JDK's HTTP server decides on its own, around our handler: its request and response time limits
 * (system properties it reads once, when its classes load, so they are set here before the first server is
 * made), and the requests it answers or closes without calling a handler (a malformed request line, an illegal
 * header, conflicting lengths, headers over its size limit, a request or response past its time limit). The latter
 * reach us only through its log ({@code com.sun.net.httpserver}, debug and trace), which is read here to count them.
 */
final class JdkHttpServer {
    static final String MAX_REQ_TIME = "sun.net.httpserver.maxReqTime";
    static final String MAX_RSP_TIME = "sun.net.httpserver.maxRspTime";
    private static final Pattern REPLY = Pattern.compile("\\[(\\d{3}) [^\\]]*\\] \\(");
    private static final Pattern LOCAL_PORT = Pattern.compile("local=[^ \\]]*:(\\d+)");
    private static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();
    /** Held so the level set on it stays. */
    private static final Logger JDK_LOG = Logger.getLogger("com.sun.net.httpserver");
    private static boolean hooked;

    /** Told of what the JDK server did without a handler. */
    interface Listener {
        /** The JDK answered {@code status} itself (a malformed request) and closed the connection. */
        void rejected(int status);

        /** The JDK closed a connection on {@code localPort}: "request_timeout", "response_timeout" or "header_too_large". */
        void closed(String reason, int localPort);
    }

    private JdkHttpServer() {}

    /**
     * Sets the JDK server's request and response time limits (whole seconds, rounded up) unless they are set
     * already, by {@code -D} or by an earlier server in this JVM; returns the ones in effect {@code [request,
     * response]} in seconds. Call before the first {@code HttpServer.create}.
     */
    static synchronized long[] timeouts(Duration request, Duration response) {
        setIfAbsent(MAX_REQ_TIME, request);
        setIfAbsent(MAX_RSP_TIME, response);
        return new long[] {Long.getLong(MAX_REQ_TIME, -1), Long.getLong(MAX_RSP_TIME, -1)};
    }

    private static void setIfAbsent(String key, Duration d) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, Long.toString(Math.max(1, (d.toMillis() + 999) / 1000)));
        }
    }

    static synchronized void listen(Listener l) {
        if (!hooked) {
            hooked = true;
            JDK_LOG.setLevel(Level.FINEST);
            JDK_LOG.addHandler(new Counter());
        }
        LISTENERS.add(l);
    }

    static void unlisten(Listener l) {
        LISTENERS.remove(l);
    }

    /** Reads the JDK server's log lines that say it answered or closed a connection by itself. */
    private static final class Counter extends Handler {
        Counter() {
            setLevel(Level.ALL);
        }

        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            if (m == null || LISTENERS.isEmpty()) {
                return;
            }
            Throwable t = r.getThrown();
            if (m.startsWith("closing: no request")) {
                closed("request_timeout", m);
            } else if (m.startsWith("closing: no response")) {
                closed("response_timeout", m);
            } else if (t != null && String.valueOf(t.getMessage()).startsWith("Maximum header")) {
                closed("header_too_large", "");
            } else if (r.getLevel().intValue() <= Level.FINE.intValue() && !m.contains("{0}")) {
                Matcher reply = REPLY.matcher(m);
                if (reply.find()) {
                    int status = Integer.parseInt(reply.group(1));
                    if (status >= 400) {
                        LISTENERS.forEach(l -> l.rejected(status));
                    }
                }
            }
        }

        private static void closed(String reason, String message) {
            Matcher port = LOCAL_PORT.matcher(message);
            int p = port.find() ? Integer.parseInt(port.group(1)) : -1;
            LISTENERS.forEach(l -> l.closed(reason, p));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
