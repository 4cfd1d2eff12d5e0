package io.tiercache.bench.stampede;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A steady read load on one key: {@code readersPerNode} threads per node, each reading about once
 * per millisecond for a while, and what each read found: served from the source (it loaded), served
 * stale, or slow (at least the source's latency: it waited for a load, or the machine stalled it).
 */
final class SteadyReads {
  /** What the reads found; latencies in microseconds. */
  record Tally(
      int reads,
      int fromSource,
      int stale,
      int slow,
      int failures,
      String firstFailure,
      Histogram latencyMicros) {}

  private static final long PACING_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicInteger fromSource = new AtomicInteger();
  private final AtomicInteger stale = new AtomicInteger();
  private final AtomicInteger slow = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private final long slowMicros;

  private SteadyReads(Duration sourceLatency) {
    this.slowMicros = TimeUnit.NANOSECONDS.toMicros(sourceLatency.toNanos());
  }

  /** Reads {@code key} through every node for {@code duration}, and returns what was found. */
  static Tally run(
      List<TieredNode> nodes,
      int readersPerNode,
      String key,
      Duration duration,
      Duration sourceLatency)
      throws InterruptedException {
    SteadyReads load = new SteadyReads(sourceLatency);
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> readers = new ArrayList<>();
    for (TieredNode node : nodes) {
      for (int r = 0; r < readersPerNode; r++) {
        Thread t = new Thread(() -> load.readUntil(node, key, end), "reader-" + readers.size());
        readers.add(t);
        t.start();
      }
    }
    for (Thread t : readers) {
      t.join();
    }
    return new Tally(
        load.reads.get(),
        load.fromSource.get(),
        load.stale.get(),
        load.slow.get(),
        load.failures.get(),
        load.firstFailure.get(),
        load.latency);
  }

  private void readUntil(TieredNode node, String key, long endNanos) {
    while (System.nanoTime() < endNanos) {
      long start = System.nanoTime();
      try {
        Lookup<String> l = node.lookup(key);
        long micros = (System.nanoTime() - start) / 1_000;
        latency.recordValue(micros);
        reads.incrementAndGet();
        if (l.tier() == Tier.SOURCE) {
          fromSource.incrementAndGet();
        } else if (l.stale()) {
          stale.incrementAndGet();
        }
        if (micros >= slowMicros) {
          slow.incrementAndGet();
        }
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, e.toString());
      }
      // The load generator's pacing: about one read per millisecond per reader.
      LockSupport.parkNanos(PACING_NANOS);
    }
  }
}
