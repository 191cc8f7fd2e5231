// occlusion4j demo: two real models on real pictures, from the assets built into the jar.
package io.occlusion4j.cli;

import io.occlusion4j.Fill;
import io.occlusion4j.Layout;
import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Reduce;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.io.Images;
import io.occlusion4j.render.HeatmapRenderer;
import io.occlusion4j.render.TensorPicture;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded demo. MediaPipe BlazeFace on the astronaut photo: which parts of the picture the face score
 * depends on. PaddleOCR's text-orientation classifier on a line of scanned text, upright and rotated by
 * 180 degrees: which parts carry the orientation decision. Models and pictures are resources of this jar
 * (the repository's {@code assets/}, licences in {@code assets/NOTICE.md}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explains MediaPipe BlazeFace on a photo and PaddleOCR's text-orientation classifier on a",
                "line of text (upright and rotated by 180 degrees); writes PNG heatmaps and JSON summaries."},
        footer = {"", "Exit codes: 0 done; 1 runtime error (e.g. the output folder cannot be written)."})
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCES = "/io/occlusion4j/demo/";

    /** The astronaut's face in the 512x512 photo: x in [170, 280), y in [70, 180) (assets/NOTICE.md). */
    static final int FACE_X0 = 170;
    static final int FACE_Y0 = 70;
    static final int FACE_X1 = 280;
    static final int FACE_Y1 = 180;

    /**
     * BlazeFace: 24x24 windows every 4 pixels over its 128x128 input (96 pixels of the 512 photo, about an
     * eye and its brow): 27 x 27 = 729 windows, 730 forwards of batch 1 (about a second on two cores).
     */
    static final int FACE_WINDOW = 24;
    static final int FACE_STRIDE = 4;
    /** Mid grey: 0 after BlazeFace's v/127.5-1 scaling, i.e. no signal. */
    static final float FACE_FILL = 0.5f;

    /** PaddleOCR cls input: 3 x 48 x 192. */
    static final int OCR_HEIGHT = 48;
    static final int OCR_WIDTH = 192;
    /**
     * Raw value of the right padding: 0.5 normalises to 0 under (v - 0.5) / 0.5, which is what PaddleOCR pads
     * with (it pads after normalising).
     */
    static final float OCR_PAD = 0.5f;
    static final int OCR_WINDOW_H = 16;
    static final int OCR_WINDOW_W = 16;
    static final int OCR_STRIDE = 8;
    /** Mid grey, like the padding: 0 after normalisation, i.e. nothing for the model to see. */
    static final float OCR_FILL = 0.5f;

    static final String FACE_PNG = "blazeface_astronaut.png";
    static final String FACE_JSON = "blazeface_astronaut.json";
    static final String OCR_PNG = "ppocr_orientation.png";
    static final String OCR_JSON = "ppocr_text_strip.json";
    static final String OCR_180_JSON = "ppocr_text_strip_180.json";

    private final boolean interactive;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "out/demo", paramLabel = "DIR", description = "output folder; default ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (0: all)")
    int threads;

    @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "log the back end's choice and show stack traces with errors")
    boolean verbose;

    DemoCommand(boolean interactive) {
        this.interactive = interactive;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (verbose) {
            Logger.getLogger("io.occlusion4j").setLevel(Level.INFO);
        }
        Path work = Files.createTempDirectory("occlusion4j-demo");
        try {
            try {
                Files.createDirectories(out);
            } catch (IOException e) {
                throw new OcclusionException("cannot create the output folder " + out + ": " + e, e);
            }
            List<Path> written = new ArrayList<>();
            ExplanationReport face = face(extract("models/blazeface_front_128.onnx", work), err);
            written.add(write(face.render(renderer()), FACE_PNG));
            written.add(writeJson(face, FACE_JSON));
            if (!quiet) {
                stdout.println("BlazeFace on astronaut.png:");
                face.printSummary(stdout);
            }
            Path ocrModel = extract("models/ppocr_mobile_v2_cls.onnx", work);
            ExplanationReport upright = orientation(ocrModel, "text_strip.png", "upright", err);
            ExplanationReport rotated = orientation(ocrModel, "text_strip_180.png", "rotated", err);
            written.add(write(stack(List.of(upright.render(renderer()), rotated.render(renderer()))), OCR_PNG));
            written.add(writeJson(upright, OCR_JSON));
            written.add(writeJson(rotated, OCR_180_JSON));
            if (!quiet) {
                stdout.println("PaddleOCR text orientation on text_strip.png and text_strip_180.png:");
                upright.printSummary(stdout);
                rotated.printSummary(stdout);
                stdout.println("wrote:");
                for (Path p : written) {
                    stdout.println("  " + p);
                }
            }
            stdout.flush();
            return 0;
        } finally {
            DoctorCommand.deleteQuietly(work);
        }
    }

    private static HeatmapRenderer renderer() {
        return new HeatmapRenderer();
    }

    /** BlazeFace's face score on the astronaut: sigmoid of the largest anchor logit. */
    ExplanationReport face(Path model, PrintWriter err) {
        BufferedImage photo = image("astronaut.png");
        try (Progress progress = new Progress("BlazeFace", err, interactive, quiet, 1000);
             Occlusion o = faceExplainer(model, threads).progress(progress).build()) {
            Tensor x = o.imageTensor(photo);
            progress.begin();
            SensitivityMap map = o.explain(x);
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("model", "blazeface_front_128.onnx (MediaPipe BlazeFace, front camera)");
            settings.put("input", "astronaut.png");
            settings.put("input_shape", x.shape());
            settings.put("window", new int[] {FACE_WINDOW, FACE_WINDOW});
            settings.put("stride", new int[] {FACE_STRIDE, FACE_STRIDE});
            settings.put("edge", "crop");
            settings.put("fill", Float.toString(FACE_FILL));
            settings.put("score", "sigmoid");
            settings.put("reduce", "max");
            settings.put("face_box_xy", new int[] {FACE_X0, FACE_Y0, FACE_X1, FACE_Y1});
            return new ExplanationReport(map, List.of("face"), photo, settings);
        }
    }

    /** The demo's BlazeFace settings (tests reuse them). */
    static Occlusion.Builder faceExplainer(Path model, int threads) {
        return Occlusion.builder().model(model).threads(threads)
                .layout(Layout.CHANNELS_LAST).normalize(new float[] {0.5f}, new float[] {0.5f})
                .outputs("Identity:0", "Identity_1:0").reduce(Reduce.MAX).score(Score.SIGMOID)
                .window(FACE_WINDOW, FACE_WINDOW).stride(FACE_STRIDE, FACE_STRIDE).fill(Fill.constant(FACE_FILL));
    }

    /** The orientation classifier on one strip; the target is the class it picks. */
    ExplanationReport orientation(Path model, String strip, String what, PrintWriter err) {
        Tensor x = orientationInput(image(strip));
        try (Progress progress = new Progress("PaddleOCR", err, interactive, quiet, 1000);
             Occlusion o = orientationExplainer(model, threads).progress(progress).build()) {
            progress.begin();
            SensitivityMap map = o.explain(x);
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("model", "ppocr_mobile_v2_cls.onnx (PaddleOCR text direction classifier, mobile v2.0)");
            settings.put("input", strip + " (" + what + "), BGR, resized to height 48 and width min(192, ceil(48 w / h)),"
                    + " padded on the right to 192 with " + OCR_PAD + " (0 after normalisation)");
            settings.put("input_shape", x.shape());
            settings.put("window", new int[] {OCR_WINDOW_H, OCR_WINDOW_W});
            settings.put("stride", new int[] {OCR_STRIDE, OCR_STRIDE});
            settings.put("edge", "crop");
            settings.put("fill", Float.toString(OCR_FILL));
            settings.put("score", "raw (the model's own softmax)");
            settings.put("reduce", "none");
            settings.put("text_width", textWidth(image(strip)));
            List<String> labels = new ArrayList<>();
            for (int t : map.targets()) {
                labels.add(what + " -> " + (t == 0 ? "0 deg" : "180 deg"));
            }
            return new ExplanationReport(map, labels, TensorPicture.of(x, true), settings);
        }
    }

    /** The demo's orientation-classifier settings (tests reuse them). */
    static Occlusion.Builder orientationExplainer(Path model, int threads) {
        return Occlusion.builder().model(model).threads(threads).normalize(new float[] {0.5f}, new float[] {0.5f})
                .score(Score.RAW).targets(Targets.argmax()).window(OCR_WINDOW_H, OCR_WINDOW_W)
                .stride(OCR_STRIDE, OCR_STRIDE).fill(Fill.constant(OCR_FILL));
    }

    /** Width of the resized text in the 48 x 192 input: {@code min(192, ceil(48 w / h))}; the rest is padding. */
    static int textWidth(BufferedImage strip) {
        return (int) Math.min(OCR_WIDTH, Math.ceil(OCR_HEIGHT * (double) strip.getWidth() / strip.getHeight()));
    }

    /**
     * PaddleOCR's classifier input in raw space: BGR, [0,1], resized to height 48 and width
     * {@link #textWidth}, padded on the right with {@link #OCR_PAD} up to 192.
     */
    static Tensor orientationInput(BufferedImage strip) {
        int w = textWidth(strip);
        Tensor resized = Images.toTensor(strip, OCR_HEIGHT, w, true);
        float[] data = new float[3 * OCR_HEIGHT * OCR_WIDTH];
        java.util.Arrays.fill(data, OCR_PAD);
        float[] src = resized.data();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < OCR_HEIGHT; y++) {
                System.arraycopy(src, (c * OCR_HEIGHT + y) * w, data, (c * OCR_HEIGHT + y) * OCR_WIDTH, w);
            }
        }
        return Tensor.of(data, 3, OCR_HEIGHT, OCR_WIDTH);
    }

    /** Panels one above the other (the strips are wide and low). */
    static BufferedImage stack(List<BufferedImage> images) {
        int w = 0;
        int h = 0;
        for (BufferedImage im : images) {
            w = Math.max(w, im.getWidth());
            h += im.getHeight();
        }
        BufferedImage outImage = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = outImage.createGraphics();
        try {
            g.setColor(new java.awt.Color(HeatmapRenderer.BACKGROUND, true));
            g.fillRect(0, 0, w, h);
            int y = 0;
            for (BufferedImage im : images) {
                g.drawImage(im, (w - im.getWidth()) / 2, y, null);
                y += im.getHeight();
            }
        } finally {
            g.dispose();
        }
        return outImage;
    }

    static BufferedImage image(String name) {
        try (InputStream in = resource("images/" + name)) {
            return Images.read(in, name);
        } catch (IOException e) {
            throw new OcclusionException("cannot read the demo image " + name + " from the jar: " + e.getMessage(), e);
        }
    }

    /** Copies a model out of the jar (ONNX Runtime loads models from files). */
    static Path extract(String name, Path dir) {
        Path file = dir.resolve(Path.of(name).getFileName());
        try (InputStream in = resource(name)) {
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new OcclusionException("cannot copy the demo model " + name + " out of the jar: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + name);
        if (in == null) {
            throw new OcclusionException("the demo resource " + name + " is missing from this build (expected at "
                    + RESOURCES + name + " on the class path)");
        }
        return in;
    }

    private Path write(BufferedImage image, String name) {
        Path file = out.resolve(name);
        ExplanationReport.writePng(image, file);
        return file;
    }

    private Path writeJson(ExplanationReport report, String name) {
        Path file = out.resolve(name);
        report.writeJson(file);
        return file;
    }
}
