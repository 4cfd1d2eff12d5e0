package io.tiercache.jdbc;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import java.util.concurrent.CountDownLatch;

/**
 * Wraps a loader so that a test can stop a load right after it read the source: the load is then in
 * flight with what it read while the test writes, and installs it only when released.
 */
final class HeldLoader implements CacheLoader<String> {
  private final CacheLoader<String> source;
  private volatile CountDownLatch read;
  private volatile CountDownLatch go;

  HeldLoader(CacheLoader<String> source) {
    this.source = source;
  }

  /** Holds the next load after its read: it counts down {@code read}, then awaits {@code go}. */
  void holdNext(CountDownLatch read, CountDownLatch go) {
    this.go = go;
    this.read = read;
  }

  @Override
  public Loaded<String> load(String key) throws Exception {
    Loaded<String> value = source.load(key);
    CountDownLatch r = read;
    if (r != null) {
      read = null;
      r.countDown();
      go.await();
    }
    return value;
  }
}
