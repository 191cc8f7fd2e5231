package io.occlusion4j.cpu;

/** How the CPU back end quotes ONNX Runtime: its messages run to many lines, of which the first says what failed. */
final class OrtMessages {
    private OrtMessages() {
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
