package io.occlusion4j.core;

import io.occlusion4j.ModelSignature;
import io.occlusion4j.SensitivityMap;

/**
 * One loaded model on one back end. The whole occlusion loop of an explanation runs inside
 * {@link #explain}: the unoccluded forward, targets, every batch of variants, scoring and reduction.
 * Implementations are safe to call from several threads at once.
 */
public interface BackendSession extends AutoCloseable {

    /** {@code cpu} or {@code cuda}. */
    String name();

    /** What the session runs on, in words. */
    String device();

    ModelSignature signature();

    SensitivityMap explain(ExplainRequest request);

    @Override
    void close();
}
