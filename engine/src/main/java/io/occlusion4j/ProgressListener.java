package io.occlusion4j;

/**
 * Told after each forward of a run how many of its occluded variants have been scored. Called on the
 * thread that runs {@link Occlusion#explain}; keep it cheap (it runs between batches).
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param done  variants scored so far, {@code 0 <= done <= total}; the last call has {@code done == total}
     * @param total the run's variants (window positions, times channels when per channel)
     */
    void progress(int done, int total);
}
