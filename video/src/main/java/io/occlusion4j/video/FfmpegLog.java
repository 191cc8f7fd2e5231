package io.occlusion4j.video;

import java.util.ArrayDeque;
import java.util.Deque;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * FFmpeg's log, routed to {@link System.Logger} ({@code io.occlusion4j.video.ffmpeg}) instead of stderr,
 * with the last few errors of the calling thread kept so that an exception can say what
 * FFmpeg complained about ("moov atom not found", "Invalid data found when processing input", ...).
 *
 * <p>Installed once, on first use of the video module; it replaces any FFmpeg log callback set before.
 */
final class FfmpegLog {
    private static final System.Logger LOG = System.getLogger("io.occlusion4j.video.ffmpeg");
    private static final int KEEP = 6;
    private static final ThreadLocal<Deque<String>> RECENT = ThreadLocal.withInitial(ArrayDeque::new);
    private static volatile boolean installed;
    /** Held so the native callback is never garbage collected. */
    private static LogCallback callback;

    private FfmpegLog() {}

    /** Installs the callback (once). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        callback = new LogCallback() {
            @Override
            public void call(int level, BytePointer msg) {
                String text = msg == null ? "" : msg.getString().strip();
                if (text.isEmpty()) {
                    return;
                }
                if (level <= avutil.AV_LOG_ERROR) {
                    Deque<String> recent = RECENT.get();
                    if (recent.size() == KEEP) {
                        recent.removeFirst();
                    }
                    recent.addLast(text);
                }
                // errors reach the user in the exceptions that carry them (see suffix()); the log is for diagnosis
                System.Logger.Level l = level <= avutil.AV_LOG_WARNING ? System.Logger.Level.DEBUG : System.Logger.Level.TRACE;
                if (LOG.isLoggable(l)) {
                    LOG.log(l, "ffmpeg: " + text);
                }
            }
        }.retainReference();
        avutil.setLogCallback(callback);
        avutil.av_log_set_level(avutil.AV_LOG_WARNING);
        installed = true;
    }

    /** Forgets this thread's kept messages (call before an operation whose errors are to be reported). */
    static void clear() {
        RECENT.get().clear();
    }

    /** This thread's kept FFmpeg errors since {@link #clear()}, joined, or "" if none. */
    static String recent() {
        Deque<String> recent = RECENT.get();
        return recent.isEmpty() ? "" : String.join("; ", recent);
    }

    /** {@code " (FFmpeg: ...)"} with the recent messages, or "" if there are none. */
    static String suffix() {
        String r = recent();
        return r.isEmpty() ? "" : " (FFmpeg: " + r + ")";
    }
}
