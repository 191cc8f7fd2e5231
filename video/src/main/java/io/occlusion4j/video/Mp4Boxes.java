package io.occlusion4j.video;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A look at the top-level boxes of an ISO base media file (MP4, MOV, M4V): enough to tell a truncated
 * file (a box that runs past the end, or no {@code moov} index box) from one that is whole, which FFmpeg
 * itself reports only as "no stream found".
 */
final class Mp4Boxes {
    private Mp4Boxes() {}

    /**
     * What is wrong with {@code file}'s box structure, in words, or null if it is not an ISO media file
     * (no {@code ftyp} box first) or its top-level boxes are whole and include {@code moov}.
     */
    static String problem(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(16);
            long pos = 0;
            boolean first = true;
            boolean moov = false;
            while (pos + 8 <= size) {
                head.clear();
                ch.read(head, pos);
                head.flip();
                if (head.remaining() < 8) {
                    break;
                }
                long box = Integer.toUnsignedLong(head.getInt(0));
                String type = new String(new byte[] {head.get(4), head.get(5), head.get(6), head.get(7)},
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                if (first && !type.equals("ftyp")) {
                    return null;
                }
                first = false;
                if (box == 1) {
                    if (head.remaining() < 16) {
                        return "the '" + type + "' box header at byte " + pos + " is cut off (the file ends at " + size + ")";
                    }
                    box = head.getLong(8);
                } else if (box == 0) {
                    box = size - pos;
                }
                if (box < 8) {
                    return "the '" + type + "' box at byte " + pos + " has an invalid size " + box;
                }
                if (pos + box > size) {
                    return "the '" + type + "' box at byte " + pos + " needs " + box + " bytes but the file ends after "
                            + (size - pos) + (type.equals("moov") ? "; the moov box (the index) is cut off"
                            : moov ? "" : "; the moov box (the index) is missing");
                }
                moov |= type.equals("moov");
                pos += box;
            }
            if (first) {
                return null;
            }
            if (pos < size) {
                return (size - pos) + " stray bytes at the end" + (moov ? "" : "; the moov box (the index) is missing");
            }
            return moov ? null : "the moov box (the index, written last) is missing";
        } catch (IOException e) {
            return null;
        }
    }
}
