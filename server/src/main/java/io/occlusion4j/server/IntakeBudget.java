package io.occlusion4j.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes every request in the server may hold before its explanation is done: its body while it is read, the
 * picture while it is decoded, the input tensor while it waits and runs. A request reserves what it will need
 * before it reads a byte and is refused at once (503) when the reservation does not fit, so many large uploads at
 * once cost a refusal each instead of the heap. A {@link Reservation} grows and shrinks as the request learns what
 * it holds (the body's real length, then the decoded size from the header, then the tensor) and gives everything
 * back when closed.
 */
final class IntakeBudget {
    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    IntakeBudget(long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("intake capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    /** Bytes reserved now by every request. */
    long reserved() {
        return reserved.get();
    }

    /** Reserves {@code bytes}, or throws a 503 {@link ApiException} when they do not fit beside what is reserved. */
    Reservation reserve(long bytes, String what) {
        Reservation r = new Reservation();
        r.resize(bytes, what);
        return r;
    }

    private boolean tryAdd(long delta) {
        while (true) {
            long now = reserved.get();
            long next = now + delta;
            if (delta > 0 && next > capacity) {
                return false;
            }
            if (reserved.compareAndSet(now, next)) {
                return true;
            }
        }
    }

    /** One request's share; close it (idempotent) when the request is answered. */
    final class Reservation implements AutoCloseable {
        private long held;
        private boolean closed;

        /** Bytes this reservation holds. */
        synchronized long held() {
            return held;
        }

        /**
         * Holds {@code bytes} from now on instead of what it held: shrinking always succeeds, growing throws a 503
         * {@link ApiException} naming {@code what} when the budget has no room (and keeps what it held).
         */
        synchronized void resize(long bytes, String what) {
            if (closed) {
                throw new IllegalStateException("reservation already closed");
            }
            long target = Math.max(0, bytes);
            if (target > capacity) {
                throw new ApiException(503, "overloaded", what + " needs " + target + " bytes, more than the server's intake budget of "
                        + capacity + " bytes", null, 1);
            }
            if (!tryAdd(target - held)) {
                throw new ApiException(503, "overloaded", "the server is reading and decoding as much as it may at once ("
                        + reserved.get() + " of " + capacity + " bytes held); " + what + " needs " + target + "; retry later", null, 1);
            }
            held = target;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                tryAdd(-held);
                held = 0;
            }
        }
    }
}
