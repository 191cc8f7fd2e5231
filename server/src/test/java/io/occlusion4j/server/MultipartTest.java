package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The multipart reader: RFC 2046's boundary length, parts whose data holds near-boundaries, and bounded work. */
class MultipartTest {
    static byte[] body(String boundary, String... partsNameAndData) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < partsNameAndData.length; i += 2) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + partsNameAndData[i]
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(partsNameAndData[i + 1].getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    @Test
    void aBoundaryLongerThanRfc2046AllowsIsRefused() {
        String seventy = "b".repeat(70);
        assertThat(Multipart.boundary("multipart/form-data; boundary=" + seventy)).isEqualTo(seventy);
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"" + seventy + "\"")).isEqualTo(seventy);
        assertThatThrownBy(() -> Multipart.boundary("multipart/form-data; boundary=" + "b".repeat(4000)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("4000 characters").contains("RFC 2046");
                });
        assertThatThrownBy(() -> Multipart.parse(body("c".repeat(71), "input", "x"), "c".repeat(71)))
                .isInstanceOf(ApiException.class).hasMessageContaining("at most 70");
    }

    @Test
    void partsWhoseDataHoldsAlmostTheBoundaryAreReadWhole() {
        String boundary = "ab".repeat(34) + "ac"; // 70 characters with a long self-overlapping prefix
        String tricky = "\r\n--" + "ab".repeat(34) + "ab" + "--" + "ab".repeat(20) + "\r\n-" + boundary.substring(0, 69);
        List<Multipart.Part> parts = Multipart.parse(body(boundary, "params", "{\"window\": 4}", "input", tricky), boundary);
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).name()).isEqualTo("params");
        assertThat(new String(parts.get(1).body(), StandardCharsets.ISO_8859_1)).isEqualTo(tricky);
        assertThat(parts.get(1).contentType()).isEqualTo("application/octet-stream");
    }

    @Test
    void tooManyPartsOrEndlessPartHeadersAreRefused() {
        String[] many = new String[2 * (Multipart.MAX_PARTS + 1)];
        for (int i = 0; i < many.length; i += 2) {
            many[i] = "p" + i;
            many[i + 1] = "x";
        }
        assertThatThrownBy(() -> Multipart.parse(body("bnd", many), "bnd")).hasMessageContaining("more than 16 parts");
        byte[] endless = ("--bnd\r\nX-Pad: " + "y".repeat(20000) + "\r\n\r\ndata\r\n--bnd--").getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> Multipart.parse(endless, "bnd")).hasMessageContaining("no end of headers within 8192 bytes");
    }

    @Test
    void theSearchFindsWhatAPlainScanFinds() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] hay = new byte[rnd.nextInt(0, 60)];
            byte[] needle = new byte[rnd.nextInt(1, 8)];
            for (int i = 0; i < hay.length; i++) {
                hay[i] = (byte) ('a' + rnd.nextInt(2)); // two letters: many partial matches
            }
            for (int i = 0; i < needle.length; i++) {
                needle[i] = (byte) ('a' + rnd.nextInt(2));
            }
            int from = rnd.nextInt(0, hay.length + 1);
            int to = rnd.nextInt(from, hay.length + 1);
            assertThat(new Multipart.Needle(needle).in(hay, from, to)).as("trial %d", trial).isEqualTo(plainScan(hay, needle, from, to));
        }
    }

    private static int plainScan(byte[] hay, byte[] needle, int from, int to) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
