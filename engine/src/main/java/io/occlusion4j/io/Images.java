package io.occlusion4j.io;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image input: decoding (PNG, JPEG, BMP, GIF, TIFF through ImageIO) with truncation and corruption
 * reported as errors rather than half-grey pictures, and the conversion to a raw {@code [3, H, W]} tensor
 * in [0,1].
 */
public final class Images {
    private Images() {}

    public static BufferedImage read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OcclusionException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * Decodes image bytes; {@code name} is used in error messages. Any decoder warning (a JPEG that ends
     * early, say) is an error: a truncated image is refused, not silently padded.
     */
    public static BufferedImage decode(byte[] bytes, String name) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new OcclusionException(name + " is not an image occlusion4j can read (PNG, JPEG, BMP, GIF, TIFF)"
                        + describeStart(bytes));
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new OcclusionException("image " + name + " is truncated or corrupt (" + reader.getFormatName()
                            + " decoder: " + String.join("; ", warnings) + ")");
                }
                if (reader.getFormatName().equalsIgnoreCase("png") && !hasPngEnd(bytes)) {
                    throw new OcclusionException("image " + name + " is truncated or corrupt (the PNG has no IEND chunk)");
                }
                if (image.getWidth() < 1 || image.getHeight() < 1) {
                    throw new OcclusionException("image " + name + " is empty");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof OcclusionException oe) {
                throw oe;
            }
            throw new OcclusionException("image " + name + " is truncated or corrupt: " + e.getMessage(), e);
        }
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

    private static String describeStart(byte[] bytes) {
        if (bytes.length == 0) {
            return ": the file is empty";
        }
        return ": it starts with bytes " + String.format("%02x %02x %02x %02x", bytes[0],
                bytes.length > 1 ? bytes[1] : 0, bytes.length > 2 ? bytes[2] : 0, bytes.length > 3 ? bytes[3] : 0);
    }

    /** Reads an image from a stream (all of it), as {@link #decode}. */
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
