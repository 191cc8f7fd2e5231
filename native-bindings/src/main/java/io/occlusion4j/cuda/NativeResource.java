// The ownership rules every native handle in the safe layer follows.
package io.occlusion4j.cuda;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A native resource with one owner: {@link #close()} is idempotent and only drops the owner's
 * reference. Children (a function of its module, a buffer of its context) and in-flight work (an
 * async copy, a captured graph) hold references too, and the native free happens when the last one
 * is dropped, so a parent outlives its children and memory outlives the stream work using it.
 * Using a closed resource raises {@link IllegalStateException}.
 */
public abstract class NativeResource implements AutoCloseable {

    private final String kind;
    private final List<NativeResource> parents;
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    NativeResource(String kind, NativeResource... parents) {
        this.kind = kind;
        this.parents = List.of(parents);
        for (NativeResource parent : this.parents) {
            parent.retain();
        }
    }

    /** Adds a reference; fails if the native resource is already freed. */
    final void retain() {
        int n;
        do {
            n = references.get();
            if (n <= 0) {
                throw new IllegalStateException(kind + " is already released");
            }
        } while (!references.compareAndSet(n, n + 1));
    }

    /** Drops a reference; the last one frees the native resource, then releases the parents. */
    final void release() {
        if (references.decrementAndGet() == 0) {
            try {
                free();
            } finally {
                for (NativeResource parent : parents) {
                    parent.release();
                }
            }
        }
    }

    /** Raises if the owner has closed this resource. */
    final void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(kind + " is closed");
        }
    }

    public final boolean isClosed() {
        return closed.get();
    }

    /** Whether the native resource has been freed (closed and no child or in-flight work holds it). */
    public final boolean isReleased() {
        return references.get() <= 0;
    }

    /** Closes the owner's reference; closing twice is harmless. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Frees the native resource; called exactly once. */
    abstract void free();

    @Override
    public String toString() {
        return kind + (isClosed() ? " (closed)" : "");
    }
}
