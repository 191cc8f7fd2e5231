package io.occlusion4j.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Valid PNGs of large pictures in few bytes (a flat picture compresses about a thousand to one), written
 * chunk by chunk so a test never holds the picture itself: what a decompression-bomb upload looks like.
 */
public final class LargePngs {
    private LargePngs() {}

    /**
     * A flat PNG of {@code width x height}: {@code colorType} 0 grey, 2 RGB, 6 RGBA; {@code bitDepth} 1, 8
     * or 16 (as the colour type allows); every sample {@code value} (its low bits at depths below 8).
     */
    public static byte[] flat(int width, int height, int bitDepth, int colorType, int value) {
        int channels = switch (colorType) {
            case 0 -> 1;
            case 2 -> 3;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
        long rowBytes = ((long) width * channels * bitDepth + 7) / 8;
        byte[] row = new byte[(int) rowBytes + 1]; // filter byte 0 (none), then the samples
        if (bitDepth == 8) {
            java.util.Arrays.fill(row, 1, row.length, (byte) value);
        } else if (bitDepth == 16) {
            for (int i = 1; i + 1 < row.length; i += 2) {
                row[i] = (byte) (value >> 8);
                row[i + 1] = (byte) value;
            }
        } else {
            java.util.Arrays.fill(row, 1, row.length, (byte) (value != 0 ? 0xff : 0));
        }
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
