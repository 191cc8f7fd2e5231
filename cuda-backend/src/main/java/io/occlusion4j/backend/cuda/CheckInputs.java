// The input shapes and values check-model runs a model with.
package io.occlusion4j.backend.cuda;

import io.occlusion4j.OcclusionException;
import io.occlusion4j.core.ModelChecker;
import io.occlusion4j.graph.DataType;
import io.occlusion4j.graph.Dim;
import io.occlusion4j.graph.Graph;
import io.occlusion4j.graph.TensorValue;
import io.occlusion4j.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Binds a model's declared inputs to the shapes of a {@link ModelChecker.Request}: the first dimension is the batch
 * (the request's, or the declared one when the request leaves it at 0, or 1 when the model leaves it open); the
 * request's size fills the two symbolic dimensions after it (height then width); a fixed size the request contradicts,
 * an open dimension it does not fill, or a non-float input is an {@link OcclusionException} naming the input.
 */
final class CheckInputs {

    private CheckInputs() {
    }

    /** The shape of every input, by name, in the model's order. */
    static Map<String, long[]> shapes(Graph graph, ModelChecker.Request request) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (ValueInfo in : graph.inputs()) {
            if (in.type() != DataType.FLOAT) {
                throw new OcclusionException("input '" + in.name() + "' is " + in.type() + "; check-model (like the "
                        + "occlusion loop) feeds float inputs only");
            }
            int rank = in.shape().rank();
            if (rank < 1) {
                throw new OcclusionException("input '" + in.name() + "' is a scalar; check-model needs a batch dimension");
            }
            long[] s = new long[rank];
            s[0] = batch(in, in.shape().dim(0), request.batch());
            List<Integer> open = new ArrayList<>();
            for (int i = 1; i < rank; i++) {
                if (in.shape().dim(i) instanceof Dim.Fixed(long size)) {
                    s[i] = size;
                } else {
                    open.add(i);
                }
            }
            fillSize(in, s, open, request);
            out.put(in.name(), s);
        }
        return out;
    }

    private static long batch(ValueInfo in, Dim declared, int requested) {
        if (declared instanceof Dim.Fixed(long b)) {
            if (requested != 0 && requested != b) {
                throw new OcclusionException("input '" + in.name() + "' has a fixed batch of " + b + "; --batch "
                        + requested + " does not fit it");
            }
            return b;
        }
        return requested == 0 ? 1 : requested;
    }

    private static void fillSize(ValueInfo in, long[] s, List<Integer> open, ModelChecker.Request request) {
        if (!request.sized()) {
            if (!open.isEmpty()) {
                throw new OcclusionException("input '" + in.name() + "' " + in.shape() + " leaves dimension(s) "
                        + open + " open; give --size HxW");
            }
            return;
        }
        if (open.size() == 2) {
            s[open.get(0)] = request.height();
            s[open.get(1)] = request.width();
            return;
        }
        if (!open.isEmpty()) {
            throw new OcclusionException("input '" + in.name() + "' " + in.shape() + " leaves " + open.size()
                    + " dimension(s) open; --size fills two (height and width)");
        }
        int r = s.length;
        boolean nchw = r >= 3 && s[r - 2] == request.height() && s[r - 1] == request.width();
        boolean nhwc = r == 4 && s[1] == request.height() && s[2] == request.width();
        if (!nchw && !nhwc) {
            throw new OcclusionException("input '" + in.name() + "' has the fixed shape " + in.shape() + "; --size "
                    + request.height() + "x" + request.width() + " does not fit it");
        }
    }

    /** Seeded values uniform in [-1, 1) for every input. */
    static Map<String, TensorValue> values(Map<String, long[]> shapes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, TensorValue> out = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            float[] x = new float[Math.toIntExact(n)];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            out.put(name, TensorValue.ofFloats(shape, x));
        });
        return out;
    }

    /** A shape as a list, for the report. */
    static List<Long> list(long[] shape) {
        return Arrays.stream(shape).boxed().toList();
    }
}
