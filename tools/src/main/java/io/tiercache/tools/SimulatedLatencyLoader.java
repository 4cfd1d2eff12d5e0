package io.tiercache.tools;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * A loader that costs a fixed extra time per call, as a remote database's round trip would. An
 * in-memory H2 answers in microseconds, which would make a miss look almost as cheap as a hit and
 * hide what the cache is for.
 */
final class SimulatedLatencyLoader<V> implements CacheLoader<V> {
  private final CacheLoader<V> delegate;
  private final Duration latency;

  SimulatedLatencyLoader(CacheLoader<V> delegate, Duration latency) {
    this.delegate = delegate;
    this.latency = latency;
  }

  @Override
  public Loaded<V> load(String key) throws Exception {
    roundTrip();
    return delegate.load(key);
  }

  /** One round trip for the whole batch, as one SQL {@code IN} query would take. */
  @Override
  public Map<String, Loaded<V>> loadAll(Set<String> keys) throws Exception {
    roundTrip();
    return delegate.loadAll(keys);
  }

  // The sleep is the simulated cost itself, not a wait for a condition.
  private void roundTrip() throws InterruptedException {
    if (!latency.isZero()) {
      Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
    }
  }
}
