package io.tiercache.testing;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loader over an in-memory "source" map that counts every call, so tests can assert how often the
 * source was reached. Values are versioned by the test.
 */
public final class CountingLoader implements CacheLoader<String> {
  private final Map<String, Loaded<String>> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicInteger bulkLoads = new AtomicInteger();
  private volatile Function<String, RuntimeException> failure;
  private volatile long delayMillis;

  /** Sets the source's value of {@code key}. */
  public CountingLoader put(String key, String value, long version) {
    source.put(key, Loaded.of(value, version));
    return this;
  }

  public void remove(String key) {
    source.remove(key);
  }

  /** Makes loads throw what {@code failure} returns (null: succeed). */
  public void failWith(Function<String, RuntimeException> failure) {
    this.failure = failure;
  }

  /** Makes every load take this long, to widen race windows. */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  @Override
  public Loaded<String> load(String key) throws Exception {
    loads.incrementAndGet();
    return read(key);
  }

  @Override
  public Map<String, Loaded<String>> loadAll(Set<String> keys) throws Exception {
    bulkLoads.incrementAndGet();
    Map<String, Loaded<String>> found = new ConcurrentHashMap<>();
    for (String key : keys) {
      Loaded<String> v = read(key);
      if (v != null) {
        found.put(key, v);
      }
    }
    return found;
  }

  private Loaded<String> read(String key) throws InterruptedException {
    if (delayMillis > 0) {
      Thread.sleep(delayMillis); // simulates source latency; not a wait for a condition
    }
    Function<String, RuntimeException> f = failure;
    if (f != null) {
      RuntimeException e = f.apply(key);
      if (e != null) {
        throw e;
      }
    }
    return source.get(key);
  }

  /** Single-key loads so far. */
  public int loads() {
    return loads.get();
  }

  /** Bulk loads so far. */
  public int bulkLoads() {
    return bulkLoads.get();
  }
}
