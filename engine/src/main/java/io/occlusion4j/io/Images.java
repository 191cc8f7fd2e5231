package io.occlusion4j.io;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Image input: decoding (PNG, JPEG, BMP, GIF, TIFF through ImageIO) with truncation and corruption
 * reported as errors rather than half-grey pictures, size limits read from the header before any pixel is
 * decoded, decoding subsampled to the size it will be used at, and the conversion to a raw
 * {@code [3, H, W]} tensor in [0,1].
 *
 * <p>Streams are made here, in memory or over the file, never through ImageIO's cache files: a body is not
 * copied to {@code java.io.tmpdir} on its way to the decoder.
 */
public final class Images {
    /** Elements a tensor made from an image may hold: 3 x 8192 x 8192 and then some (1 GiB of float32). */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 28;

    /**
     * How large an image may be, checked against its header before its pixels are decoded.
     *
     * @param maxPixels width x height
     * @param maxSide   the longer side
     */
    public record Limits(long maxPixels, int maxSide) {
        /** The server's and the command line's default: 4096 x 4096 pixels, no side above 8192. */
        public static final Limits DEFAULT = new Limits(4096L * 4096, 8192);
        /** What a Java image can hold at all: fewer than 2^31 pixels. */
        public static final Limits NONE = new Limits(Integer.MAX_VALUE - 8, Integer.MAX_VALUE - 8);

        public Limits {
            if (maxPixels < 1 || maxSide < 1) {
                throw new IllegalArgumentException("image limits must be positive, got " + maxPixels + " pixels, side " + maxSide);
            }
            maxPixels = Math.min(maxPixels, Integer.MAX_VALUE - 8);
        }

        /** Throws {@link ImageTooLargeException} when a {@code width x height} picture named {@code name} is over a limit. */
        public void check(long width, long height, String name) {
            if (width > maxSide || height > maxSide || width * height > maxPixels) {
                throw new ImageTooLargeException(name, width, height, maxPixels, maxSide);
            }
        }
    }

    private Images() {}

    /** Reads an image file at full resolution, within {@link Limits#NONE}. */
    public static BufferedImage read(Path file) {
        return read(file, Limits.NONE, null);
    }

