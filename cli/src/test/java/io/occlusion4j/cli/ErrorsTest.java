package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.Tensor;
import io.occlusion4j.io.Npy;
import io.occlusion4j.onnx.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad flags exit 2, bad files exit 1; either way one line on stderr and no stack trace. */
class ErrorsTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path input;

    @BeforeAll
    static void files() {
        try {
            model = Files.write(dir.resolve("linear.onnx"), TestModels.linear(3, new int[] {8, 8}, 4, 11).onnx());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        float[] data = new float[3 * 64];
        Arrays.fill(data, 0.5f);
        input = dir.resolve("x.npy");
        Npy.write(input, Tensor.of(data, 3, 8, 8));
    }

    private static Cli.Result explain(Object... args) {
        List<Object> all = new ArrayList<>(List.of("explain"));
        all.addAll(Arrays.asList(args));
        return Cli.run(all.toArray());
    }

    private static void assertOneLine(Cli.Result r, int code, String mentions) {
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(code);
        assertThat(r.errLines()).as("stderr: %s", r.err()).hasSize(1);
        assertThat(r.err()).doesNotContain("\tat ").contains(mentions);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void usageErrorsExitTwo() {
        assertOneLine(Cli.run(), 2, "a command is needed");
        assertOneLine(Cli.run("explian"), 2, "explian");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--bogus"), 2, "--bogus");
        assertOneLine(explain("--tensor", input, "--window", 2), 2, "--model");
        assertOneLine(explain("--model", model, "--window", 2), 2, "--image");
        assertOneLine(explain("--model", model, "--tensor", input), 2, "--window");
        assertOneLine(explain("--model", model, "--tensor", input, "--image", input, "--window", 2), 2, "mutually exclusive");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", "two"), 2, "'two'");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 0), 2, "must be >= 1");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", "2,2,2"), 2, "spatial axes");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 9), 2, "larger than the input");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--stride", 0), 2, "must be >= 1");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--edge", "wrap"), 2, "wrap");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--score", "logit"), 2, "logit");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--reduce", "mean"), 2, "mean");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--backend", "tpu"), 2, "tpu");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--layout", "chw"), 2, "chw");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--fill", "grey"), 2, "--fill");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--fill", "blur:-1"), 2, "sigma");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--fill", "noise:x"), 2, "seed");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--target", 4), 2, "out of range");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--target", 1, "--top-k", 2), 2, "mutually exclusive");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--top-k", 0), 2, "k >= 1");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--batch", -1), 2, "batch size");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--threads", -2), 2, "threads");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--mean", 0.5), 2, "--std");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--mean", "0.5,0.5", "--std", "1,1"), 2, "channels");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--size", "8x8"), 2, "--size");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--size", "0x8"), 2, "HxW");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--alpha", 2, "--out-png", dir.resolve("a.png")), 2, "alpha");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--quiet"), 2, "nothing to do");
        assertOneLine(Cli.run("demo", "--threads", "many"), 2, "many");
    }

    @Test
    void badFilesExitOne() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "not a model");
        Path notImage = Files.writeString(dir.resolve("notimage.png"), "hello");
        Path truncated = dir.resolve("truncated.png");
        byte[] png;
        try (var in = Cli.class.getResourceAsStream(DemoCommand.RESOURCES + "images/text_strip.png")) {
            png = in.readAllBytes();
        }
        Files.write(truncated, Arrays.copyOf(png, png.length / 2));
        Path ints = dir.resolve("ints.npy");
        Files.write(ints, npyHeader("<i4", "(3, 8, 8)", 3 * 64 * 4));
        Path wrongShape = dir.resolve("wrong.npy");
        Npy.write(wrongShape, Tensor.of(new float[2 * 64], 2, 8, 8));
        Path blocker = Files.writeString(dir.resolve("file"), "x");

        assertOneLine(explain("--model", dir.resolve("missing.onnx"), "--tensor", input, "--window", 2), 1, "missing.onnx");
        assertOneLine(explain("--model", garbage, "--tensor", input, "--window", 2), 1, "cannot load model");
        assertOneLine(explain("--model", model, "--tensor", dir.resolve("missing.npy"), "--window", 2), 1, "missing.npy");
        assertOneLine(explain("--model", model, "--tensor", ints, "--window", 2), 1, "dtype '<i4'");
        assertOneLine(explain("--model", model, "--tensor", wrongShape, "--window", 2), 1, "[2, 8, 8]");
        assertOneLine(explain("--model", model, "--image", dir.resolve("missing.png"), "--window", 2), 1, "missing.png");
        assertOneLine(explain("--model", model, "--image", notImage, "--window", 2), 1, "is not in a format occlusion4j can read");
        assertOneLine(explain("--model", model, "--image", truncated, "--window", 2), 1, "truncated");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--fill", dir.resolve("nofill.npy")), 1, "nofill.npy");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--labels", dir.resolve("nolabels.txt")), 1, "nolabels.txt");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--out-json", blocker.resolve("x.json")), 1, "cannot write");
        assertOneLine(explain("--model", model, "--tensor", input, "--window", 2, "--out-png", blocker.resolve("x.png")), 1, "x.png");
        assertOneLine(Cli.run("demo", "--out", blocker.resolve("sub")), 1, "file");
    }

    private static byte[] npyHeader(String descr, String shape, int dataBytes) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }
}
