package io.tiercache.testing;

import io.tiercache.CacheLoader;
import io.tiercache.CacheWriter;
import io.tiercache.Loaded;
import io.tiercache.VersionedValue;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A source of truth in a map that is both loader and writer, for fast unit tests of the write
 * path's logic; the real writer is tested against PostgreSQL and H2 in tiercache-jdbc. {@link
 * #write} stamps versions from a counter; {@link #writeAll} applies each write only over an older
 * version, as a real one must. Tests can make calls fail, or hold loads at a latch to order a race.
 */
public final class InMemorySource implements CacheLoader<String>, CacheWriter<String> {
  private final Map<String, Loaded<String>> rows = new ConcurrentHashMap<>();
  private final AtomicLong versions = new AtomicLong();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicInteger batches = new AtomicInteger();
  private volatile Function<String, RuntimeException> failure;
  private volatile CountDownLatch loadRead;
  private volatile CountDownLatch loadGo;

  /** Sets a row directly, as another writer of the source would. */
  public InMemorySource put(String key, String value, long version) {
    rows.put(key, Loaded.of(value, version));
    versions.accumulateAndGet(version, Math::max);
    return this;
  }

  /** The row of {@code key}, or null; counts as no load. */
  public Loaded<String> row(String key) {
    return rows.get(key);
  }

  /** Makes every call throw what {@code failure} returns for the key (null: succeed). */
  public void failWith(Function<String, RuntimeException> failure) {
    this.failure = failure;
  }

  /**
   * Makes the next load read the source, count down {@code read}, and return what it read only
   * after {@code go} is counted down: the load is then "in flight" with a value read before
   * whatever the test does meanwhile.
   */
  public void holdNextLoad(CountDownLatch read, CountDownLatch go) {
    this.loadGo = go;
    this.loadRead = read;
  }

  @Override
  public Loaded<String> load(String key) throws Exception {
    loads.incrementAndGet();
    fail(key);
    Loaded<String> value = rows.get(key);
    CountDownLatch read = loadRead;
    if (read != null) {
      loadRead = null;
      read.countDown();
      loadGo.await();
    }
    return value;
  }

  @Override
  public long write(String key, String value) {
    fail(key);
    long v = versions.incrementAndGet();
    rows.put(key, Loaded.of(value, v));
    return v;
  }

  /** Inserts only where the key has no row, as {@code SqlWriter} does. */
  @Override
  public synchronized java.util.OptionalLong writeIfAbsent(String key, String value) {
    fail(key);
    if (rows.containsKey(key)) {
      return java.util.OptionalLong.empty();
    }
    return java.util.OptionalLong.of(write(key, value));
  }

  @Override
  public void delete(String key) {
    fail(key);
    rows.remove(key);
  }

  @Override
  public synchronized void writeAll(Map<String, VersionedValue<String>> batch) {
    batch.keySet().forEach(this::fail);
    batches.incrementAndGet();
    batch.forEach(
        (key, w) -> {
          Loaded<String> cur = rows.get(key);
          if (cur != null && cur.version() >= w.version()) {
            return;
          }
          if (w.isDelete()) {
            rows.remove(key);
          } else {
            rows.put(key, Loaded.of(w.value(), w.version()));
          }
        });
  }

  private void fail(String key) {
    Function<String, RuntimeException> f = failure;
    RuntimeException e = f == null ? null : f.apply(key);
    if (e != null) {
      throw e;
    }
  }

  public int loads() {
    return loads.get();
  }

  /** How many write-back batches were applied. */
  public int batches() {
    return batches.get();
  }
}
