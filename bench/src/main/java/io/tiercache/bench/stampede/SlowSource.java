package io.tiercache.bench.stampede;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source of truth of the experiments: every load takes {@link #latency} and is counted, and
 * every load produces a new version, so the count is exactly what the source had to serve.
 */
final class SlowSource implements CacheLoader<String> {
  private final Duration latency;
  private final AtomicInteger loads = new AtomicInteger();
  private final Queue<Long> startedAtMs = new ConcurrentLinkedQueue<>();

  SlowSource(Duration latency) {
    this.latency = latency;
  }

  Duration latency() {
    return latency;
  }

  /** When each load so far started, in epoch milliseconds. */
  List<Long> startedAtMs() {
    return List.copyOf(startedAtMs);
  }

  /** Loads so far. */
  int loads() {
    return loads.get();
  }

  @Override
  public Loaded<String> load(String key) throws InterruptedException {
    startedAtMs.add(System.currentTimeMillis());
    int version = loads.incrementAndGet();
    // The source's own latency, simulated: a real pause, not a wait for a condition.
    Thread.sleep(latency.toMillis());
    return Loaded.of(key + "@v" + version, version);
  }
}
