package io.tiercache.bench.stampede;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A fixed crowd of caller threads, one blocking read each per round, all starting at one instant.
 *
 * <p>Opening a latch is not enough for that: a latch wakes its waiters one after another (each
 * woken thread unparks the next), and 600 threads on two busy cores take longer to wake that way
 * than the source takes to load, so the "stampede" would be spread thin. So the gate opens early,
 * and each caller then sleeps on its own timer until the release instant, which the kernel fires
 * for all of them together. Each caller's latency is timed from its own start to its own answer.
 */
final class Callers implements AutoCloseable {
  /** One round: each caller's latency in microseconds, and the failed reads. */
  record Round(Histogram latencyMicros, int failures, String firstFailure) {}

  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

  private final int size;
  private final ExecutorService threads;

  Callers(int size) {
    this.size = size;
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            size,
            r -> {
              Thread t = new Thread(r, "caller-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Caller {@code i} reads {@code key} through {@code nodes.get(i % nodes.size())}, all at {@code
   * releaseAtMs} (epoch milliseconds), or at once when that has passed.
   */
  Round fire(List<? extends Node> nodes, String key, long releaseAtMs)
      throws InterruptedException, ExecutionException {
    CountDownLatch parked = new CountDownLatch(size);
    CountDownLatch gate = new CountDownLatch(1);
    Histogram latency = new ConcurrentHistogram(MAX_LATENCY_MICROS, 3);
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    List<Future<?>> reads = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Node node = nodes.get(i % nodes.size());
      reads.add(
          threads.submit(
              () -> {
                parked.countDown();
                gate.await();
                awaitInstant(releaseAtMs);
                long start = System.nanoTime();
                try {
                  node.read(key);
                } catch (Exception e) {
                  failures.incrementAndGet();
                  firstFailure.compareAndSet(null, e.toString());
                }
                long micros = (System.nanoTime() - start) / 1_000;
                latency.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
                return null;
              }));
    }
    parked.await();
    gate.countDown();
    for (Future<?> f : reads) {
      f.get();
    }
    return new Round(latency, failures.get(), firstFailure.get());
  }

  /** The crowd's pacing: sleep until the wall-clock instant {@code epochMs}. */
  private static void awaitInstant(long epochMs) {
    while (System.currentTimeMillis() < epochMs && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkUntil(epochMs);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
