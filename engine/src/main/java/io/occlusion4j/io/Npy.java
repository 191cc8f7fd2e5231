package io.occlusion4j.io;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files: reads float32 and float64 arrays in C order (little- or big-endian) into a
 * float {@link Tensor}; writes float32. Anything else is refused with a message naming the file and what
 * it holds. Writes go to a temporary file first, so a failed write leaves nothing behind.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** The largest file {@link #read} takes: what one Java byte array holds. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private Npy() {}

    public static Tensor read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new OcclusionException("NPY file " + file + " is " + size + " bytes; occlusion4j reads NPY files of up to "
                        + MAX_FILE_BYTES + " bytes (a Java array's limit)");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OcclusionException("cannot read NPY file " + file + ": " + e.getMessage(), e);
        }
        return parse(bytes, file.toString());
    }

    /** Parses the bytes of an NPY file; {@code name} is used in error messages. */
    public static Tensor parse(byte[] bytes, String name) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new OcclusionException(name + " is not an NPY file (missing the \\x93NUMPY magic)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new OcclusionException(name + " is truncated inside the NPY header");
            }
            headerLen = bb.getInt(8);
            headerStart = 12;
        } else {
            throw new OcclusionException(name + " has unsupported NPY format version " + major);
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) {
            throw new OcclusionException(name + " is truncated inside the NPY header");
        }
        String header = new String(bytes, headerStart, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = find(DESCR, header, "descr", name);
        String fortran = find(FORTRAN, header, "fortran_order", name);
        String shapeText = find(SHAPE, header, "shape", name);
        if (fortran.equals("True")) {
            throw new OcclusionException(name + " holds a Fortran-order (column-major) array; save it in C order"
                    + " (numpy.ascontiguousarray) first");
        }
        ByteOrder order;
        int width;
        switch (descr) {
            case "<f4", "|f4", "=f4" -> { order = ByteOrder.LITTLE_ENDIAN; width = 4; }
            case ">f4" -> { order = ByteOrder.BIG_ENDIAN; width = 4; }
            case "<f8", "|f8", "=f8" -> { order = ByteOrder.LITTLE_ENDIAN; width = 8; }
            case ">f8" -> { order = ByteOrder.BIG_ENDIAN; width = 8; }
            default -> throw new OcclusionException(name + " has dtype '" + descr + "'; occlusion4j reads float32 ('<f4') and float64 ('<f8') arrays only");
        }
        List<Integer> dims = new ArrayList<>();
        long count = 1;
        for (String part : shapeText.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            long d;
            try {
                d = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
            } catch (NumberFormatException e) {
                throw new OcclusionException(name + " has an unreadable shape (" + shapeText + ")");
            }
            if (d <= 0) {
                throw new OcclusionException(name + " has shape (" + shapeText + ") with an empty axis");
            }
            dims.add((int) Math.min(d, Integer.MAX_VALUE));
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new OcclusionException(name + " is too large (" + shapeText + ")");
            }
        }
        if (dims.isEmpty()) {
            throw new OcclusionException(name + " holds a scalar; a tensor needs at least one axis");
        }
        long dataStart = headerStart + (long) headerLen;
        long need = count * width;
        if (bytes.length - dataStart < need) {
            throw new OcclusionException(name + " is truncated: shape (" + shapeText + ") of " + descr + " needs " + need
                    + " data bytes, the file has " + (bytes.length - dataStart));
        }
        float[] data = new float[(int) count];
        ByteBuffer body = ByteBuffer.wrap(bytes, (int) dataStart, (int) need).slice().order(order);
        if (width == 4) {
            body.asFloatBuffer().get(data);
        } else {
            var db = body.asDoubleBuffer();
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) db.get(i);
            }
        }
        return Tensor.of(data, dims.stream().mapToInt(Integer::intValue).toArray());
    }

    private static String find(Pattern p, String header, String key, String name) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new OcclusionException(name + " has an NPY header without '" + key + "': " + header.strip());
        }
        return m.group(1);
    }

    /** The NPY bytes (version 1.0, little-endian float32, C order) of {@code tensor}. */
    public static byte[] toBytes(Tensor tensor) {
        StringBuilder shape = new StringBuilder();
        for (int d : tensor.shape()) {
            shape.append(d).append(", ");
        }
        if (tensor.rank() > 1) {
            shape.setLength(shape.length() - 2);
        } else {
            shape.setLength(shape.length() - 1);
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + 4 * tensor.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.asFloatBuffer().put(tensor.data());
        return out.array();
    }

    /** Writes {@code tensor} as float32, atomically (a temporary file in the same folder, then a rename). */
    public static void write(Path file, Tensor tensor) {
        AtomicFiles.write(file, toBytes(tensor));
    }
}
