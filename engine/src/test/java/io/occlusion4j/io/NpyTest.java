package io.occlusion4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class NpyTest {
    @TempDir
    Path dir;

    /** NPY bytes written by hand, as numpy lays them out. */
    public static byte[] npy(String descr, boolean fortran, String shape, byte[] body) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(body);
        return b.array();
    }

    @Test
    void roundTripsFloat32() throws java.io.IOException {
        Tensor t = Tensor.of(new float[] {1, -2, 3.5f, 4, 5, 6}, 1, 2, 3);
        Path f = dir.resolve("t.npy");
        Npy.write(f, t);
        Tensor back = Npy.read(f);
        assertThat(back.shape()).containsExactly(1, 2, 3);
        assertThat(back.data()).containsExactly(t.data());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");
        assertThat(Npy.read(writeBytes("one.npy", Npy.toBytes(Tensor.of(new float[] {7}, 1)))).shape()).containsExactly(1);
    }

    @Test
    void readsFloat64AndBigEndian() {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.5).putDouble(-0.25);
        assertThat(Npy.parse(npy("<f8", false, "(2,)", d.array()), "d").data()).containsExactly(1.5f, -0.25f);
        ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(2f).putFloat(3f);
        assertThat(Npy.parse(npy(">f4", false, "(1, 2)", be.array()), "b").data()).containsExactly(2f, 3f);
    }

    @Test
    void refusesOtherDtypesFortranOrderAndTruncation() {
        assertThatThrownBy(() -> Npy.parse(npy("<i8", false, "(2,)", new byte[16]), "ints.npy"))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("ints.npy").hasMessageContaining("dtype '<i8'");
        assertThatThrownBy(() -> Npy.parse(npy("<f4", true, "(2, 2)", new byte[16]), "f.npy"))
                .hasMessageContaining("f.npy").hasMessageContaining("Fortran-order");
        assertThatThrownBy(() -> Npy.parse(npy("<f4", false, "(4, 4)", new byte[20]), "short.npy"))
                .hasMessageContaining("short.npy is truncated").hasMessageContaining("needs 64 data bytes");
        assertThatThrownBy(() -> Npy.parse("hello".getBytes(StandardCharsets.US_ASCII), "text.npy"))
                .hasMessageContaining("text.npy is not an NPY file");
        byte[] good = npy("<f4", false, "(2,)", new byte[8]);
        assertThatThrownBy(() -> Npy.parse(Arrays.copyOf(good, 30), "cut.npy")).hasMessageContaining("truncated inside the NPY header");
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        assertThatThrownBy(() -> Npy.write(blocker.resolve("sub/out.npy"), Tensor.of(new float[] {1}, 1)))
                .isInstanceOf(OcclusionException.class).hasMessageContaining("cannot write");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("file");
        }
    }

    private Path writeBytes(String name, byte[] b) {
        try {
            return Files.write(dir.resolve(name), b);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFileLargerThanAnArrayIsRefusedWithAMessageNotAnOutOfMemoryError() throws Exception {
        Path big = dir.resolve("big.npy");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.write(Npy.toBytes(Tensor.of(new float[4], 4)), 0, 10); // the magic, then a sparse 3 GiB of nothing
            f.setLength(3L << 30);
        }
        assertThatThrownBy(() -> Npy.read(big)).isInstanceOf(OcclusionException.class)
                .hasMessageContaining("big.npy is 3221225472 bytes");
    }
}
