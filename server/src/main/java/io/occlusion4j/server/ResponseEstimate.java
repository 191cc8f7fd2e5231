package io.occlusion4j.server;

import io.occlusion4j.Occlusion;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;

/**
 * What a request's answer will take, known before it is computed: the maps the engine fills (a float per target
 * per window and per pixel) and their encoding in the answer (base64 at 16/3 characters a float, JSON numbers at up
 * to 16, a PNG at most 4 bytes a pixel a panel). A request whose answer would pass the server's limit is refused
 * with 422 before it is queued; the rest reserve these bytes from the intake budget while they wait and run.
 *
 * @param mapBytes    the maps' floats in the engine
 * @param answerBytes the encoded answer
 */
record ResponseEstimate(long mapBytes, long answerBytes) {
    /** Fixed part of a JSON answer (settings, stats, timings) and of each target's summary. */
    private static final long FIXED = 4096;
    private static final long PER_TARGET = 256;

    static ResponseEstimate of(Occlusion occlusion, Tensor x, ExplainParams params, boolean png) {
        WindowGrid grid = occlusion.grid(x);
        int channels = x.dim(0);
        long perChannel = params.options().perChannel() ? channels : 1;
        long windows = grid.count() * perChannel;
        long pixels = (long) x.size() / channels * perChannel;
        long targets = params.targetCount();
        long mapBytes = 4 * targets * (windows + pixels);
        long answer;
        if (png) {
            answer = 4 * targets * pixels + FIXED;
        } else {
            double perFloat = params.base64() ? 16.0 / 3 : 16;
            long floats = (params.gridMaps() ? windows : 0) + (params.pixelMaps() ? pixels : 0);
            answer = (long) Math.ceil(targets * floats * perFloat) + FIXED + PER_TARGET * targets;
        }
        return new ResponseEstimate(mapBytes, answer);
    }

    /**
     * Refuses (422) an answer estimated over {@code limits.maxResponseBytes()}; returns the bytes the request holds
     * while it runs and is answered: the maps, and the answer twice (its parts, then the encoded whole).
     */
    long check(ServerConfig.RequestLimits limits) {
        if (answerBytes > limits.maxResponseBytes()) {
            throw new ApiException(422, "response_too_large", "the answer would be about " + answerBytes + " bytes, more than this server's "
                    + "limit of " + limits.maxResponseBytes() + ": ask for fewer targets, a larger window or stride, maps=none or "
                    + "maps=grid", null);
        }
        return mapBytes + 2 * answerBytes;
    }
}
