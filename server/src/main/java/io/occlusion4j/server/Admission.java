package io.occlusion4j.server;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control in front of the back end: {@code slots} platform threads run explanations (ONNX Runtime
 * calls are native and would pin a virtual thread's carrier), and at most {@code capacity} admitted requests
 * wait for one in FIFO order. A request that finds the queue full is refused at once (503 with Retry-After)
 * instead of waiting without bound. Request threads (virtual) park on the returned future.
 */
final class Admission implements AutoCloseable {
    private final ThreadPoolExecutor workers;
    private final BlockingQueue<Runnable> queue;
    private final AtomicInteger running = new AtomicInteger();
    private final int slots;
    /** Mean seconds of recent explanations (an exponential average), for Retry-After. */
    private volatile double meanSeconds = 1.0;

    Admission(int slots, int capacity) {
        this.slots = slots;
        this.queue = capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity, true);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(slots, slots, 0, TimeUnit.SECONDS, queue, r -> {
            Thread t = new Thread(r, "occlusion4j-explain-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        workers.prestartAllCoreThreads();
    }

    /** Queues {@code task}; throws a 503 {@link ApiException} when every slot is busy and the queue is full. */
    <T> Future<T> submit(Callable<T> task) {
        Callable<T> counted = () -> {
            running.incrementAndGet();
            long t0 = System.nanoTime();
            try {
                return task.call();
            } finally {
                running.decrementAndGet();
                double s = (System.nanoTime() - t0) / 1e9;
                meanSeconds = 0.8 * meanSeconds + 0.2 * s;
            }
        };
        try {
            return workers.submit(counted);
        } catch (RejectedExecutionException e) {
            throw new ApiException(503, "overloaded", "the server is at capacity (" + slots + " running, " + queue.size()
                    + " queued); retry later", null, retryAfterSeconds());
        }
    }

    /** Seconds until the queue has likely drained: the queued and running work over the slots, at least 1. */
    long retryAfterSeconds() {
        double work = (queue.size() + running.get()) * meanSeconds / slots;
        return Math.max(1, (long) Math.ceil(work));
    }

    /** Drops a cancelled task from the queue so it frees its place at once. */
    void purge() {
        workers.purge();
    }

    int queueDepth() {
        return queue.size();
    }

    int running() {
        return running.get();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
