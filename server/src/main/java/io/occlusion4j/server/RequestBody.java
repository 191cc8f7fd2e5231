// Reads an explain request's body: its media type, the size limit, multipart parts and a JSON params part.
package io.occlusion4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an explain request sent: the input's bytes and media type (for multipart bodies, those of the part
 * {@code input}) and the parameters of a {@code params} part (empty otherwise).
 *
 * @param mediaType lower-case, without parameters: an image type ({@link #isImage}) or an NPY type ({@link #isNpy})
 */
record RequestBody(String mediaType, byte[] bytes, Map<String, String> params, IntakeBudget.Reservation intake)
        implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads the body of {@code ex} (arrived at {@code t0}) with {@code reader}: 415 for a missing or unsupported media
     * type (the body is drained so the client reads the answer), then {@link BodyReader#read}'s 413, 503, 408 and
     * 400, then 400 for a malformed multipart body. The body holds its intake reservation until closed.
     */
    static RequestBody read(HttpExchange ex, BodyReader reader, long t0) {
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || contentType.isBlank()) {
            reader.drain(ex, t0, BodyReader.DRAIN_LIMIT);
            throw new ApiException(415, "unsupported_media_type", "no Content-Type: send image/png, image/jpeg, application/x-npy "
                    + "or multipart/form-data", null);
        }
        String mediaType = mediaType(contentType);
        if (!isImage(mediaType) && !isNpy(mediaType) && !mediaType.equals("multipart/form-data")) {
            reader.drain(ex, t0, BodyReader.DRAIN_LIMIT);
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + mediaType + " is not accepted: send image/png, "
                    + "image/jpeg, application/x-npy or multipart/form-data", null);
        }
        BodyReader.Body body = reader.read(ex, t0);
        try {
            return mediaType.equals("multipart/form-data") ? multipart(contentType, body)
                    : new RequestBody(mediaType, body.bytes(), Map.of(), body.reservation());
        } catch (RuntimeException e) {
            body.reservation().close();
            throw e;
        }
    }

    /** Gives back the intake this request held. */
    @Override
    public void close() {
        intake.close();
    }

    private static String mediaType(String contentType) {
        return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    static boolean isImage(String mediaType) {
        return mediaType.equals("image/png") || mediaType.equals("image/jpeg") || mediaType.equals("image/jpg");
    }

    static boolean isNpy(String mediaType) {
        return mediaType.equals("application/x-npy") || mediaType.equals("application/npy") || mediaType.equals("application/octet-stream");
    }

    /** The {@code input} part (an image or NPY) and the {@code params} part of a multipart body. */
    private static RequestBody multipart(String contentType, BodyReader.Body whole) {
        byte[] body = whole.bytes();
        String boundary = Multipart.boundary(contentType);
        if (boundary == null) {
            throw new ApiException(400, "invalid_body", "multipart/form-data without a boundary", null);
        }
        byte[] input = null;
        String inputType = null;
        Map<String, String> params = Map.of();
        for (Multipart.Part part : Multipart.parse(body, boundary)) {
            if ("params".equals(part.name())) {
                params = jsonParams(part.body());
            } else if ("input".equals(part.name())) {
                input = part.body();
                inputType = part.contentType() == null ? "" : mediaType(part.contentType());
            }
        }
        if (input == null) {
            throw new ApiException(400, "invalid_body", "the multipart body has no part named 'input'", null);
        }
        if (!isImage(inputType) && !isNpy(inputType)) {
            throw new ApiException(415, "unsupported_media_type", "the input part's Content-Type '" + inputType
                    + "' is not image/png, image/jpeg or application/x-npy", null);
        }
        return new RequestBody(inputType, input, params, whole.reservation());
    }

    /** A JSON object of parameter names to values (arrays become {@code a,b,c}). */
    private static Map<String, String> jsonParams(byte[] bytes) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException(400, "invalid_body", "the params part is not JSON: " + e.getMessage().lines().findFirst().orElse(""), "params");
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, "invalid_body", "the params part must be a JSON object of parameter names to values", "params");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(i -> items.add(i.asText()));
                out.put(e.getKey(), String.join(",", items));
            } else if (v.isValueNode()) {
                out.put(e.getKey(), v.asText());
            } else {
                throw ApiException.badParam(e.getKey(), "parameter '" + e.getKey() + "' must be a string, number, boolean or array");
            }
        }
        return out;
    }
}
