package io.tiercache.testing;

import io.tiercache.spi.Entry;
import io.tiercache.spi.EntryCodec;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A RemoteTier in a map, for fast unit tests of the read path's logic only; the real L2 is tested
 * against redis-server in tiercache-redis. Stores encoded envelopes, as Redis would, and can be
 * made to fail every call.
 */
public final class InMemoryRemoteTier implements RemoteTier {
  private final Map<String, byte[]> data = new ConcurrentHashMap<>();
  private final AtomicInteger gets = new AtomicInteger();
  private volatile boolean down;

  /** Makes every call fail (true) or succeed (false). */
  public void setDown(boolean down) {
    this.down = down;
  }

  public int gets() {
    return gets.get();
  }

  public Entry peek(String key) {
    byte[] b = data.get(key);
    return b == null ? null : EntryCodec.decode(b);
  }

  @Override
  public CompletionStage<Entry> get(String key) {
    gets.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    return CompletableFuture.completedFuture(peek(key));
  }

  @Override
  public CompletionStage<Map<String, Entry>> getAll(Collection<String> keys) {
    gets.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    Map<String, Entry> found = new HashMap<>();
    for (String k : keys) {
      Entry e = peek(k);
      if (e != null) {
        found.put(k, e);
      }
    }
    return CompletableFuture.completedFuture(found);
  }

  @Override
  public CompletionStage<Void> put(String key, Entry entry, Duration ttl) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    data.put(key, EntryCodec.encode(entry));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Long> delete(Collection<String> keys) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    long n = keys.stream().filter(k -> data.remove(k) != null).count();
    return CompletableFuture.completedFuture(n);
  }

  @Override
  public String shardOf(String key) {
    return "memory";
  }

  @Override
  public void close() {}
}