    /**
     * Reads an image file. The header is checked against {@code limits} first; with {@code keep}
     * ({@code [height, width]}) the picture is decoded subsampled by the largest whole factor that leaves it
     * at least that large (every n-th pixel of every n-th row), so a large photo for a small model never
     * exists at full size in memory.
     */
    public static BufferedImage read(Path file, Limits limits, int[] keep) {
        String name = "image " + file;
        if (!Files.isRegularFile(file)) {
            throw new OcclusionException(name + " does not exist or is not a file");
        }
        try (FileImageInputStream in = new FileImageInputStream(file.toFile())) {
            return decode(in, name, limits, keep, () -> hasPngEnd(tail(file)));
        } catch (IOException e) {
            throw new OcclusionException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes image bytes at full resolution, within {@link Limits#NONE}; {@code name} says what the bytes
     * are in error messages ("image cat.png", "the request body"). Any decoder warning (a JPEG that ends
     * early, say) is an error: a truncated image is refused, not silently padded.
     */
    public static BufferedImage decode(byte[] bytes, String name) {
        return decode(bytes, name, Limits.NONE, null);
    }

    /** Decodes image bytes as {@link #read(Path, Limits, int[])} reads a file. */
    public static BufferedImage decode(byte[] bytes, String name, Limits limits, int[] keep) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            return decode(in, name, limits, keep, () -> hasPngEnd(bytes));
        } catch (IOException e) {
            throw new OcclusionException(name + " is truncated or corrupt: " + e.getMessage(), e);
        }
    }

    /** The width and height an image's header declares, decoding no pixel. */
    public static int[] size(byte[] bytes, String name) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(in, name);
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new OcclusionException(name + " is truncated or corrupt: " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String name, Limits limits, int[] keep, BooleanSupplier pngEnd)
            throws IOException {
        ImageReader reader = reader(in, name);
        List<String> warnings = new ArrayList<>();
        try {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int w;
            int h;
            try {
                w = reader.getWidth(0);
                h = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw new OcclusionException(name + " is truncated or corrupt: its header cannot be read ("
                        + e.getMessage() + ")", e);
            }
            if (w < 1 || h < 1) {
                throw new OcclusionException(name + " is empty (" + w + "x" + h + ")");
            }
            limits.check(w, h, name);
            ImageReadParam param = reader.getDefaultReadParam();
            int step = subsampling(w, h, keep);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage image;
            try {
                image = reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw new OcclusionException(name + " is truncated or corrupt: " + e.getMessage(), e);
            }
            if (!warnings.isEmpty()) {
                throw new OcclusionException(name + " is truncated or corrupt (" + reader.getFormatName()
                        + " decoder: " + String.join("; ", warnings) + ")");
            }
            if (reader.getFormatName().equalsIgnoreCase("png") && !pngEnd.getAsBoolean()) {
                throw new OcclusionException(name + " is truncated or corrupt (the PNG has no IEND chunk)");
            }
            return image;
        } finally {
            reader.dispose();
        }
    }

    private static ImageReader reader(ImageInputStream in, String name) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            byte[] start = new byte[4];
            in.seek(0);
            int n = Math.max(0, in.read(start));
            throw new OcclusionException(name + " is not in a format occlusion4j can read (PNG, JPEG, BMP, GIF, TIFF)"
                    + describeStart(start, n));
        }
        return readers.next();
    }

    /** The largest whole step that keeps a {@code w x h} picture at least {@code keep} large; 1 without {@code keep}. */
    public static int subsampling(int w, int h, int[] keep) {
        if (keep == null) {
            return 1;
        }
        if (keep.length != 2 || keep[0] < 1 || keep[1] < 1) {
            throw new IllegalArgumentException("keep must be [height, width], both positive, got " + Arrays.toString(keep));
        }
        return Math.max(1, Math.min(h / keep[0], w / keep[1]));
    }

    /** ImageIO decodes a PNG cut after its last pixel row without complaint; the IEND chunk says it is whole. */
    private static boolean hasPngEnd(byte[] bytes) {
        for (int i = bytes.length - 8; i >= Math.max(8, bytes.length - 4096); i--) {
            if (bytes[i] == 'I' && bytes[i + 1] == 'E' && bytes[i + 2] == 'N' && bytes[i + 3] == 'D') {
                return true;
            }
        }
        return false;
    }

    /** The last 4 KiB of a file (where a PNG's IEND chunk is). */
    private static byte[] tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long n = Math.min(4096, f.length());
            byte[] b = new byte[(int) n];
            f.seek(f.length() - n);
            f.readFully(b);
            return b;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String describeStart(byte[] bytes, int n) {
        if (n == 0) {
            return ": it is empty";
        }
        return ": it starts with bytes " + String.format("%02x %02x %02x %02x", bytes[0],
                n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0);
    }

    /** Reads an image from a stream (all of it), as {@link #decode(byte[], String)}. */
    public static BufferedImage read(InputStream in, String name) throws IOException {
        return decode(in.readAllBytes(), name);
    }

    /** Resizes {@code image} to {@code height x width}: bilinear, halving repeatedly first when shrinking a lot. */
    public static BufferedImage resize(BufferedImage image, int height, int width) {
        BufferedImage cur = toRgb(image);
        if (cur.getWidth() == width && cur.getHeight() == height) {
            return cur;
        }
        int w = cur.getWidth();
        int h = cur.getHeight();
        while (w / 2 >= width && h / 2 >= height) {
            w /= 2;
            h /= 2;
            cur = draw(cur, w, h);
        }
        return draw(cur, width, height);
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The image as opaque RGB (alpha composited over black, palettes expanded). */
    public static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The raw tensor {@code [3, height, width]} of {@code image}: resized, each channel scaled to [0,1],
     * channels in RGB order or, with {@code bgr}, reversed.
     */
    public static Tensor toTensor(BufferedImage image, int height, int width, boolean bgr) {
        if (height < 1 || width < 1 || 3L * height * width > MAX_TENSOR_ELEMENTS) {
            throw new OcclusionException("an image cannot become a [3, " + height + ", " + width + "] tensor: "
                    + (height < 1 || width < 1 ? "the size must be positive" : 3L * height * width
                    + " elements is more than the limit of " + MAX_TENSOR_ELEMENTS + " (1 GiB of float32)"));
        }
        BufferedImage rgb = resize(image, height, width);
        int plane = height * width;
        float[] data = new float[3 * plane];
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            rgb.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int p = row[x];
                float r = ((p >> 16) & 0xff) / 255f;
                float g = ((p >> 8) & 0xff) / 255f;
                float b = (p & 0xff) / 255f;
                int i = y * width + x;
                data[i] = bgr ? b : r;
                data[plane + i] = g;
                data[2 * plane + i] = bgr ? r : b;
            }
        }
        return Tensor.of(data, 3, height, width);
    }
}
