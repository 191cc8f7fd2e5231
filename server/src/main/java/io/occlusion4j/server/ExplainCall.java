// The explain call of one request: settings derived from the loaded model, checked, then run on a slot within a deadline.
package io.occlusion4j.server;

import io.occlusion4j.InvalidOptionException;
import io.occlusion4j.ModelSignature;
import io.occlusion4j.Occlusion;
import io.occlusion4j.OcclusionException;
import io.occlusion4j.Reduce;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs explanations for requests over the one loaded model. Each request derives its settings with
 * {@link Occlusion#with} (the model is never reloaded); everything a request can get wrong is found before it is
 * queued (422), and the run itself waits for an {@link Admission} slot and is abandoned at its next batch once
 * the request's deadline has passed (504).
 */
final class ExplainCall {
    /** A finished explanation and when it waited and ran. */
    record Done(SensitivityMap map, double queueMs, double explainMs) {}

    private final Occlusion model;
    private final Admission admission;
    private final Duration deadline;

    ExplainCall(Occlusion model, Admission admission, Duration deadline) {
        this.model = model;
        this.admission = admission;
        this.deadline = deadline;
    }

    /** Per-request settings over the loaded model; unknown outputs are refused here, before any work is queued. */
    Occlusion derive(ExplainParams params, int spatialAxes) {
        ModelSignature sig = model.signature();
        List<String> outputs = params.options().outputs();
        for (String name : outputs) {
            if (sig.output(name) == null) {
                throw ApiException.unprocessable("output", "the model has no output named '" + name + "'; its outputs are "
                        + sig.outputNames());
            }
        }
        if (outputs.size() > 1 && params.options().reduce() == Reduce.NONE) {
            throw ApiException.unprocessable("reduce", "several outputs " + outputs + " are scored together only with reduce=max");
        }
        try {
            return model.with(b -> params.options().applyWindow(params.options().applyTo(b), spatialAxes).progress(null));
        } catch (IllegalArgumentException e) {
            throw unprocessable(e);
        }
    }

    /** The tensor to explain, checked against the settings (window larger than the input, stride, the model's input shape). */
    Tensor input(Occlusion occlusion, InputDecoder.Input input) {
        Tensor x = input.image() != null ? occlusion.imageTensor(input.image()) : input.tensor();
        try {
            occlusion.grid(x);
        } catch (IllegalArgumentException e) {
            throw unprocessable(e);
        } catch (OcclusionException e) {
            throw new ApiException(422, "unprocessable", e.getMessage(), null);
        }
        return x;
    }

    /** Runs on an admission slot (503 when none is free and the queue is full); past {@code deadlineNanos}, 504. */
    Done run(Occlusion occlusion, Tensor x, long deadlineNanos) {
        long submitted = System.nanoTime();
        long[] started = new long[1];
        Future<SensitivityMap> future = admission.submit(() -> {
            started[0] = System.nanoTime();
            if (started[0] > deadlineNanos) {
                throw new DeadlineExceeded();
            }
            Occlusion timed = occlusion.with(b -> b.progress((done, total) -> {
                if (System.nanoTime() > deadlineNanos) {
                    throw new DeadlineExceeded();
                }
            }));
            return timed.explain(x);
        });
        SensitivityMap map = await(future, deadlineNanos);
        long finished = System.nanoTime();
        return new Done(map, (started[0] - submitted) / 1e6, (finished - started[0]) / 1e6);
    }

    /** Thrown inside a run to abandon it at its next batch. */
    private static final class DeadlineExceeded extends RuntimeException {
        DeadlineExceeded() {
            super("deadline exceeded", null, false, false);
        }
    }

    private SensitivityMap await(Future<SensitivityMap> future, long deadlineNanos) {
        try {
            long left = deadlineNanos - System.nanoTime();
            return future.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true); // a run still preparing its fill (a wide blur) stops at the interrupt, not at its first batch
            admission.purge();
            throw deadlineError();
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "shutting_down", "the server is shutting down", null, 1);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof DeadlineExceeded) {
                throw deadlineError();
            }
            if (c instanceof ApiException a) {
                throw a;
            }
            if (c instanceof IllegalArgumentException iae) {
                throw unprocessable(iae);
            }
            if (c instanceof OcclusionException) {
                throw new ApiException(422, "unprocessable", c.getMessage(), null);
            }
            throw new ApiException(500, "internal", "internal error: " + c, null);
        }
    }

    ApiException deadlineError() {
        return new ApiException(504, "deadline_exceeded", "the request was not answered within its deadline of "
                + deadline.toMillis() + " ms (waiting for a slot included)", null);
    }

    /** A settings error the input cannot take (422), naming the parameter where the engine's error says which. */
    private static ApiException unprocessable(IllegalArgumentException e) {
        String param = e instanceof InvalidOptionException o ? o.option() : paramOf(e.getMessage());
        return ApiException.unprocessable(param, e.getMessage());
    }

    /** Which parameter an engine settings error is about, from its wording; null when it is not clear. */
    static String paramOf(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("top-k")) {
            return "top-k";
        }
        if (m.startsWith("target") || m.contains(" target ")) {
            return "target";
        }
        if (m.contains("stride")) {
            return "stride";
        }
        if (m.contains("window")) {
            return "window";
        }
        if (m.contains("output")) {
            return m.contains("reduce") ? "reduce" : "output";
        }
        if (m.contains("fill") || m.contains("baseline") || m.contains("constant")) {
            return "fill";
        }
        return null;
    }
}
